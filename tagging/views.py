"""Staff pages: a title's tags with the shots, keyframes and taggers each one came from; one-click review."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from catalog.models import Title

from . import services
from .models import TagSuggestion

BAR_WIDTH = 240


@staff_member_required
@permission_required("tagging.view_tagsuggestion", raise_exception=True)  # the review queue's own permission
def title_tags(request, title_id: int):
    title = get_object_or_404(Title, pk=title_id)
    evidence = services.tag_provenance(title)
    bars = []
    for row, ev in enumerate(evidence):
        strength = max([ev.score] + [confidence for _, confidence in ev.title_tags])
        bars.append({"y": 22 * row, "width": round(BAR_WIDTH * strength), "label": ev.tag, "value": f"{strength:.2f}"})
    context = {
        "title": title, "evidence": evidence, "bars": bars, "chart_height": 22 * len(bars),
        "bar_width": BAR_WIDTH, "site_header": "Marquee administration",
    }
    return render(request, "tagging/title_tags.html", context)


DECISIONS = {"approve": services.approve, "reject": services.reject}


@require_POST
@staff_member_required
@permission_required("tagging.change_tagsuggestion", raise_exception=True)  # the tagging reviewers' right
def decide_suggestion(request, pk: int, decision: str):
    """One-click approve or reject of a single suggestion (a POST with the CSRF token), then back to the list."""
    if decision not in DECISIONS:
        raise Http404("no such decision")
    suggestion = get_object_or_404(TagSuggestion.objects.select_related("tag", "title"), pk=pk)
    DECISIONS[decision]([suggestion.pk], request.user)
    verb = "Approved" if decision == "approve" else "Rejected"
    messages.success(request, f"{verb} “{suggestion.tag}” for {suggestion.title}.")
    back = request.POST.get("next") or request.headers.get("referer", "")  # the list page, with its filters
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("admin:tagging_tagsuggestion_changelist")
    return redirect(back)
