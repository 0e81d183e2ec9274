"""The watch page and its progress endpoint: one ViewingEvent per session, growing as playback reports."""

import json
import math

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from activity import actions
from activity.models import ViewingEvent
from activity.resume import resume_position
from artwork.services import choose_artwork
from catalog.models import Title

from .common import profile_required

# The simulated player runs this many times faster than real time, so a demo finishes.
SIMULATED_SPEED = 60


@profile_required
def watch(request: HttpRequest, title_id: int) -> HttpResponse:
    title = get_object_or_404(Title.objects.visible_to(request.profile), pk=title_id)
    video = title.playable_video()
    duration = title.duration_s(video)
    resume = resume_position(request.profile, title, duration)
    context = {
        "title": title,
        "video": video,
        "poster_url": choose_artwork(request.profile, [title])[title.pk].url,
        "duration_s": duration,
        "resume_s": resume,
        "resume_label": _clock(resume),
        "simulated_speed": SIMULATED_SPEED,
    }
    return render(request, "storefront/watch.html", context)


def _clock(seconds: float) -> str:
    """1:02:03 or 4:05, as players show a position."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


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
    try:
        event = actions.record_watch_progress(
            request.profile, title, event_id=event_id, position_s=values["position"], watched_s=values["watched"]
        )
    except ViewingEvent.DoesNotExist:
        raise Http404("No such viewing of this title") from None
    return JsonResponse({"event": event.pk, "seconds_watched": event.seconds_watched, "completion": event.completion})
