"""Numbers behind the staff dashboard: catalog, subscribers, viewing, searches and model quality."""

import json
from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django_celery_results.models import TaskResult

from accounts.models import User
from activity.models import SearchQuery, ViewingEvent
from catalog.models import Title
from charts import Series, bar_chart, line_chart
from recommendations.baselines import BASELINE_LABELS

ACTIVE_DAYS = 30
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


def views_per_day(days: int = 30) -> list[tuple[str, float]]:
    today = timezone.now().date()
    since = today - timedelta(days=days - 1)
    counts = dict(
        ViewingEvent.objects.filter(started_at__date__gte=since)
        .annotate(day=TruncDate("started_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return [
        ((since + timedelta(days=i)).strftime("%b %d"), float(counts.get(since + timedelta(days=i), 0)))
        for i in range(days)
    ]


def views_chart(days: int = 30):
    points = views_per_day(days)
    return line_chart(
        [label for label, _ in points],
        [Series("views", [v for _, v in points])],
        title=f"Views per day (last {days} days)",
        partial_last=True,
    )


def metric_charts(history: list[dict], metric_names: tuple[str, ...] = ("ndcg@10", "recall@10")) -> list:
    """One grouped bar chart per metric: each model version's hybrid model beside its baselines."""
    history = sorted(history, key=lambda h: str(h.get("created_at")))[-8:]
    groups = [f"v{h['version']}{' ★' if h.get('is_active') else ''}" for h in history]
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
                    title=f"{metric} per model version (★ = serving)",
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
        "traceback": (row.traceback or "")[-2000:] if row.status == "FAILURE" else "",
        "done": row.status in {"SUCCESS", "FAILURE", "REVOKED"},
    }
