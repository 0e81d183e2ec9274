"""Enqueue Celery tasks only once the current transaction commits.

A worker that picks a task up before the row it names is committed would find nothing;
every app enqueues through this one helper so that never happens.
"""

import importlib
import uuid
from typing import Any

from django.db import transaction


def _registered(name: str) -> Any | None:
    """The task registered under `name`, importing its module now if need be; None if only workers know it.

    Resolved at send time, so a service can name a task of its own app's `tasks.py` (which imports the
    service) without an import cycle, and still get the task's routes, eager mode and test doubles.
    """
    from celery import current_app

    task = current_app.tasks.get(name)
    if task is None:
        try:
            importlib.import_module(name.rpartition(".")[0])
        except ImportError:
            return None
        task = current_app.tasks.get(name)
    return task


def enqueue_on_commit(task: Any, *args: Any, queue: str | None = None, **kwargs: Any) -> str:
    """Send `task` after the surrounding transaction commits: a task, its registered name, or a canvas
    (a chain or chord; its id is the last task's).

    Returns the task id, chosen now so a caller can show or store it before the send happens. Leave
    `queue` out to follow CELERY_TASK_ROUTES.
    """
    options = {"queue": queue} if queue else {}
    task_id = str(uuid.uuid4())

    def send() -> None:
        target = _registered(task) if isinstance(task, str) else task
        if target is None:
            from celery import current_app

            current_app.send_task(task, args=args, kwargs=kwargs, task_id=task_id, **options)
        else:
            target.apply_async(args=args, kwargs=kwargs, task_id=task_id, **options)

    transaction.on_commit(send)
    return task_id
