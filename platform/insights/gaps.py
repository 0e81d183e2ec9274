"""Catalogue gaps: genres and tags whose share of a region's demand exceeds their share of what it can watch.

Demand is viewing (the weekly summary rows) plus unmet searches (found nothing, or nobody opened what they
found) whose text names the genre or tag; one unmet search counts like one view. Supply is the share of the
titles available in the region (`Title.objects.visible_in(region, None)`: the visibility rule, any rating).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Sum

from catalog.models import Genre, Region, Tag, Title, TitleTag

from .models import Kind, WeeklyCount
from .searches import UnmetSearch, unmet_searches


@dataclass
class Gap:
    kind: str  # "genre" or "tag"
    key: str  # its id
    label: str
    demand_share: float
    catalogue_share: float
    unmet_searches: int
    examples: list[UnmetSearch] = field(default_factory=list)

    @property
    def gap(self) -> float:
        return self.demand_share - self.catalogue_share


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name.lower())}(?!\w)", text) is not None


def catalogue_gaps(region: Region, *, last_week: date, weeks: int = 4, limit: int = 15) -> list[Gap]:
    """The region's genres and tags ranked by demand share minus catalogue share, positive gaps only."""
    window = WeeklyCount.objects.filter(
        region=region, week__gt=last_week - timedelta(weeks=weeks), week__lte=last_week
    )
    # Every row of a region-week carries the week's total of views: take it once per week.
    view_total = sum(
        window.filter(kind=Kind.TITLE).values("week").annotate(t=Max("total")).values_list("t", flat=True)
    )
    viewing = {
        (kind, key): n
        for kind, key, n in window.filter(kind__in=[Kind.GENRE, Kind.TAG])
        .values_list("kind", "key")
        .annotate(n=Sum("count"))
    }
    unmet = unmet_searches(region.pk, last_week=last_week, weeks=weeks, limit=10_000)
    unmet_total = sum(u.unmet for u in unmet)
    available = Title.objects.visible_in(region, None)
    n_titles = available.count()
    supply = {
        (Kind.GENRE, str(g)): n
        for g, n in available.filter(genres__isnull=False)
        .values_list("genres")
        .annotate(n=Count("id", distinct=True))
    }
    supply |= {
        (Kind.TAG, str(t)): n
        for t, n in TitleTag.objects.filter(title__in=available)
        .values_list("tag")
        .annotate(n=Count("title", distinct=True))
    }
    demand_total = view_total + unmet_total
    if not demand_total or not n_titles:
        return []
    gaps = []
    for kind, model in ((Kind.GENRE, Genre), (Kind.TAG, Tag)):
        for pk, name in model.objects.values_list("pk", "name"):
            examples = [u for u in unmet if _mentions(u.text, name)]
            searched = sum(u.unmet for u in examples)
            demand = (viewing.get((kind, str(pk)), 0) + searched) / demand_total
            share = supply.get((kind, str(pk)), 0) / n_titles
            if demand > share:
                gaps.append(Gap(kind, str(pk), name, demand, share, searched, examples[:3]))
    gaps.sort(key=lambda g: -g.gap)
    return gaps[:limit]
