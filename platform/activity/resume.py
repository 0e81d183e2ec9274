"""Where a profile left off in a title: the watch page starts there (reads only; writes are actions.py)."""

from accounts.models import Profile
from catalog.models import Title

from .models import ViewingEvent


def resume_position(profile: Profile, title: Title, duration_s: float) -> float:
    """Seconds into the title to start from: the furthest point of its latest session, or 0 when that
    session is finished (at least `ViewingEvent.FINISHED_AT`: it is History, and starts again) or there
    is none. The same latest-session rule as the Continue Watching row."""
    latest = (
        ViewingEvent.objects.filter(profile=profile, title=title, hidden_at__isnull=True)
        .order_by("-started_at", "-id")
        .values_list("completion", flat=True)
        .first()
    )
    if latest is None or latest >= ViewingEvent.FINISHED_AT:
        return 0.0
    return round(latest * duration_s, 1)
