"""The one progress callback: a tqdm bar for commands, the task state for workers."""

import io

from jobs import TaskProgress, TqdmProgress


def test_the_command_bar_shows_done_of_total_and_the_note():
    out = io.StringIO()
    with TqdmProgress(desc="index", unit="title", file=out) as report:
        report(3, 8, "embedding")
        assert (report.bar.n, report.bar.total) == (3, 8)
    assert "3/8" in out.getvalue() and "embedding" in out.getvalue()


def test_the_note_can_be_the_description_or_left_out():
    out = io.StringIO()
    with TqdmProgress(file=out, note_in="description") as report:
        report(1, 2, "fitting")
    assert "fitting" in out.getvalue()
    quiet = io.StringIO()
    with TqdmProgress(file=quiet, note_in=None) as report:
        report(1, 2, "fitting")
    assert "fitting" not in quiet.getvalue() and "1/2" in quiet.getvalue()


def test_a_disabled_bar_writes_nothing():
    out = io.StringIO()
    with TqdmProgress(file=out, disable=True) as report:
        report(1, 2, "x")
    assert out.getvalue() == ""


class _Task:
    class request:
        id = "task-1"

    def __init__(self):
        self.states = []

    def update_state(self, state, meta):
        self.states.append((state, meta))


def test_the_task_progress_updates_the_task_state_every_nth_call_and_at_the_end():
    task = _Task()
    report = TaskProgress(task, every=2)
    for done in range(1, 6):
        report(done, 5, "step")
    assert [meta["done"] for _, meta in task.states] == [2, 4, 5]
    assert task.states[-1] == ("PROGRESS", {"done": 5, "total": 5, "percent": 100.0, "note": "step"})
