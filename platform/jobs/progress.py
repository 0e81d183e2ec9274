"""Progress of long work: one callback type, shown in the admin from a task or as a bar in a command.

Services take an optional `Progress` callback, so they run the same from a task, a command or a test.
`Progress` is the only name of the type: every app imports it from here. A task passes `TaskProgress(self)`,
a command a `TqdmProgress`, a test a plain function or nothing.
"""

from collections.abc import Callable
from typing import Any, Literal

# report(done, total, note): `done` of `total` steps finished; `note` says what is running now.
Progress = Callable[[int, int, str], None]


def no_progress(done: int, total: int, note: str = "") -> None:
    """The default `Progress` of work run outside a task or a command: report nothing."""
    return None


class TaskProgress:
    """A `Progress` that updates a Celery task's PROGRESS state (django-celery-results shows it)."""

    def __init__(self, task: Any | None = None, *, every: int = 1) -> None:
        self.task = task
        self.every = max(1, every)
        self._calls = 0

    def __call__(self, done: int, total: int, note: str = "") -> None:
        self._calls += 1
        if self.task is None or (self._calls % self.every and done < total):
            return
        request_id = getattr(getattr(self.task, "request", None), "id", None)
        if request_id is None:  # called eagerly or outside a worker
            return
        self.task.update_state(
            state="PROGRESS",
            meta={"done": done, "total": total, "percent": round(100 * done / total, 1) if total else 0, "note": note},
        )


class TqdmProgress:
    """A `Progress` that draws a tqdm bar, for management commands; use it as a context manager.

    `note_in` is where the note goes: the bar's postfix, its description, or nowhere.
    `disable=None` hides the bar when the output is not a terminal (tqdm's own rule).
    """

    def __init__(self, *, desc: str | None = None, unit: str = "it", total: int | None = None,
                 disable: bool | None = False, leave: bool = True, file: Any = None,
                 note_in: Literal["postfix", "description"] | None = "postfix") -> None:
        from tqdm import tqdm  # only commands draw bars: web and worker processes never import it

        self.bar = tqdm(desc=desc, unit=unit, total=total, disable=disable, leave=leave, file=file)
        self.note_in = note_in

    def __call__(self, done: int, total: int, note: str = "") -> None:
        self.bar.total = total
        self.bar.n = done
        if self.note_in == "postfix":
            self.bar.set_postfix_str(note, refresh=False)
        elif self.note_in == "description":
            self.bar.set_description(note, refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()

    def __enter__(self) -> "TqdmProgress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
