"""What the insights admin pages show, as charts and rows: the admin views only parse the request and render."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from catalog.models import Region
from charts import Series, bar_chart, line_chart

from . import gaps, searches, trends, weekly_counts
from .models import Kind, Trend

CHANGE_COLOUR, DROP_COLOUR = "#2a9d4b", "#c0392b"
KIND_NAMES = {Kind.GENRE: "Genres", Kind.TAG: "Tags", Kind.TITLE: "Titles", Kind.SEARCH: "Search terms"}


def _pp(value: float) -> str:
    return f"{value:+.1f} pp"


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def choices(region_code: str | None, week: str | None) -> tuple[Region | None, date | None, list, list]:
    """The selected region and week (the latest week with trends and the first region by default)."""
    regions = list(Region.objects.order_by("code"))
    weeks = sorted(set(Trend.objects.values_list("week", flat=True)), reverse=True)
    region = next((r for r in regions if r.code == region_code), regions[0] if regions else None)
    chosen = next((w for w in weeks if w.isoformat() == week), weeks[0] if weeks else None)
    return region, chosen, regions, weeks


def _change_chart(kind: str, found: dict[str, list[Trend]], region: Region, week: date):
    shown = (found["rising"][:6] + found["falling"][:6])[:10]
    shown.sort(key=lambda t: t.baseline_share - t.share)
    return bar_chart(
        [t.label[:24] for t in shown],
        [
            Series(
                "change in share (percentage points)",
                [100 * (t.share - t.baseline_share) for t in shown],
                colour=CHANGE_COLOUR,
                negative_colour=DROP_COLOUR,
            )
        ],
        title=f"{KIND_NAMES[kind]}: significant changes in {region.code}, week of {week:%d %b %Y}",
        desc="Share this week against the time-decayed share of the eight weeks before; only changes that pass "
        f"the two-proportion test at a false-discovery rate of {trends.FDR:.0%} are shown.",
        value_format=_pp,
        empty="No significant change this week",
        width=720,
    )


def _share_chart(kind: str, rising: list[Trend], region: Region, week: date):
    keys = [t.key for t in rising[:4]]
    series = trends.share_series(region.pk, kind, keys, last_week=week) if keys else {}
    labels = [w.strftime("%d %b") for w, _ in next(iter(series.values()), [])]
    return line_chart(
        labels,
        [Series(name[:30], [share for _, share in points]) for name, points in series.items()],
        title=f"{KIND_NAMES[kind]} rising in {region.code}: weekly share",
        value_format=_pct,
        partial_last=week == weekly_counts.week_of(timezone.now()),
        empty="Nothing is rising significantly",
        width=720,
    )


def overview(region: Region, week: date) -> dict:
    """Charts per kind (significant changes, and the weekly share of the risers), rising and unmet searches."""
    sections = []
    for kind in (Kind.GENRE, Kind.TAG, Kind.TITLE):
        found = trends.significant_trends(region.pk, week, kind)
        sections.append(
            {
                "name": KIND_NAMES[kind],
                "change_chart": _change_chart(kind, found, region, week),
                "share_chart": _share_chart(kind, found["rising"], region, week),
                "rows": found,
            }
        )
    rising = searches.rising_searches(region.pk, week, limit=10)
    unmet = searches.unmet_searches(region.pk, last_week=week, limit=12)
    unmet_chart = bar_chart(
        [u.text[:20] for u in unmet],
        [
            Series("searches", [u.searches for u in unmet]),
            Series("unmet (nothing found or nothing opened)", [u.unmet for u in unmet], colour=DROP_COLOUR),
        ],
        title=f"Unmet searches in {region.code}, four weeks to {week:%d %b %Y}",
        empty="No unmet searches",
        width=720,
    )
    rising_chart = bar_chart(
        [t.label[:20] for t in rising],
        [
            Series("share of searches before", [100 * t.baseline_share for t in rising]),
            Series("this week", [100 * t.share for t in rising], colour=CHANGE_COLOUR),
        ],
        title=f"Rising search terms in {region.code}",
        value_format=lambda v: f"{v:.1f}%",
        empty="No search term rose significantly",
        width=720,
    )
    found_gaps = gaps.catalogue_gaps(region, last_week=week, limit=12)
    gaps_chart = bar_chart(
        [f"{g.label[:18]} ({g.kind})" for g in found_gaps],
        [
            Series(
                "share of demand (views + unmet searches)",
                [100 * g.demand_share for g in found_gaps],
                colour=DROP_COLOUR,
            ),
            Series("share of the catalogue available here", [100 * g.catalogue_share for g in found_gaps]),
        ],
        title=f"Catalogue gaps in {region.code}, four weeks to {week:%d %b %Y}",
        value_format=lambda v: f"{v:.1f}%",
        empty="No genre or tag is in more demand than supply",
        width=720,
    )
    return {
        "sections": sections,
        "rising_searches": rising,
        "rising_chart": rising_chart,
        "unmet": unmet,
        "unmet_chart": unmet_chart,
        "gaps": found_gaps,
        "gaps_chart": gaps_chart,
    }


def forecast_chart(results: list) -> object:
    return bar_chart(
        [r.region for r in results],
        [
            Series("profiles with it in their top 50", [r.profiles_with_it_in_top_50 for r in results]),
            Series(
                "expected first-month viewers",
                [r.expected_first_month_viewers for r in results],
                colour=CHANGE_COLOUR,
            ),
        ],
        title="Audience forecast per region",
        empty="No region has profiles the model knows",
        width=720,
    )
