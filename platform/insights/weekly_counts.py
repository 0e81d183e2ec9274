"""Weekly counts of the viewing and search logs by SQL aggregate: the `WeeklyCount` summary rows.

`count_weeks` asks the database for grouped counts (views per region, week and genre / tag / title;
searches per region, week and normalised text) and replaces those weeks' rows; no event is ever loaded
into Python. `insights.trends` tests those rows for rising and falling shares.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncWeek

from activity.models import SearchQuery, ViewingEvent
from catalog.models import Genre, Tag, Title
from jobs import Progress
from jobs.bulk import insert_rows

from .models import Kind, WeeklyCount


def week_of(moment: datetime | date) -> date:
    """Monday of the (UTC) week holding `moment`: the key of every summary row."""
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def _as_date(value: datetime | date) -> date:
    return value.astimezone(UTC).date() if isinstance(value, datetime) else value


def _window(first_week: date, last_week: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first_week, datetime.min.time(), tzinfo=UTC)
    end = datetime.combine(last_week + timedelta(days=7), datetime.min.time(), tzinfo=UTC)
    return start, end


def views_in(start: datetime, end: datetime) -> QuerySet:
    """Views in [start, end) of profiles with a region, with their week and region as columns."""
    return (
        ViewingEvent.objects.filter(
            started_at__gte=start,
            started_at__lt=end,
            hidden_at__isnull=True,
            profile__account__region__isnull=False,
        )
        .annotate(week=TruncWeek("started_at"), region=F("profile__account__region_id"))
        .order_by()
    )


def searches_in(start: datetime, end: datetime) -> QuerySet:
    return (
        SearchQuery.objects.filter(
            created_at__gte=start, created_at__lt=end, profile__account__region__isnull=False
        )
        .exclude(normalized_text="")
        .annotate(week=TruncWeek("created_at"), region=F("profile__account__region_id"))
        .order_by()
    )


# Unmet demand: the search found nothing, or no one opened what it found.
UNMET = Q(results_count=0) | Q(opened_title__isnull=True)


def _grouped_views(start: datetime, end: datetime) -> dict[str, Iterable[tuple]]:
    """(region, week, key, count) per kind, each one GROUP BY in the database."""
    views = views_in(start, end)
    return {
        Kind.TITLE: views.values_list("region", "week", "title_id").annotate(n=Count("id")),
        Kind.GENRE: views.filter(title__genres__isnull=False)
        .values_list("region", "week", "title__genres")
        .annotate(n=Count("id")),
        # A tag may be on a title from several sources: count each view once per tag.
        Kind.TAG: views.filter(title__title_tags__isnull=False)
        .values_list("region", "week", "title__title_tags__tag")
        .annotate(n=Count("id", distinct=True)),
    }


def _labels(kind: str, keys: set) -> dict:
    model = {Kind.TITLE: Title, Kind.GENRE: Genre, Kind.TAG: Tag}[kind]
    return dict(model.objects.filter(pk__in=keys).values_list("pk", "name"))


def insert_summary(model, rows: list) -> None:
    """Write summary rows with the core's bulk insert (COPY on PostgreSQL: ~10x bulk_create at 50k rows)."""
    columns = [f.column for f in model._meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    insert_rows(model, columns, [tuple(getattr(row, name) for name in names) for row in rows])


def count_weeks(first_week: date, last_week: date, progress: Progress | None = None) -> int:
    """Recount the weeks first_week..last_week (Mondays) into `WeeklyCount`; returns the rows written."""
    start, end = _window(first_week, last_week)
    totals = {
        (region, _as_date(week)): n
        for region, week, n in views_in(start, end).values_list("region", "week").annotate(n=Count("id"))
    }
    rows: list[WeeklyCount] = []
    grouped = _grouped_views(start, end)
    for step, (kind, query) in enumerate(grouped.items(), start=1):
        counts = [(region, _as_date(week), key, n) for region, week, key, n in query]
        labels = _labels(kind, {key for _, _, key, _ in counts})
        rows += [
            WeeklyCount(
                region_id=region,
                week=week,
                kind=kind,
                key=str(key),
                label=labels.get(key, str(key))[:300],
                count=n,
                total=totals[(region, week)],
            )
            for region, week, key, n in counts
        ]
        if progress:
            progress(step, len(grouped) + 1, f"counted views by {kind}")
    searches = searches_in(start, end)
    search_totals = {
        (r, _as_date(w)): n for r, w, n in searches.values_list("region", "week").annotate(n=Count("id"))
    }
    for region, week, text, n, unmet, none in searches.values_list(
        "region", "week", "normalized_text"
    ).annotate(n=Count("id"), unmet=Count("id", filter=UNMET), none=Count("id", filter=Q(results_count=0))):
        week = _as_date(week)
        rows.append(
            WeeklyCount(
                region_id=region,
                week=week,
                kind=Kind.SEARCH,
                key=text[:200],
                label=text[:300],
                count=n,
                total=search_totals[(region, week)],
                unmet=unmet,
                no_results=none,
            )
        )
    with transaction.atomic():
        WeeklyCount.objects.filter(week__gte=first_week, week__lte=last_week).delete()
        insert_summary(WeeklyCount, rows)
    if progress:
        progress(len(grouped) + 1, len(grouped) + 1, "counted searches")
    return len(rows)
