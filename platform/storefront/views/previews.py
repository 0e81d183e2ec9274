"""A card's preview on hover or focus: which window of which video this profile sees (artwork chooses it)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404

from artwork.services import choose_preview, log_preview
from catalog.models import Title

from .common import profile_required


@profile_required
def card_preview(request: HttpRequest, title_id: int) -> HttpResponse:
    """`{"url": "video.mp4#t=s,e", "start": s, "end": e}`, logged as a preview impression; 204 without one."""
    title = get_object_or_404(Title.objects.visible_to(request.profile), pk=title_id)
    choice = choose_preview(request.profile, title)
    if choice is None:
        return HttpResponse(status=204)
    log_preview(request.profile, title, choice, "card")
    return JsonResponse({"url": choice.url, "start": choice.start_s, "end": choice.end_s})
