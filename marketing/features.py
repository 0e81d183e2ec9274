"""Per-account features as of a moment, from activity strictly before it (churn and offer models share them).

Every aggregate is filtered on `started_at < as_of`, so a snapshot never sees its own future: the churn
label's window and the features' window cannot overlap.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from django.db.models import Avg, Count, Max, Q, Sum

from activity.models import SearchQuery, ViewingEvent

from .segments import subscribers

NUMERIC = [
    "tenure_days", "days_since_last_view", "views_7d", "views_30d", "views_prev_30d", "hours_30d",
    "hours_prev_30d", "view_trend", "completion_30d", "empty_searches_30d", "has_plan",
]
CATEGORICAL = ["plan", "region"]


def account_features(account_ids: list[int] | None, as_of: datetime) -> tuple[list[int], dict[str, np.ndarray]]:
    """(account ids, {feature: array}) for subscribers that existed at `as_of`, from activity before it."""
    accounts = subscribers().filter(date_joined__lt=as_of)
    if account_ids is not None:
        accounts = accounts.filter(pk__in=account_ids)
    rows = list(accounts.order_by("pk").values("pk", "date_joined", "plan__code", "region__code"))
    ids = [r["pk"] for r in rows]
    index = {a: i for i, a in enumerate(ids)}
    n = len(ids)
    out = {name: np.zeros(n) for name in NUMERIC}
    out["plan"] = np.array([r["plan__code"] or "" for r in rows], dtype=object)
    out["region"] = np.array([r["region__code"] or "" for r in rows], dtype=object)
    for i, r in enumerate(rows):
        out["tenure_days"][i] = (as_of - r["date_joined"]).total_seconds() / 86400
        out["has_plan"][i] = 1.0 if r["plan__code"] else 0.0
    out["days_since_last_view"][:] = 365.0  # never watched (or not in the last year): the far end

    past = ViewingEvent.objects.filter(hidden_at__isnull=True, started_at__lt=as_of, profile__account__in=ids)
    d30, d60, d7 = as_of - timedelta(days=30), as_of - timedelta(days=60), as_of - timedelta(days=7)
    aggregates = (
        past.filter(started_at__gte=as_of - timedelta(days=365)).values("profile__account")
        .annotate(
            last=Max("started_at"),
            v7=Count("pk", filter=Q(started_at__gte=d7)),
            v30=Count("pk", filter=Q(started_at__gte=d30)),
            vprev=Count("pk", filter=Q(started_at__gte=d60, started_at__lt=d30)),
            s30=Sum("seconds_watched", filter=Q(started_at__gte=d30)),
            sprev=Sum("seconds_watched", filter=Q(started_at__gte=d60, started_at__lt=d30)),
            c30=Avg("completion", filter=Q(started_at__gte=d30)),
        )
        .order_by()
    )
    for a in aggregates:
        i = index[a["profile__account"]]
        out["days_since_last_view"][i] = (as_of - a["last"]).total_seconds() / 86400
        out["views_7d"][i], out["views_30d"][i], out["views_prev_30d"][i] = a["v7"], a["v30"], a["vprev"]
        out["hours_30d"][i] = (a["s30"] or 0) / 3600
        out["hours_prev_30d"][i] = (a["sprev"] or 0) / 3600
        out["completion_30d"][i] = a["c30"] or 0.0
    out["view_trend"] = out["views_30d"] - out["views_prev_30d"]
    empty = (
        SearchQuery.objects.filter(created_at__lt=as_of, created_at__gte=d30, results_count=0, profile__account__in=ids)
        .values("profile__account").annotate(n=Count("pk")).order_by()
    )
    for e in empty:
        out["empty_searches_30d"][index[e["profile__account"]]] = e["n"]
    return ids, out


def churned_after(account_ids: list[int], as_of: datetime, days: int = 30) -> np.ndarray:
    """The label: 1 when the account has no viewing in [as_of, as_of + days), or when a cancellation it did
    not withdraw ends its membership in that window (the recorded cancellation wins over late viewing)."""
    from django.utils import timezone

    from accounts.membership import cancelled_accounts

    active = set(
        ViewingEvent.objects.filter(
            hidden_at__isnull=True, started_at__gte=as_of, started_at__lt=as_of + timedelta(days=days),
            profile__account__in=account_ids,
        ).values_list("profile__account", flat=True).distinct()
    )
    start = timezone.localdate(as_of) if timezone.is_aware(as_of) else as_of.date()
    cancelled = cancelled_accounts(start, start + timedelta(days=days))
    return np.array([0 if a in active and a not in cancelled else 1 for a in account_ids], dtype=int)
