"""Report a Celery task's progress so the admin (django-celery-results) can show it."""

from typing import Any


class ProgressReporter:
    """Callable passed into services: `report(done, total, note)` updates the task's PROGRESS state.

    Services take an optional reporter, so they run the same from a task, a command or a test.
    """

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
