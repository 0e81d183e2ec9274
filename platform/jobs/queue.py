"""Enqueue Celery tasks only once the current transaction commits.

A worker that picks a task up before the row it names is committed would find nothing;
every app enqueues through this one helper so that never happens.
"""

from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, *args: Any, queue: str | None = None, **kwargs: Any) -> None:
    """Send `task` with JSON-serialisable arguments after the surrounding transaction commits."""
    options = {"queue": queue} if queue else {}

    def send() -> None:
        task.apply_async(args=args, kwargs=kwargs, **options)

    transaction.on_commit(send)
