"""Storefront background work: rebuilding the semantic search index."""

from celery import shared_task

from jobs import JobAlreadyRunning, ProgressReporter, exclusive_job

from . import search


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def rebuild_search_index(self) -> dict:
    # Idempotent (re-embeds only changed titles), so a redelivered task is harmless.
    try:
        with exclusive_job("storefront.rebuild_search_index"):
            return search.rebuild_search_index(ProgressReporter(self, every=1))
    except JobAlreadyRunning:
        return {"skipped": "a rebuild is already running"}
