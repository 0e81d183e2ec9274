"""What is gaining or losing share where: weekly counts by SQL aggregate, then a tested, time-decayed comparison.

The refresh runs in two steps. `count_weeks` (`insights.weekly_counts`) asks the database for grouped
counts (views per region, week and genre / tag / title; searches per region, week and normalised text) and
replaces those weeks' rows of `WeeklyCount`; no event is ever loaded into Python. `flag_trends` then compares each key's share
in a week with its share over the eight weeks before, weighted so the latest weeks count most (half-life
two weeks), with a two-proportion z-test; the p-values of the whole refresh go through Benjamini-Hochberg,
so that a region with forty views a week, where shares jump by chance, does not flag trends.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from jobs import Progress, exclusive_job

from .models import Kind, Trend, WeeklyCount
from .weekly_counts import count_weeks, insert_summary, week_of

BASELINE_WEEKS = 8
HALF_LIFE_WEEKS = 2.0
FDR = 0.05  # expected share of false discoveries among the flagged trends
RECOUNT_WEEKS = 2  # a routine refresh recounts the running week and the one before (late reports)
VIEW_KINDS = (Kind.GENRE, Kind.TAG, Kind.TITLE)




# -- the test ------------------------------------------------------------------------------------------
def decay_weights(weeks: int = BASELINE_WEEKS, half_life: float = HALF_LIFE_WEEKS) -> np.ndarray:
    """Weight of the week `a` weeks back (a = 1..weeks): the latest full week counts 1, older ones halve."""
    return np.power(0.5, (np.arange(1, weeks + 1) - 1) / half_life)


def two_proportion_z(
    x1: np.ndarray, n1: np.ndarray, x0: np.ndarray, n0: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """z and two-sided p of share x1/n1 against x0/n0 (pooled variance); decayed counts act as counts.

    Down-weighting old weeks shrinks n0, so the baseline is treated as the smaller sample it
    effectively is rather than as eight full weeks.
    """
    pooled = (x1 + x0) / (n1 + n0)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (x1 / n1 - x0 / n0) / se, 0.0)
    from scipy.special import erfc

    p = erfc(np.abs(z) / math.sqrt(2))
    return z, p


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Adjusted p-values (q); flag q <= FDR."""
    if not len(p):
        return p
    from scipy.stats import false_discovery_control

    return false_discovery_control(p, method="bh")


@dataclass
class _Test:
    region: int
    week: date
    kind: str
    key: str
    label: str
    count: int
    total: int
    baseline_count: float
    baseline_total: float


def _tests_for(weeks: list[date], kinds: Iterable[str]) -> list[_Test]:
    first = weeks[0] - timedelta(weeks=BASELINE_WEEKS)
    counts: dict[tuple, int] = {}
    totals: dict[tuple, int] = {}
    labels: dict[tuple, str] = {}
    for region, week, kind, key, label, n, total in WeeklyCount.objects.filter(
        week__gte=first, week__lte=weeks[-1], kind__in=list(kinds)
    ).values_list("region_id", "week", "kind", "key", "label", "count", "total"):
        counts[(region, kind, key, week)] = n
        totals[(region, kind, week)] = total
        labels[(region, kind, key)] = label
    weights = decay_weights()
    tests = []
    for week in weeks:
        back = [week - timedelta(weeks=a) for a in range(1, BASELINE_WEEKS + 1)]
        for (region, kind, key), label in labels.items():
            total = totals.get((region, kind, week), 0)
            baseline_total = sum(
                w * totals.get((region, kind, b), 0) for w, b in zip(weights, back, strict=True)
            )
            if not total or not baseline_total:
                continue
            count = counts.get((region, kind, key, week), 0)
            baseline = sum(
                w * counts.get((region, kind, key, b), 0) for w, b in zip(weights, back, strict=True)
            )
            if count or baseline:
                tests.append(_Test(region, week, kind, key, label, count, total, baseline, baseline_total))
    return tests


def flag_trends(
    weeks: list[date], *, now: datetime, kinds: Iterable[str] = (*VIEW_KINDS, Kind.SEARCH)
) -> int:
    """Test every key of `weeks` against its decayed baseline; replace those weeks' `Trend` rows."""
    tests = _tests_for(weeks, kinds)
    x1 = np.array([t.count for t in tests], dtype=float)
    n1 = np.array([t.total for t in tests], dtype=float)
    x0 = np.array([t.baseline_count for t in tests], dtype=float)
    n0 = np.array([t.baseline_total for t in tests], dtype=float)
    z, p = two_proportion_z(x1, n1, x0, n0)
    q = benjamini_hochberg(p)
    rows = [
        Trend(
            region_id=t.region,
            week=t.week,
            kind=t.kind,
            key=t.key,
            label=t.label,
            count=t.count,
            total=t.total,
            share=t.count / t.total,
            baseline_share=t.baseline_count / t.baseline_total,
            z=float(z[i]),
            p_value=float(p[i]),
            q_value=float(q[i]),
            significant=bool(q[i] <= FDR),
            computed_at=now,
        )
        for i, t in enumerate(tests)
    ]
    with transaction.atomic():
        Trend.objects.filter(week__in=weeks, kind__in=list(kinds)).delete()
        insert_summary(Trend, rows)
    return len(rows)


def refresh_trends(
    *, now: datetime | None = None, weeks: int | None = None, progress: Progress | None = None
) -> dict:
    """The scheduled refresh: recount the latest weeks (all of the baseline on a first run), then test them.

    Runs under `exclusive_job`, so the beat entry, the command and a retry never overlap.
    """
    now = now or timezone.now()
    with exclusive_job("insights.refresh_trends"):
        if weeks is None:
            weeks = RECOUNT_WEEKS if WeeklyCount.objects.exists() else BASELINE_WEEKS + RECOUNT_WEEKS
        last = week_of(now)
        first = last - timedelta(weeks=weeks - 1)
        written = count_weeks(first, last, progress)
        tested_weeks = [last - timedelta(weeks=a) for a in range(min(weeks, RECOUNT_WEEKS) - 1, -1, -1)]
        trends = flag_trends(tested_weeks, now=now)
    return {
        "weeks": weeks,
        "summary_rows": written,
        "trends": trends,
        "significant": Trend.objects.filter(week__in=tested_weeks, significant=True).count(),
    }


# -- reading -----------------------------------------------------------------------------------------
def significant_trends(region_id: int, week: date, kind: str, *, limit: int = 20) -> dict[str, list[Trend]]:
    """The region-week's flagged trends of one kind: {"rising": [...], "falling": [...]}, biggest change first."""
    found: dict[str, list[Trend]] = defaultdict(list)
    for trend in Trend.objects.filter(region_id=region_id, week=week, kind=kind, significant=True):
        found["rising" if trend.rising else "falling"].append(trend)
    return {
        direction: sorted(found[direction], key=lambda t: -abs(t.share - t.baseline_share))[:limit]
        for direction in ("rising", "falling")
    }


def share_series(
    region_id: int, kind: str, keys: list[str], *, last_week: date, weeks: int = 10
) -> dict[str, list]:
    """Weekly share of each key in a region, oldest week first (for the charts): {label: [(week, share), ...]}."""
    first = last_week - timedelta(weeks=weeks - 1)
    all_weeks = [first + timedelta(weeks=i) for i in range(weeks)]
    rows = WeeklyCount.objects.filter(
        region_id=region_id, kind=kind, key__in=keys, week__gte=first, week__lte=last_week
    )
    found = {(r.key, r.week): r.count / r.total for r in rows if r.total}
    labels = dict(rows.values_list("key", "label"))
    return {labels.get(k, k): [(w, found.get((k, w), 0.0)) for w in all_weeks] for k in keys if k in labels}
