"""Thin Celery tasks of the artwork app."""

from celery import shared_task

from . import learning


@shared_task(name="artwork.learn", acks_late=True, reject_on_worker_lost=True)
def learn_policies() -> dict[str, int]:
    """Beat: fold impressions whose reward window has closed into each policy's next state (idempotent)."""
    return learning.learn_all()
