"""Numbers behind the staff dashboard: catalog, subscribers, viewing, searches and model quality."""

import json
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django_celery_results.models import TaskResult

from accounts.models import User
from activity.models import Impression, SearchQuery, ViewingEvent
from catalog.models import Title
from charts import Series, bar_chart, line_chart
from jobs.history import describe_result
from recommendations.baselines import BASELINE_LABELS

ACTIVE_DAYS = 30
CLICK_WINDOW = timedelta(hours=24)  # a play this soon after a card counts as a click-through
REJECTED = "rejected"  # recommendations.models.ModelVersion.Status.REJECTED, as metrics_history reports it
METRIC_MODELS = ["hybrid", *BASELINE_LABELS]  # the baseline names have one owner: recommendations.baselines


def headline_numbers() -> dict:
    since = timezone.now() - timedelta(days=ACTIVE_DAYS)
    return {
        "catalog_size": Title.objects.count(),
        "subscribers": User.objects.filter(is_staff=False).count(),
        # Active: an account one of whose profiles watched something in the window.
        "active_subscribers": User.objects.filter(profiles__viewing_events__started_at__gte=since)
        .distinct()
        .count(),
        "active_days": ACTIVE_DAYS,
    }


def _days(days: int, now: datetime | None) -> list[date]:
    """The last `days` calendar days up to today (local time); the last one is still running."""
    today = timezone.localdate(now or timezone.now())
    return [today - timedelta(days=days - 1 - i) for i in range(days)]


def _label(day: date) -> str:
    return day.strftime("%b %d")


def daily_counts(queryset, field: str, days: list[date], now: datetime | None = None, **aggregates) -> dict:
    """Per day of `field`, `Count("id")` as "n" plus any extra aggregates: {day: {"n": .., name: ..}}."""
    now = now or timezone.now()
    rows = (
        queryset.filter(**{f"{field}__date__gte": days[0], f"{field}__lte": now})
        .annotate(day=TruncDate(field))
        .values("day")
        .annotate(n=Count("id"), **aggregates)
    )
    return {row["day"]: row for row in rows}


def views_per_day(days: int = 30, now: datetime | None = None) -> list[tuple[str, float]]:
    window = _days(days, now)
    counts = daily_counts(ViewingEvent.objects.all(), "started_at", window, now)
    return [(_label(d), float(counts.get(d, {}).get("n", 0))) for d in window]


def views_chart(days: int = 30, now: datetime | None = None):
    points = views_per_day(days, now)
    return line_chart(
        [label for label, _ in points],
        [Series("views", [v for _, v in points])],
        title=f"Views per day (last {days} days)",
        partial_last=True,
    )


def impressions_per_day(days: int = 14, now: datetime | None = None) -> dict[str, list]:
    """Cards shown per day and their click-through: the share followed by a play of that title by that
    profile within CLICK_WINDOW (the same reward the artwork learner uses)."""
    window = _days(days, now)
    played = ViewingEvent.objects.filter(
        profile_id=OuterRef("profile_id"),
        title_id=OuterRef("title_id"),
        started_at__gt=OuterRef("shown_at"),
        started_at__lte=OuterRef("shown_at") + CLICK_WINDOW,
    )
    shown = Impression.objects.annotate(played=Exists(played))
    rows = daily_counts(shown, "shown_at", window, now, plays=Count("id", filter=Q(played=True)))
    impressions = [float(rows.get(d, {}).get("n", 0)) for d in window]
    plays = [float(rows.get(d, {}).get("plays", 0)) for d in window]
    return {
        "labels": [_label(d) for d in window],
        "impressions": impressions,
        "ctr": [100 * p / n if n else None for p, n in zip(plays, impressions, strict=True)],
    }


def impression_charts(days: int = 14, now: datetime | None = None) -> list:
    data = impressions_per_day(days, now)
    hours = int(CLICK_WINDOW.total_seconds() // 3600)
    return [
        line_chart(
            data["labels"],
            [Series("impressions", data["impressions"])],
            partial_last=True,
            title=f"Impressions per day (last {days} days)",
        ),
        line_chart(
            data["labels"],
            [Series("click-through", data["ctr"], "#4e79a7")],
            partial_last=True,
            value_format=lambda v: f"{v:.1f}%",
            title=f"Click-through: plays within {hours} h of a card",
            desc="Share of the day's impressions followed by a play of that title by that profile.",
        ),
    ]


def growth_per_day(days: int = 30, now: datetime | None = None) -> dict[str, list]:
    """Catalogue size and subscriber count at the end of each day (today: so far)."""
    window = _days(days, now)
    out = {"labels": [_label(d) for d in window]}
    for name, queryset, field in (
        ("titles", Title.objects.all(), "added_at"),
        ("subscribers", User.objects.filter(is_staff=False), "date_joined"),
    ):
        total = queryset.filter(**{f"{field}__date__lt": window[0]}).count()
        added = daily_counts(queryset, field, window, now)
        running = []
        for d in window:
            total += added.get(d, {}).get("n", 0)
            running.append(float(total))
        out[name] = running
    return out


def growth_chart(days: int = 30, now: datetime | None = None):
    data = growth_per_day(days, now)
    series = [
        Series("titles in the catalogue", data["titles"]),
        Series("subscribers", data["subscribers"], "#4e79a7"),
    ]
    return line_chart(
        data["labels"], series, partial_last=True, title=f"Catalogue and subscribers (last {days} days)"
    )


def _version_label(h: dict) -> str:
    mark = " ★" if h.get("is_active") else " ✗" if h.get("status") == REJECTED else ""
    return f"v{h['version']}{mark}"


def metric_charts(history: list[dict], metric_names: tuple[str, ...] = ("ndcg@10", "recall@10")) -> list:
    """One grouped bar chart per metric: each model version's hybrid model beside its baselines, the
    versions the quality gate rejected drawn faded beside the active ones."""
    history = sorted(history, key=lambda h: str(h.get("created_at")))[-8:]
    groups = [_version_label(h) for h in history]
    rejected = [i for i, h in enumerate(history) if h.get("status") == REJECTED]
    rendered = []
    for metric in metric_names:
        series = []
        for model in METRIC_MODELS:
            values = [(h.get("metrics") or {}).get(model, {}).get(metric) for h in history]
            if any(v is not None for v in values):
                series.append(Series(model, [float(v) if v is not None else None for v in values]))
        if series or metric == metric_names[0]:
            rendered.append(
                bar_chart(
                    groups,
                    series,
                    title=f"{metric} per model version (★ serving, ✗ rejected)",
                    muted=rejected,
                    muted_note="Faded bars are versions the quality gate rejected: they never served.",
                    empty="No model versions yet",
                )
            )
    return rendered


def search_terms(*, zero_results: bool, days: int = 30, limit: int = 15) -> list[dict]:
    """Most frequent normalised queries (optionally only those that found nothing) in the window."""
    queries = SearchQuery.objects.filter(created_at__gte=timezone.now() - timedelta(days=days))
    if zero_results:
        queries = queries.filter(results_count=0)
    return list(
        queries.exclude(normalized_text="")
        .values("normalized_text")
        .annotate(n=Count("id"))
        .order_by("-n", "normalized_text")[:limit]
    )


def task_status(task_id: str) -> dict:
    """What the worker last reported for a task: PENDING until it starts, then PROGRESS meta or the result."""
    row = TaskResult.objects.filter(task_id=task_id).first()
    if row is None:
        return {"task_id": task_id, "status": "PENDING", "result": None, "done": False}
    try:
        result = json.loads(row.result) if row.result else None
    except ValueError:
        result = row.result
    return {
        "task_id": task_id,
        "name": row.task_name,
        "status": row.status,
        "result": result,
        "summary": describe_result(result, row.status),
        "traceback": (row.traceback or "")[-2000:] if row.status == "FAILURE" else "",
        "done": row.status in {"SUCCESS", "FAILURE", "REVOKED"},
    }
