"""Activity background work: moving buffered impressions into the database."""

import logging
from dataclasses import asdict

from celery import shared_task

from jobs import JobAlreadyRunning, exclusive_job

from .impressions import buffer_url, flush_buffer

log = logging.getLogger(__name__)


# Beat runs this every 10 seconds: its results are logged, not stored (they would flood the results table).
@shared_task(ignore_result=True)
def flush_impressions() -> dict:
    if not buffer_url():
        return {"skipped": "no IMPRESSION_BUFFER_URL: impressions are written by the pages themselves"}
    # One flusher at a time keeps batches large; a failed batch is pushed back to the buffer, not lost.
    try:
        with exclusive_job("activity.flush_impressions"):
            report = asdict(flush_buffer())
    except JobAlreadyRunning:
        return {"skipped": "a flush is already running"}
    if report["pages"]:
        log.info("flushed impressions: %s", report)
    return report
