"""What subscribers look for: rising search terms and unmet searches (found nothing, or nobody opened a result).

Both read the weekly summary rows the trends refresh writes from the core search log
(`activity.models.SearchQuery`), so the pages never scan the log itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Sum

from .models import Kind, Trend, WeeklyCount


@dataclass(frozen=True)
class UnmetSearch:
    text: str
    searches: int
    unmet: int  # found nothing or nobody opened a result
    no_results: int

    @property
    def unmet_share(self) -> float:
        return self.unmet / self.searches if self.searches else 0.0


def unmet_searches(
    region_id: int | None, *, last_week: date, weeks: int = 4, limit: int = 20
) -> list[UnmetSearch]:
    """The search texts with the most unmet searches over `weeks` weeks ending `last_week` (all regions: None)."""
    rows = WeeklyCount.objects.filter(
        kind=Kind.SEARCH, week__gt=last_week - timedelta(weeks=weeks), week__lte=last_week
    )
    if region_id is not None:
        rows = rows.filter(region_id=region_id)
    grouped = (
        rows.values("key")
        .annotate(searches=Sum("count"), unmet=Sum("unmet"), none=Sum("no_results"))
        .filter(unmet__gt=0)
        .order_by("-unmet", "-searches", "key")[:limit]
    )
    return [UnmetSearch(r["key"], r["searches"], r["unmet"], r["none"]) for r in grouped]


def rising_searches(region_id: int, week: date, *, limit: int = 20) -> list[Trend]:
    """Search terms whose share of the region's searches rose significantly this week (biggest rise first)."""
    found = Trend.objects.filter(region_id=region_id, week=week, kind=Kind.SEARCH, significant=True, z__gt=0)
    return sorted(found, key=lambda t: t.baseline_share - t.share)[:limit]
