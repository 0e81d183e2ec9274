"""The watch page and its progress endpoint: one ViewingEvent per session, growing as playback reports."""

import json
import math

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from activity.models import ViewingEvent
from artwork.services import choose_artwork
from catalog.models import MediaAsset, Title

from ..rows import rows_changed
from .common import profile_required

DEFAULT_RUNTIME_S = 90 * 60
# The simulated player runs this many times faster than real time, so a demo finishes.
SIMULATED_SPEED = 60


def _video_for(title: Title) -> MediaAsset | None:
    videos = title.media_assets.filter(kind=MediaAsset.Kind.VIDEO, status=MediaAsset.Status.READY)
    # A feature beats a trailer; among equals the first uploaded.
    return min(videos, key=lambda a: (a.role != MediaAsset.Role.FEATURE, a.pk), default=None)


def _duration_s(title: Title, video: MediaAsset | None) -> float:
    if video is not None and video.duration_s:
        return float(video.duration_s)
    return float(title.runtime_minutes * 60 if title.runtime_minutes else DEFAULT_RUNTIME_S)


@profile_required
def watch(request: HttpRequest, title_id: int) -> HttpResponse:
    title = get_object_or_404(Title.objects.visible_to(request.profile), pk=title_id)
    video = _video_for(title)
    context = {
        "title": title,
        "video": video,
        "poster_url": choose_artwork(request.profile, [title])[title.pk].url,
        "duration_s": _duration_s(title, video),
        "simulated_speed": SIMULATED_SPEED,
    }
    return render(request, "storefront/watch.html", context)


MAX_ID = 2**63 - 1  # the database's bigint; larger ids overflow SQLite's driver


def _seconds(value) -> float | None:
    """A non-negative finite number of seconds from the JSON value, or None when it is not one."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        seconds = float(value)
    except (ValueError, OverflowError):  # OverflowError: an integer of hundreds of digits
        return None
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _is_id(value: int | str) -> bool:
    text = str(value)
    return text.isdigit() and len(text) <= 19 and 1 <= int(text) <= MAX_ID


@profile_required
@require_POST
def watch_progress(request: HttpRequest, title_id: int) -> JsonResponse:
    """Body `{"event": id|null, "position": s, "watched": s}`; the first report opens the ViewingEvent."""
    title = get_object_or_404(Title.objects.visible_to(request.profile), pk=title_id)
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, RecursionError):  # RecursionError: nested too deeply for the parser
        return JsonResponse({"error": "body must be a JSON object"}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"error": "body must be a JSON object"}, status=400)
    errors, values = {}, {}
    for name in ("position", "watched"):
        values[name] = _seconds(body.get(name, 0))
        if values[name] is None:
            errors[name] = "must be a finite number of seconds"
    event_id = body.get("event")
    if event_id in (None, ""):
        event_id = None
    elif isinstance(event_id, bool) or not isinstance(event_id, (int, str)) or not _is_id(event_id):
        errors["event"] = "must be an event id or null"
    else:
        event_id = int(event_id)
    if errors:
        return JsonResponse({"error": "invalid progress report", "fields": errors}, status=400)
    position, watched = values["position"], values["watched"]
    # The server's duration, never the client's: a report cannot claim more than the title runs.
    duration = _duration_s(title, _video_for(title))
    if event_id is None:
        event = ViewingEvent.objects.create(profile=request.profile, title=title, started_at=timezone.now())
    else:
        event = get_object_or_404(ViewingEvent, pk=event_id, profile=request.profile, title=title)
    event.seconds_watched = max(event.seconds_watched, int(min(watched, duration)))
    event.completion = max(event.completion, min(1.0, position / duration))
    event.save(update_fields=["seconds_watched", "completion", "updated_at"])
    rows_changed(request.profile)
    return JsonResponse({"event": event.pk, "seconds_watched": event.seconds_watched, "completion": event.completion})
