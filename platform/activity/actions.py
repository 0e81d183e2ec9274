"""What a profile does to a title: watch, rate, save to My List, hide a viewing. One function per action.

Each function owns its transaction (and its row lock where two requests can race) and, when the change
commits, sends `signals.profile_activity_changed` so cached rows are forgotten. Views,
APIs and the bot parse their input, check the profile may see the title
(`Title.objects.visible_to`), and call these; nothing else writes these rows for a profile.
Unknown or foreign ids raise the model's `DoesNotExist`: a view answers 404.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Profile
from catalog.models import Title

from .models import MyListEntry, Rating, ViewingEvent
from .signals import profile_activity_changed


def _changed(profile: Profile) -> None:
    # On commit, so a rolled-back action (or one inside a caller's transaction that rolls back) leaves the
    # cached rows alone, and a page drawn right after the commit cannot cache the rows from before it.
    profile_id = profile.pk
    transaction.on_commit(lambda: profile_activity_changed.send(sender=Profile, profile_id=profile_id))


def record_watch_progress(
    profile: Profile,
    title: Title,
    *,
    event_id: int | None,
    position_s: float,
    watched_s: float,
    now: datetime | None = None,
) -> ViewingEvent:
    """Open a viewing session (`event_id=None`) or grow an existing one of this profile and title.

    Progress only grows: a late or repeated report never lowers what was watched. The title's own
    duration bounds both figures, never the player's: a report cannot claim more than the title runs.
    """
    duration = title.duration_s(title.playable_video())
    with transaction.atomic():
        if event_id is None:
            event = ViewingEvent.objects.create(
                profile=profile, title=title, started_at=now or timezone.now()
            )
        else:
            # Locked: two reports of one session arriving together must not lose the larger one.
            event = ViewingEvent.objects.select_for_update().get(pk=event_id, profile=profile, title=title)
        event.seconds_watched = max(event.seconds_watched, int(min(max(watched_s, 0.0), duration)))
        event.completion = max(event.completion, min(1.0, max(position_s, 0.0) / duration))
        event.save(update_fields=["seconds_watched", "completion", "updated_at"])
    _changed(profile)
    return event


def hide_viewing(profile: Profile, event_id: int, *, now: datetime | None = None) -> ViewingEvent:
    """Remove one viewing from the profile's history; learners skip it from their next retrain on."""
    with transaction.atomic():
        event = ViewingEvent.objects.select_for_update().get(
            pk=event_id, profile=profile, hidden_at__isnull=True
        )
        event.hidden_at = now or timezone.now()
        event.save(update_fields=["hidden_at", "updated_at"])
    _changed(profile)
    return event


def set_thumb(
    profile: Profile, title: Title, thumb: int | None, *, now: datetime | None = None
) -> Rating | None:
    """Thumb up (1), down (-1) or withdrawn (None). Withdrawing keeps a star rating the profile also gave."""
    if thumb is not None and thumb not in Rating.Thumb.values:
        raise ValueError(f"thumb must be 1, -1 or None, not {thumb!r}")
    return _set_opinion(profile, title, "thumb", thumb, now)


def set_stars(
    profile: Profile, title: Title, stars: float | None, *, now: datetime | None = None
) -> Rating | None:
    """Half stars from 0.5 to 5, or None to withdraw them (a thumb the profile also gave stays)."""
    if stars is not None and not (0.5 <= stars <= 5 and float(stars * 2).is_integer()):
        raise ValueError(f"stars must be 0.5 to 5 in half stars, not {stars!r}")
    return _set_opinion(profile, title, "stars", stars, now)


def _set_opinion(profile: Profile, title: Title, field: str, value, now: datetime | None) -> Rating | None:
    """One `Rating` row per profile and title holds both opinions; it goes when neither is left."""
    with transaction.atomic():
        if value is not None:
            # update_or_create locks the row it finds and survives a concurrent first insert.
            rating, _ = Rating.objects.update_or_create(
                profile=profile, title=title, defaults={field: value, "rated_at": now or timezone.now()}
            )
        else:
            rating = Rating.objects.select_for_update().filter(profile=profile, title=title).first()
            other = "stars" if field == "thumb" else "thumb"
            if rating is not None and getattr(rating, other) is None:
                rating.delete()
                rating = None
            elif rating is not None:
                setattr(rating, field, None)
                rating.save(update_fields=[field])
    _changed(profile)
    return rating


def _add(profile: Profile, title: Title) -> bool:
    return MyListEntry.objects.get_or_create(profile=profile, title=title)[1]


def _remove(profile: Profile, title: Title) -> bool:
    return MyListEntry.objects.filter(profile=profile, title=title).delete()[0] > 0


def add_to_my_list(profile: Profile, title: Title) -> bool:
    """Save the title to My List; False when it was already there."""
    with transaction.atomic():
        created = _add(profile, title)
    _changed(profile)
    return created


def remove_from_my_list(profile: Profile, title: Title) -> bool:
    """Take the title off My List; False when it was not on it."""
    with transaction.atomic():
        removed = _remove(profile, title)
    _changed(profile)
    return removed


def toggle_my_list(profile: Profile, title: Title) -> bool:
    """Add the title if absent, else remove it; True when it is on the list afterwards.

    The profile's row is locked, so two toggles at once take turns (add, then remove) instead of
    both finding the title absent.
    """
    with transaction.atomic():
        Profile.objects.select_for_update().filter(pk=profile.pk).first()
        on_list = not _remove(profile, title)
        if on_list:
            _add(profile, title)
    _changed(profile)
    return on_list
