"""The watch page and its progress endpoint: one ViewingEvent per session, growing as playback reports."""

import json

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


@profile_required
@require_POST
def watch_progress(request: HttpRequest, title_id: int) -> JsonResponse:
    """Body `{"event": id|null, "position": s, "watched": s}`; the first report opens the ViewingEvent."""
    title = get_object_or_404(Title.objects.visible_to(request.profile), pk=title_id)
    try:
        body = json.loads(request.body or b"{}")
        position = max(0.0, float(body.get("position", 0)))
        watched = max(0.0, float(body.get("watched", 0)))
        event_id = body.get("event")
        event_id = int(event_id) if event_id not in (None, "") else None
    except (ValueError, TypeError, AttributeError):
        return JsonResponse({"error": "body must be JSON with numeric position, watched and event"}, status=400)
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
