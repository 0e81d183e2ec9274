"""Activity background work: moving buffered impressions into the database."""

from dataclasses import asdict

from celery import shared_task

from jobs import JobAlreadyRunning, exclusive_job

from .impressions import flush_buffer


@shared_task(ignore_result=False)
def flush_impressions() -> dict:
    # One flusher at a time keeps batches large; a failed batch is pushed back to the buffer, not lost.
    try:
        with exclusive_job("activity.flush_impressions"):
            return asdict(flush_buffer())
    except JobAlreadyRunning:
        return {"skipped": "a flush is already running"}
