"""Account background work: the daily billing run (thin; the rules are in accounts/membership.py)."""

from celery import shared_task

from .membership import renew_due


@shared_task
def renew_memberships() -> dict:
    """End memberships whose cancellation date has come, apply scheduled plan moves, invoice renewals."""
    return renew_due()
