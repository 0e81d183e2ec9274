"""Thin Celery tasks of the artwork app."""

from celery import shared_task

from catalog.models import Title

from . import learning, previews


@shared_task(name="artwork.learn", acks_late=True, reject_on_worker_lost=True)
def learn_policies() -> dict[str, int]:
    """Beat: fold impressions whose reward window has closed into each policy's next state (idempotent)."""
    return learning.learn_all()


@shared_task(acks_late=True, reject_on_worker_lost=True)
def propose_previews_task(title_id: int) -> dict:
    """A title's preview windows from its processed videos (idempotent: windows are updated in place)."""
    title = Title.objects.filter(pk=title_id).first()
    if title is None:
        return {"title": title_id, "missing": True}
    made = previews.propose_previews(title)
    return {"note": f"{len(made)} preview window(s) for {title.name}", "title": title.pk}
