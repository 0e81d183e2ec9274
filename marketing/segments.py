"""Rule segments compiled to one SQL queryset over accounts, their stored membership, and engagement tiers.

Nothing here loops over accounts in Python: a segment is a `User` queryset, its refresh is
`INSERT ... SELECT` per id range, and tiers are one windowed `INSERT ... SELECT`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from activity.models import ViewingEvent

from .models import EngagementTier, Segment, SegmentMembership, SegmentRule

FIELD = SegmentRule.Field
OP = SegmentRule.Operator
REFRESH_BATCH = 20_000  # account ids per INSERT ... SELECT: bounded work per statement
AFFINITY_DAYS = 90


class SegmentError(ValidationError):
    """A rule that cannot be compiled (bad number, unknown operator for the field, a cycle of segments)."""


def subscribers() -> QuerySet:
    """Every account a campaign may target: active, not staff."""
    return get_user_model().objects.filter(is_active=True, is_staff=False)


def _number(rule: SegmentRule) -> float:
    try:
        return float(rule.value)
    except ValueError:
        raise SegmentError(f"{rule.field}: {rule.value!r} is not a number") from None


def _names(rule: SegmentRule) -> list[str]:
    return [v.strip() for v in rule.value.split(",") if v.strip()]


def _compare(lookup: str, op: str, value) -> Q:
    if op in (OP.GTE, OP.GT, OP.LTE, OP.LT):
        return Q(**{f"{lookup}__{op}": value})
    if op == OP.IS:
        return Q(**{lookup: value})
    return ~Q(**{lookup: value})


def _membership(op: str, q: Q) -> Q:
    if op == OP.IS:
        return q
    if op == OP.IS_NOT:
        return ~q
    raise SegmentError(f"use 'is' or 'is not' with this field, not {op!r}")


def _views(now: datetime, days: float):
    return ViewingEvent.objects.filter(
        profile__account=OuterRef("pk"), hidden_at__isnull=True, started_at__gte=now - timedelta(days=days)
    )


def _affinity_count(rule: SegmentRule, now: datetime):
    path = "title__genres__slug" if rule.field == FIELD.GENRE_AFFINITY else "title__tags__slug"
    views = _views(now, AFFINITY_DAYS).filter(**{f"{path}__in": _names(rule)})
    counted = views.order_by().values("profile__account").annotate(n=Count("pk", distinct=True)).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def rule_condition(rule: SegmentRule, now: datetime, aliases: dict) -> Q:
    """The condition of one rule on `User`; subquery aliases it needs are added to `aliases`."""
    field, op = rule.field, rule.operator
    if field == FIELD.REGION:
        return _membership(op, Q(region__code__in=[c.upper() for c in _names(rule)]))
    if field == FIELD.PLAN:
        return _membership(op, Q(plan__code__in=_names(rule)))
    if field == FIELD.ENGAGEMENT_TIER:
        return _membership(op, Q(engagement__tier__in=_names(rule)))
    if field == FIELD.CONSENT:
        wanted = rule.value.strip().lower() in ("yes", "true", "1", "y")
        return _membership(op, Q(marketing_consent=wanted))
    if field == FIELD.TENURE_DAYS:
        # Tenure at least N days means joined at or before now - N days: the comparison flips.
        flip = {OP.GTE: "lte", OP.GT: "lt", OP.LTE: "gte", OP.LT: "gt"}
        if op not in flip:
            raise SegmentError("tenure needs a comparison (at least, more than, at most, less than)")
        return Q(**{f"date_joined__{flip[op]}": now - timedelta(days=_number(rule))})
    if field == FIELD.DAYS_SINCE_LAST_VIEW:
        days = _number(rule)
        recent = Exists(_views(now, days))  # viewed within `days`, i.e. days since last view < days
        if op == OP.GTE:
            return ~recent
        if op == OP.LT:
            return Q(recent)
        if op in (OP.LTE, OP.GT):
            # Whole days: "at most N" = "less than N + 1", "more than N" = "at least N + 1".
            wider = Exists(_views(now, days + 1))
            return Q(wider) if op == OP.LTE else ~wider
        raise SegmentError("days since last view needs a comparison")
    if field == FIELD.HOURS_WATCHED_30D:
        seconds = (
            _views(now, 30).order_by().values("profile__account").annotate(s=Sum("seconds_watched")).values("s")
        )
        aliases["_hours30"] = Coalesce(Subquery(seconds, output_field=IntegerField()), Value(0))
        return _compare("_hours30", op, _number(rule) * 3600)
    if field in (FIELD.GENRE_AFFINITY, FIELD.TAG_AFFINITY):
        key = f"_aff{rule.pk or id(rule)}"
        aliases[key] = _affinity_count(rule, now)
        amount = rule.amount if rule.amount is not None else 1
        op_ = op if op not in (OP.IS, OP.IS_NOT) else OP.GTE
        return _compare(key, op_, amount)
    if field == FIELD.TASTE_CLUSTER:
        try:
            numbers = [int(v) for v in _names(rule)]
        except ValueError:
            raise SegmentError(f"taste cluster: {rule.value!r} is not a list of cluster numbers") from None
        return _membership(op, Q(taste_clusters__cluster__number__in=numbers))
    if field == FIELD.RISK_SCORE:
        if op in (OP.IS, OP.IS_NOT):
            raise SegmentError("risk score needs a comparison, e.g. more than 0.6")
        return _compare("churn_risk__score", op, _number(rule))
    raise SegmentError(f"unknown field {field!r}")


def segment_condition(
    segment: Segment, now: datetime, aliases: dict, rules: list[SegmentRule] | None = None, _path: tuple = (),
    include: list[Segment] | None = None, exclude: list[Segment] | None = None,
) -> Q:
    """The whole segment as one Q: rules and included segments combined by its match, minus excluded ones.

    `rules`, `include` and `exclude` replace the stored ones (the admin's preview of unsaved edits).
    """
    if segment.pk and segment.pk in _path:
        raise SegmentError(f"segment {segment.name!r} includes itself through {', '.join(map(str, _path))}")
    path = (*_path, segment.pk)
    rules = list(segment.rules.all()) if rules is None else rules
    include = (list(segment.include.all()) if segment.pk else []) if include is None else include
    exclude = (list(segment.exclude.all()) if segment.pk else []) if exclude is None else exclude
    parts = [rule_condition(r, now, aliases) for r in rules]
    parts += [segment_condition(s, now, aliases, _path=path) for s in include]
    combined = Q()
    for part in parts:
        combined = (combined & part) if segment.match == Segment.Match.ALL else (combined | part)
    for other in exclude:
        combined &= ~segment_condition(other, now, aliases, _path=path)
    return combined


def members(segment: Segment, *, now: datetime | None = None, rules: list[SegmentRule] | None = None,
            include: list[Segment] | None = None, exclude: list[Segment] | None = None) -> QuerySet:
    """The segment's live members as an account queryset (one SQL query; the lists preview unsaved edits)."""
    now = now or timezone.now()
    aliases: dict = {}
    condition = segment_condition(segment, now, aliases, rules, include=include, exclude=exclude)
    return subscribers().alias(**aliases).filter(condition).distinct()


def preview(segment: Segment, *, sample: int = 10, rules: list[SegmentRule] | None = None,
            include: list[Segment] | None = None, exclude: list[Segment] | None = None) -> dict:
    """Live size and a sample of members, for the admin as staff edit rules."""
    qs = members(segment, rules=rules, include=include, exclude=exclude)
    return {"size": qs.count(), "sample": list(qs.order_by("pk").values("pk", "email")[:sample])}


def preview_from_form(data, segment_pk: int | None) -> dict:
    """Preview the admin change form's unsaved state: match, include/exclude and the rule inline rows."""
    segment = Segment(pk=segment_pk, name=data.get("name", ""), match=data.get("match") or Segment.Match.ALL)
    rules = []
    total = int(data.get("rules-TOTAL_FORMS") or 0)
    fields, operators = set(SegmentRule.Field.values), set(SegmentRule.Operator.values)
    for i in range(min(total, 100)):
        get = lambda key, i=i: (data.get(f"rules-{i}-{key}") or "").strip()  # noqa: E731
        if get("DELETE") or not get("field") or not get("value"):
            continue
        if get("field") not in fields or get("operator") not in operators:
            raise SegmentError(f"rule {i + 1}: unknown field or operator")
        amount = get("amount")
        try:
            amount_value = float(amount) if amount else None
        except ValueError:
            raise SegmentError(f"rule {i + 1}: amount {amount!r} is not a number") from None
        rules.append(SegmentRule(field=get("field"), operator=get("operator"), value=get("value"), amount=amount_value))

    def picked(key: str) -> list[Segment]:
        ids = [int(v) for v in data.getlist(key) if str(v).isdigit()]
        return list(Segment.objects.filter(pk__in=ids))

    return preview(segment, rules=rules, include=picked("include"), exclude=picked("exclude"))


def refresh_membership(segment: Segment, *, now: datetime | None = None, batch: int = REFRESH_BATCH) -> int:
    """Replace the stored members with the live ones: INSERT ... SELECT per account-id range, in one transaction.

    Readers keep seeing the previous members until the commit; memory stays flat whatever the count.
    """
    now = now or timezone.now()
    table = connection.ops.quote_name(SegmentMembership._meta.db_table)
    ids = subscribers().order_by()
    first = ids.order_by("pk").values_list("pk", flat=True).first()
    last = ids.order_by("-pk").values_list("pk", flat=True).first()
    total = 0
    with transaction.atomic():
        SegmentMembership.objects.filter(segment=segment).delete()
        if first is not None:
            for start in range(first, last + 1, batch):
                qs = members(segment, now=now).filter(pk__gte=start, pk__lt=start + batch).values(member_id=F("pk"))
                sql, params = qs.query.sql_with_params()
                stamp = connection.ops.adapt_datetimefield_value(now)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"INSERT INTO {table} (segment_id, account_id, added_at) "
                        f"SELECT %s, m.member_id, %s FROM ({sql}) m",
                        [segment.pk, stamp, *params],
                    )
                    total += cursor.rowcount
        Segment.objects.filter(pk=segment.pk).update(size=total, refreshed_at=now)
    segment.size, segment.refreshed_at = total, now
    return total


def refresh_all(*, now: datetime | None = None) -> dict[str, int]:
    return {s.name: refresh_membership(s, now=now) for s in Segment.objects.order_by("pk")}


# --- Engagement tiers -----------------------------------------------------------------------------

TIER_DAYS = 90


def tier_name(recency: int, frequency: int, watch_time: int) -> str:
    """Plain names from the quintiles (5 = most recent / most frequent / most watched)."""
    usage = (frequency + watch_time) / 2
    if recency >= 4 and usage >= 4:
        return "Champions"
    if recency >= 3 and usage >= 3:
        return "Loyal"
    if recency >= 4:
        return "Promising"
    if recency <= 2 and usage >= 3:
        return "At risk"
    if recency == 1:
        return "Lost"
    return "Needs attention"


TIER_NAMES = ["Champions", "Loyal", "Promising", "Needs attention", "At risk", "Lost"]


def _tier_case() -> str:
    """`tier_name` as a SQL CASE over r, f, m (kept beside it; a test checks they agree)."""
    return (
        "CASE WHEN r >= 4 AND (f + m) >= 8 THEN 'Champions' "
        "WHEN r >= 3 AND (f + m) >= 6 THEN 'Loyal' "
        "WHEN r >= 4 THEN 'Promising' "
        "WHEN r <= 2 AND (f + m) >= 6 THEN 'At risk' "
        "WHEN r = 1 THEN 'Lost' "
        "ELSE 'Needs attention' END"
    )


def refresh_engagement_tiers(*, now: datetime | None = None) -> int:
    """Recompute every subscriber's RFM quintiles over the last 90 days in one statement.

    Quintiles come from RANK, so ties (all the accounts with no views) share the lowest one.
    """
    now = now or timezone.now()
    ops, q = connection.ops, connection.ops.quote_name
    user_table = q(get_user_model()._meta.db_table)
    from accounts.models import Profile

    profile_table, view_table = q(Profile._meta.db_table), q(ViewingEvent._meta.db_table)
    tier_table = q(EngagementTier._meta.db_table)
    since = ops.adapt_datetimefield_value(now - timedelta(days=TIER_DAYS))
    stamp = ops.adapt_datetimefield_value(now)
    epoch = ops.adapt_datetimefield_value(now - timedelta(days=36500))
    sql = f"""
        WITH agg AS (
            SELECT u.id AS account_id, COALESCE(MAX(v.started_at), %s) AS last_view,
                   COUNT(v.id) AS n, COALESCE(SUM(v.seconds_watched), 0) AS secs
            FROM {user_table} u
            LEFT JOIN {profile_table} p ON p.account_id = u.id
            LEFT JOIN {view_table} v ON v.profile_id = p.id AND v.started_at >= %s AND v.hidden_at IS NULL
            WHERE u.is_staff = %s AND u.is_active = %s
            GROUP BY u.id
        ), q AS (
            SELECT account_id,
                   1 + (5 * (RANK() OVER (ORDER BY last_view) - 1)) / COUNT(*) OVER () AS r,
                   1 + (5 * (RANK() OVER (ORDER BY n) - 1)) / COUNT(*) OVER () AS f,
                   1 + (5 * (RANK() OVER (ORDER BY secs) - 1)) / COUNT(*) OVER () AS m
            FROM agg
        )
        INSERT INTO {tier_table} (account_id, recency, frequency, watch_time, tier, computed_at)
        SELECT account_id, r, f, m, {_tier_case()}, %s FROM q
    """
    with transaction.atomic(), connection.cursor() as cursor:
        EngagementTier.objects.all().delete()
        cursor.execute(sql, [epoch, since, False, True, stamp])
    return EngagementTier.objects.count()  # SQLite reports no rowcount for WITH ... INSERT
