"""Enqueue Celery tasks only once the current transaction commits.

A worker that picks a task up before the row it names is committed would find nothing;
every app enqueues through this one helper so that never happens.
"""

import uuid
from typing import Any

from django.db import transaction


def enqueue_on_commit(task: Any, *args: Any, queue: str | None = None, **kwargs: Any) -> str:
    """Send `task` (a task or its registered name) after the surrounding transaction commits.

    Returns the task id, chosen now so a caller can show or store it before the send happens.
    """
    options = {"queue": queue} if queue else {}
    task_id = str(uuid.uuid4())

    def send() -> None:
        if isinstance(task, str):
            from celery import current_app

            current_app.send_task(task, args=args, kwargs=kwargs, task_id=task_id, **options)
        else:
            task.apply_async(args=args, kwargs=kwargs, task_id=task_id, **options)

    transaction.on_commit(send)
    return task_id
