"""The profile's own lists: My List and viewing history (with "remove from history")."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from activity.models import MyListEntry, ViewingEvent
from catalog.models import Title

from ..cards import RowSpec, build_rows
from ..rows import rows_changed
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
    return render(request, "storefront/history.html", {"profile": request.profile, "events": events})


@profile_required
@require_POST
def remove_from_history(request: HttpRequest, event_id: int) -> HttpResponse:
    """Hide one viewing from the profile; learners skip hidden events from their next retrain on."""
    event = get_object_or_404(ViewingEvent, pk=event_id, profile=request.profile, hidden_at__isnull=True)
    event.hidden_at = timezone.now()
    event.save(update_fields=["hidden_at", "updated_at"])
    rows_changed(request.profile)
    return redirect("storefront:history")
