"""Celery tasks of the support bot (thin: the work is in support_bot.index)."""

from celery import shared_task

from jobs import JobAlreadyRunning, TaskProgress


# CELERY_TASK_ROUTES puts it on `ml`: the build fine-tunes MiniLM for minutes, which must not hold up
# `default`'s short tasks.
@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, soft_time_limit=20 * 60,
             time_limit=21 * 60)
def rebuild_support_index(self) -> dict:
    """Retrain on the current knowledge base and swap the new engine in; idempotent (same KB → no new version)."""
    from .index import build_index

    try:
        record = build_index(report=TaskProgress(self))
    except JobAlreadyRunning:
        # A build is under way; it may have started before the latest change, so try again shortly.
        self.apply_async(countdown=30)
        return {"status": "deferred"}
    return {"version": record.version, "status": record.status, "threshold": record.threshold}
