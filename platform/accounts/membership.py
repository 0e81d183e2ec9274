"""Membership rules, in one place: plan changes, cancellation and restart, the daily renewal, and the
invoices they produce.

Views, the billing beat task, marketing's churn labels and `seed_demo` call these functions; none of
them writes plans, invoices or cancellations on its own. Every function takes `today`/`now` so tests
pick the date instead of racing the clock.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from .exceptions import AccountRuleError
from .models import Cancellation, Invoice, Plan, User


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def add_months(day: date, months: int = 1) -> date:
    """The same day `months` later, clamped to the month's end (Jan 31 + 1 month = Feb 28/29)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- plans ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanChange:
    """What choosing `plan` would do, shown on the confirmation page and then carried out as shown."""

    plan: Plan
    kind: str  # "start", "upgrade", "downgrade" (also a move at the same price) or "same"
    charge_now: Decimal  # taken today: a first month, or the prorated difference of an upgrade
    effective_on: date
    restarts: bool  # a pending cancellation is withdrawn by the change

    @property
    def charge_label(self) -> str:
        from .models import money_label

        return money_label(self.charge_now, self.plan.currency)


def pending_cancellation(account: User, *, today: date | None = None) -> Cancellation | None:
    """The cancellation still to take effect, if any: the account page shows its end date."""
    return account.cancellations.filter(withdrawn_at__isnull=True, effective_on__gt=_today(today)).first()


def ended_membership(account: User, *, today: date | None = None) -> Cancellation | None:
    """The cancellation that ended the account's last membership, for an account with no plan now (if any)."""
    if account.plan_id:
        return None
    return (
        account.cancellations.filter(withdrawn_at__isnull=True, effective_on__lte=_today(today))
        .order_by("-effective_on").first()
    )


def preview_plan_change(account: User, plan: Plan, *, today: date | None = None) -> PlanChange:
    today = _today(today)
    restarts = account.cancellations.filter(withdrawn_at__isnull=True, effective_on__gt=today).exists()
    current = account.plan
    if current is None or account.next_billing_date is None:
        return PlanChange(plan, "start", plan.monthly_price, today, restarts)
    if plan.pk == current.pk:
        return PlanChange(plan, "same", Decimal("0.00"), today, restarts)
    if plan.monthly_price > current.monthly_price:
        period_start = add_months(account.next_billing_date, -1)
        period_days = max(1, (account.next_billing_date - period_start).days)
        remaining = min(period_days, max(0, (account.next_billing_date - today).days))
        difference = (plan.monthly_price - current.monthly_price) * remaining / period_days
        charge = Decimal(difference).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return PlanChange(plan, "upgrade", charge, today, restarts)
    return PlanChange(plan, "downgrade", Decimal("0.00"), account.next_billing_date, restarts)


@transaction.atomic
def change_plan(account: User, plan: Plan, *, now: datetime | None = None) -> PlanChange:
    """Carry out a confirmed plan change: an upgrade now (prorated invoice), a cheaper plan from the
    next bill, a first plan at once with its first month. Choosing a plan withdraws a pending cancellation."""
    now = now or timezone.now()
    account = User.objects.select_for_update().get(pk=account.pk)
    change = preview_plan_change(account, plan, today=timezone.localdate(now))
    if change.restarts:
        _withdraw_cancellations(account, now)
    if change.kind == "start":
        start_membership(account, plan, now)
    elif change.kind == "upgrade":
        account.plan, account.scheduled_plan = plan, None
        account.save(update_fields=["plan", "scheduled_plan"])
        Invoice.objects.create(
            account=account,
            plan=plan,
            kind=Invoice.Kind.UPGRADE,
            description=f"Upgrade to {plan.name}",
            amount=change.charge_now,
            currency=plan.currency,
            period_start=change.effective_on,
            period_end=account.next_billing_date,
            issued_at=now,
        )
    elif change.kind == "downgrade":
        account.scheduled_plan = plan
        account.save(update_fields=["scheduled_plan"])
    else:  # the current plan again: a scheduled move is called off
        account.scheduled_plan = None
        account.save(update_fields=["scheduled_plan"])
    return change


def start_membership(account: User, plan: Plan, now: datetime) -> None:
    """A first plan at once: billed from today, with its first month's invoice (sign-up or plan page)."""
    today = timezone.localdate(now)
    account.plan, account.scheduled_plan, account.next_billing_date = plan, None, add_months(today)
    account.save(update_fields=["plan", "scheduled_plan", "next_billing_date"])
    Invoice.objects.create(
        account=account,
        plan=plan,
        description=f"{plan.name} plan, monthly",
        amount=plan.monthly_price,
        currency=plan.currency,
        period_start=today,
        period_end=account.next_billing_date,
        issued_at=now,
    )


# --- cancellation -----------------------------------------------------------------------------


@transaction.atomic
def cancel_membership(
    account: User, *, reason: str, comment: str = "", now: datetime | None = None
) -> Cancellation:
    """Record a cancellation; the membership runs to the end of the paid period and is not billed again."""
    now = now or timezone.now()
    account = User.objects.select_for_update().get(pk=account.pk)
    if account.plan_id is None:
        raise AccountRuleError("There is no membership to cancel.")
    if reason not in Cancellation.Reason.values:
        raise AccountRuleError("Choose a reason from the list.", "reason")
    today = timezone.localdate(now)
    existing = account.cancellations.filter(withdrawn_at__isnull=True, effective_on__gt=today).first()
    if existing is not None:
        return existing  # cancelling twice keeps the first end date
    ends_on = (
        account.next_billing_date
        if account.next_billing_date and account.next_billing_date > today
        else today
    )
    account.scheduled_plan = None
    account.save(update_fields=["scheduled_plan"])
    cancellation = Cancellation.objects.create(
        account=account,
        plan=account.plan,
        reason=reason,
        comment=comment.strip()[:500],
        requested_at=now,
        effective_on=ends_on,
    )
    if ends_on <= today:  # nothing paid ahead: it ends now
        _end_membership(account)
    return cancellation


def restart_membership(account: User, *, now: datetime | None = None) -> bool:
    """Withdraw a cancellation that has not taken effect yet; False when there is none to withdraw."""
    now = now or timezone.now()
    with transaction.atomic():
        return _withdraw_cancellations(account, now) > 0


def _withdraw_cancellations(account: User, now: datetime) -> int:
    pending = account.cancellations.filter(
        withdrawn_at__isnull=True, effective_on__gt=timezone.localdate(now)
    )
    return pending.update(withdrawn_at=now)


def _end_membership(account: User) -> None:
    account.plan = account.scheduled_plan = account.next_billing_date = None
    account.save(update_fields=["plan", "scheduled_plan", "next_billing_date"])


def cancelled_accounts(start: date, end: date) -> dict[int, date]:
    """Account id -> the day its membership ended, for cancellations taking effect in [start, end).

    Withdrawn cancellations are left out: the subscriber stayed. Marketing's churn label reads this.
    """
    rows = Cancellation.objects.filter(
        withdrawn_at__isnull=True, effective_on__gte=start, effective_on__lt=end
    )
    ended: dict[int, date] = {}
    for account_id, effective_on in rows.order_by("effective_on").values_list("account_id", "effective_on"):
        ended.setdefault(account_id, effective_on)
    return ended


# --- renewals ---------------------------------------------------------------------------------


def renew_due(*, now: datetime | None = None) -> dict[str, int]:
    """Run each account whose billing date has come: end a cancelled membership, move to a scheduled
    plan, and invoice the next month. Daily by beat; running twice on a day does nothing more."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"renewed": 0, "ended": 0, "moved": 0}
    due = User.objects.filter(plan__isnull=False, next_billing_date__lte=today).values_list("pk", flat=True)
    for account_id in list(due):
        with transaction.atomic():
            account = (
                # Lock the account row only: PostgreSQL refuses FOR UPDATE on the nullable side of the joins.
                User.objects.select_for_update(of=("self",))
                .select_related("plan", "scheduled_plan")
                .get(pk=account_id)
            )
            if (
                account.plan_id is None
                or account.next_billing_date is None
                or account.next_billing_date > today
            ):
                continue  # another run got here first
            ending = account.cancellations.filter(withdrawn_at__isnull=True, effective_on__lte=today).exists()
            if ending:
                _end_membership(account)
                counts["ended"] += 1
                continue
            if account.scheduled_plan_id:
                account.plan, account.scheduled_plan = account.scheduled_plan, None
                counts["moved"] += 1
            start = account.next_billing_date
            account.next_billing_date = add_months(start)
            account.save(update_fields=["plan", "scheduled_plan", "next_billing_date"])
            _monthly_invoice(account, start, account.next_billing_date, now).save()
            counts["renewed"] += 1
    return counts


def _monthly_invoice(account: User, start: date, end: date, issued_at: datetime) -> Invoice:
    """The bill for one month of the account's plan (unsaved): renewals save it, the demo backfills it."""
    return Invoice(
        account=account,
        plan=account.plan,
        description=f"{account.plan.name} plan, monthly",
        amount=account.plan.monthly_price,
        currency=account.plan.currency,
        period_start=start,
        period_end=end,
        issued_at=issued_at,
    )


def past_invoices(account: User, months: int, *, today: date | None = None) -> list[Invoice]:
    """Unsaved monthly invoices for the `months` periods before the account's next bill: the demo's
    billing history (seed_demo bulk-creates them)."""
    if account.plan is None:
        return []
    next_bill = account.next_billing_date or add_months(_today(today))
    invoices = []
    for back in range(1, months + 1):
        start, end = add_months(next_bill, -back), add_months(next_bill, -back + 1)
        issued = timezone.make_aware(datetime.combine(start, datetime.min.time()).replace(hour=6))
        invoices.append(_monthly_invoice(account, start, end, issued))
    return invoices
