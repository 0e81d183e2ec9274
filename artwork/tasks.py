"""Thin Celery tasks of the artwork app."""

from celery import shared_task

from . import learning, proposals


@shared_task(name="artwork.learn", acks_late=True, reject_on_worker_lost=True)
def learn_policies() -> dict[str, int]:
    """Beat: fold impressions whose reward window has closed into each policy's next state (idempotent)."""
    return learning.learn_all()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def propose_previews_task(title_id: int) -> dict:
    """A title's preview windows from its processed videos (idempotent, under the title's job lock)."""
    return proposals.propose_for_title(title_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def propose_missing_task() -> dict:
    """Beat: queue proposals for processed videos that none has read yet (lost sends, older videos)."""
    return proposals.propose_missing()
