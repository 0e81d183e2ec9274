"""Insights background work: thin, each task calls a plain module under its lock and reports progress."""

from celery import shared_task

from jobs import JobAlreadyRunning, TaskProgress

from . import trends


@shared_task(bind=True)
def refresh_trends_task(self) -> dict:
    try:
        return trends.refresh_trends(progress=TaskProgress(self))
    except JobAlreadyRunning:
        return {"skipped": "a trends refresh is already running"}
