"""Search's background work: rebuilding the meaning index (queue `ml`, by CELERY_TASK_ROUTES)."""

from celery import shared_task

from jobs import JobAlreadyRunning, TaskProgress

from . import services


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def rebuild_search_index(self) -> dict:
    # Idempotent (re-embeds only changed titles), so a redelivered task is harmless.
    try:
        return services.rebuild_search_index(TaskProgress(self, every=1))
    except JobAlreadyRunning:
        return {"skipped": "a rebuild is already running"}
