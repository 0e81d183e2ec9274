"""Staff page: a title's tags with the shots, keyframes and taggers each one came from."""

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, render

from catalog.models import Title

from . import services

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
