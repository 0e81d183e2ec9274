"""Tomorrow's cache-fill list per region: the top K titles by expected views, to place near the market early.

Expected views of a title = its time-decayed daily views in the region over the last week (half-life two
days: what is trending there) + what the region's profiles are about to be shown: each profile's top picks
(`recommendations.services.rows_for`, the batch-scored candidates re-ranked as the home page does) weighted
by position, times the profile's own daily viewing rate and the share of viewing assumed to start from top
picks (`TOP_PICKS_SHARE`). The obvious baseline is yesterday's top K most viewed; `hit_rate` measures either
list against the next day's actual views.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Profile
from activity.models import ViewingEvent
from catalog.models import Region, Title
from jobs import Progress

HISTORY_DAYS = 7
HALF_LIFE_DAYS = 2.0
RATE_DAYS = 28
TOP_PICKS = 12
TOP_PICKS_SHARE = 0.5  # share of a profile's viewing assumed to start from its top picks


@dataclass
class CacheItem:
    title_id: int
    name: str
    expected_views: float
    from_trends: float
    from_candidates: float

    def as_dict(self) -> dict:
        return asdict(self)


def decayed_daily_mean(daily: np.ndarray, half_life: float = HALF_LIFE_DAYS) -> np.ndarray:
    """Per row (title), the decayed mean of its daily counts, columns oldest first: yesterday weighs 1."""
    ages = np.arange(daily.shape[1])[::-1]
    weights = np.power(0.5, ages / half_life)
    return daily @ weights / weights.sum()


def _midnight(moment: datetime) -> datetime:
    day = moment.astimezone(UTC).date()
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def daily_views(region: Region, *, today: datetime, days: int = HISTORY_DAYS) -> tuple[list[int], np.ndarray]:
    """(title ids, titles x days counts, oldest day first) of the region's views in the `days` before `today`."""
    start = today - timedelta(days=days)
    rows = (
        ViewingEvent.objects.filter(
            started_at__gte=start,
            started_at__lt=today,
            hidden_at__isnull=True,
            profile__account__region=region,
        )
        .annotate(day=TruncDate("started_at"))
        .values_list("title_id", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[int, np.ndarray] = {}
    first_day = start.date()
    for title_id, day, n in rows:
        counts.setdefault(title_id, np.zeros(days))[(day - first_day).days] = n
    ids = sorted(counts)
    return ids, np.array([counts[t] for t in ids]).reshape(len(ids), days)


def _candidate_exposure(region: Region, today: datetime, progress: Progress | None) -> dict[int, float]:
    from recommendations.services import rows_for

    since = today - timedelta(days=RATE_DAYS)
    rates = dict(
        ViewingEvent.objects.filter(
            started_at__gte=since,
            started_at__lt=today,
            hidden_at__isnull=True,
            profile__account__region=region,
        )
        .values_list("profile_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    position_weight = 1 / np.arange(1, TOP_PICKS + 1)
    position_weight /= position_weight.sum()
    exposure: dict[int, float] = {}
    profiles = list(Profile.objects.filter(pk__in=list(rates)).select_related("account__region"))
    for done, profile in enumerate(profiles, start=1):
        daily_rate = rates[profile.pk] / RATE_DAYS * TOP_PICKS_SHARE
        for row in rows_for(profile, limit=TOP_PICKS, only={"top_picks"}):
            for position, item in enumerate(row.items[:TOP_PICKS]):
                exposure[item.title_id] = exposure.get(item.title_id, 0.0) + daily_rate * float(
                    position_weight[position]
                )
        if progress:
            progress(done, len(profiles), "top picks of the region's profiles")
    return exposure


def cache_fill(
    region: Region,
    k: int,
    *,
    now: datetime | None = None,
    candidates: bool = True,
    progress: Progress | None = None,
) -> list[CacheItem]:
    """Tomorrow's top `k` titles for `region` by expected views (see the module's docstring)."""
    today = _midnight(now or timezone.now()) + timedelta(days=1)  # the list is for the day after `now`
    ids, daily = daily_views(region, today=today)
    trend = dict(zip(ids, decayed_daily_mean(daily).tolist(), strict=True)) if ids else {}
    exposure = _candidate_exposure(region, today, progress) if candidates else {}
    expected = {t: trend.get(t, 0.0) + exposure.get(t, 0.0) for t in trend.keys() | exposure.keys()}
    best = sorted(expected, key=lambda t: (-expected[t], t))[:k]
    names = dict(Title.objects.filter(pk__in=best).values_list("pk", "name"))
    return [
        CacheItem(
            t,
            names.get(t, str(t)),
            round(expected[t], 3),
            round(trend.get(t, 0.0), 3),
            round(exposure.get(t, 0.0), 3),
        )
        for t in best
    ]


def yesterday_top(daily: np.ndarray, ids: list[int], k: int) -> list[int]:
    """The baseline: yesterday's top `k` most viewed (ties by id)."""
    order = sorted(range(len(ids)), key=lambda i: (-daily[i, -1], ids[i]))
    return [ids[i] for i in order[:k] if daily[i, -1] > 0]


def hit_rate(listed: Iterable[int], next_day: dict[int, int]) -> float:
    """Share of the next day's views that fall on a listed title (a view served from the cache)."""
    total = sum(next_day.values())
    listed = set(listed)
    return sum(n for t, n in next_day.items() if t in listed) / total if total else 0.0
