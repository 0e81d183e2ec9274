"""Campaign results from SQL aggregates: sends, opens, clicks, returns to watch, and lift over the holdout.

A conversion is any viewing by the account within `attribution_days` of the campaign's start, for the
treated and the holdout alike (intention to treat: the treated group is everyone drawn into it, sent or
not), so the comparison stays a randomized one. The lift is the difference of conversion rates with
Newcombe's hybrid score interval (method 10 of Newcombe 1998) built from two Wilson intervals.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from activity.models import ViewingEvent

from .models import Campaign, Recipient

Z95 = 1.959963984540054


def wilson(x: int, n: int, z: float = Z95) -> tuple[float, float]:
    if n == 0:
        return 0.0, 1.0
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_difference(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> tuple[float, float, float]:
    """p1 - p2 with its 95% interval (Newcombe's hybrid score method)."""
    p1 = x1 / n1 if n1 else 0.0
    p2 = x2 / n2 if n2 else 0.0
    l1, u1 = wilson(x1, n1, z)
    l2, u2 = wilson(x2, n2, z)
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, lower, upper


def attribute_conversions(campaign: Campaign) -> int:
    """Set each recipient's first viewing in the attribution window (one UPDATE); returns the conversions."""
    if campaign.started_at is None:
        return 0
    end = campaign.started_at + timedelta(days=campaign.attribution_days)
    first_view = (
        ViewingEvent.objects.filter(
            profile__account=OuterRef("account"), started_at__gte=campaign.started_at, started_at__lt=end,
            hidden_at__isnull=True,
        )
        .order_by("started_at")
        .values("started_at")[:1]
    )
    Recipient.objects.filter(campaign=campaign).update(converted_at=Subquery(first_view))
    return Recipient.objects.filter(campaign=campaign, converted_at__isnull=False).count()


def _counts(qs) -> dict:
    sent = Recipient.State.SENT
    return qs.aggregate(
        n=Count("pk"),
        sends=Count("pk", filter=Q(state=sent)),
        opens=Count("pk", filter=Q(opened_at__isnull=False)),
        clicks=Count("pk", filter=Q(clicked_at__isnull=False)),
        conversions=Count("pk", filter=Q(converted_at__isnull=False)),
    )


def _lift(treated: dict, holdout: dict) -> dict:
    d, lo, hi = newcombe_difference(treated["conversions"], treated["n"], holdout["conversions"], holdout["n"])
    return {"lift": d, "lift_low": lo, "lift_high": hi}


def compute(campaign: Campaign, *, attribute: bool = True) -> dict:
    """Results overall and per offer, stored on the campaign for the admin."""
    if attribute:
        attribute_conversions(campaign)
    rows = Recipient.objects.filter(campaign=campaign)
    holdout = _counts(rows.filter(group=Recipient.Group.HOLDOUT))
    treated = _counts(rows.filter(group=Recipient.Group.TREATED))
    for block in (holdout, treated):
        block["rate"] = block["conversions"] / block["n"] if block["n"] else 0.0
    per_offer = []
    offer_rows = (
        rows.filter(group=Recipient.Group.TREATED).values("offer_id", "offer__code").order_by("offer__code")
        .annotate(
            n=Count("pk"),
            sends=Count("pk", filter=Q(state=Recipient.State.SENT)),
            opens=Count("pk", filter=Q(opened_at__isnull=False)),
            clicks=Count("pk", filter=Q(clicked_at__isnull=False)),
            conversions=Count("pk", filter=Q(converted_at__isnull=False)),
        )
    )
    for row in offer_rows:
        block = {k: row[k] for k in ("n", "sends", "opens", "clicks", "conversions")}
        block["offer"] = row["offer__code"] or "(no offer)"
        block["rate"] = block["conversions"] / block["n"] if block["n"] else 0.0
        per_offer.append({**block, **_lift(block, holdout)})
    results = {"treated": {**treated, **_lift(treated, holdout)}, "holdout": holdout, "offers": per_offer}
    now = timezone.now()
    Campaign.objects.filter(pk=campaign.pk).update(results=results, results_at=now)
    campaign.results, campaign.results_at = results, now
    return results
