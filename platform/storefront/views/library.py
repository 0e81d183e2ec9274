"""The profile's own lists: My List and viewing history (with "remove from history")."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from activity import actions
from activity.models import MyListEntry, ViewingEvent
from catalog.models import Title

from ..cards import RowSpec, build_rows
from .common import profile_required


@profile_required
def my_list(request: HttpRequest) -> HttpResponse:
    saved = MyListEntry.objects.filter(profile=request.profile).values_list("title_id", flat=True)[:200]
    rows = build_rows(request.profile, [RowSpec("my_list", "My List", [(title_id, "") for title_id in saved])])
    return render(request, "storefront/my_list.html", {"cards": rows[0].cards if rows else []})


@profile_required
def history(request: HttpRequest) -> HttpResponse:
    # Only titles the profile may still see: a licence may have ended or the maturity limit been lowered.
    visible = Title.objects.visible_to(request.profile)
    events = ViewingEvent.objects.filter(profile=request.profile, hidden_at__isnull=True, title__in=visible)
    events = events.select_related("title")[:100]
    return render(request, "storefront/history.html",
                  {"profile": request.profile, "events": events, "finished_at": ViewingEvent.FINISHED_AT})


@profile_required
@require_POST
def remove_from_history(request: HttpRequest, event_id: int) -> HttpResponse:
    """Hide one viewing from the profile; learners skip hidden events from their next retrain on."""
    try:
        actions.hide_viewing(request.profile, event_id)
    except ViewingEvent.DoesNotExist:
        raise Http404("No such viewing in your history") from None
    return redirect("storefront:history")
