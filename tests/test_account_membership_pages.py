"""Membership pages and the rules behind them (accounts/actions.py, accounts/membership.py): sign-up with
its first invoice, plan change with a confirmation step, cancellation with its end date, billing history.
Dates are passed in (`now=`), never read from the clock at a boundary."""
# ruff: noqa: F811  (pytest fixtures imported from subscriber_pages are redefined as arguments)

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from subscriber_pages import PASSWORD, fresh_cache, member, plans  # noqa: F401  (fixtures)

from accounts import actions, membership
from accounts.models import Cancellation, Invoice, User
from factories import make_account, make_profile, make_region, signed_in

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


# --- sign-up ------------------------------------------------------------------------------------


def test_create_subscriber_makes_the_first_profile_and_the_first_invoice(plans):
    now = at(date(2026, 1, 31))
    user, profile = actions.create_subscriber(
        email="new@example.test",
        password=PASSWORD,
        profile_name=" Robin ",
        region=make_region("GB"),
        plan=plans["basic"],
        now=now,
    )

    assert profile.name == "Robin" and profile.account == user
    assert user.next_billing_date == date(2026, 2, 28)  # clamped to the month's end
    invoice = user.invoices.get()
    assert (invoice.amount, invoice.period_start, invoice.period_end) == (
        Decimal("6.00"),
        date(2026, 1, 31),
        date(2026, 2, 28),
    )


def test_a_sign_up_confirmed_by_its_link_starts_the_chosen_plan_with_its_first_invoice(client, plans):
    from django.core import mail

    client.post(reverse("storefront:signup"), {"email": "x@example.test", "password": "an-unusual-phrase-9",
                                               "profile_name": "Sam", "plan": plans["standard"].pk})
    assert not Invoice.objects.exists()  # nothing is created before the address answers
    link = next(word for word in mail.outbox[-1].body.split() if "/signup/confirm/" in word)
    client.post(link)

    user = User.objects.get(email="x@example.test")
    assert user.plan == plans["standard"] and user.next_billing_date is not None
    assert user.invoices.get().amount == Decimal("12.00")
    assert user.check_password("an-unusual-phrase-9")


def test_a_subscriber_without_a_plan_is_billed_nothing():
    user, _ = actions.create_subscriber(email="free@example.test", password=PASSWORD, profile_name="Sam")
    assert user.plan is None and user.next_billing_date is None and not user.invoices.exists()


# --- plan change --------------------------------------------------------------------------------


def test_a_plan_change_asks_for_confirmation_before_changing_anything(member):
    client, account, _ = member
    response = client.post(reverse("storefront:plan_change"), {"plan": "premium"})
    confirm_url = reverse("storefront:plan_confirm", args=["premium"])
    assert response.status_code == 302 and response["Location"] == confirm_url

    page = client.get(confirm_url).content.decode()
    account.refresh_from_db()
    assert account.plan.code == "standard"  # only shown so far
    assert "Confirm change" in page and "$18.00 a month" in page

    client.post(confirm_url)
    account.refresh_from_db()
    assert account.plan.code == "premium"
    assert account.invoices.get().kind == Invoice.Kind.UPGRADE


def test_choosing_no_plan_or_an_unknown_plan_names_the_field(member):
    client, _, _ = member
    for body in ({}, {"plan": "platinum"}):
        response = client.post(reverse("storefront:plan_change"), body)
        assert response.status_code == 400
        assert "plan" in response.context["form"].errors
    assert client.get(reverse("storefront:plan_confirm", args=["platinum"])).status_code == 404


def test_an_upgrade_is_charged_for_the_rest_of_the_period(plans):
    account = make_account(plan=plans["standard"], next_billing_date=date(2026, 5, 1))  # period Apr 1 - May 1
    change = membership.change_plan(account, plans["premium"], now=at(date(2026, 4, 16)))

    assert change.kind == "upgrade"
    assert change.charge_now == Decimal("3.00")  # (18 - 12) * 15 / 30 days
    account.refresh_from_db()
    assert account.plan == plans["premium"] and account.next_billing_date == date(2026, 5, 1)


def test_a_downgrade_waits_for_the_next_bill_and_the_renewal_applies_it(plans):
    account = make_account(plan=plans["premium"], next_billing_date=date(2026, 5, 1))
    change = membership.change_plan(account, plans["basic"], now=at(date(2026, 4, 16)))
    account.refresh_from_db()
    assert change.kind == "downgrade" and change.effective_on == date(2026, 5, 1)
    assert account.plan == plans["premium"] and account.scheduled_plan == plans["basic"]
    assert not account.invoices.exists()

    assert membership.renew_due(now=at(date(2026, 4, 30)))["renewed"] == 0  # not yet
    counts = membership.renew_due(now=at(date(2026, 5, 1)))
    again = membership.renew_due(now=at(date(2026, 5, 1), hour=18))
    account.refresh_from_db()
    assert counts == {"renewed": 1, "ended": 0, "moved": 1} and again["renewed"] == 0
    assert account.plan == plans["basic"] and account.scheduled_plan is None
    assert account.next_billing_date == date(2026, 6, 1)
    assert account.invoices.get().amount == Decimal("6.00")


# --- cancellation -------------------------------------------------------------------------------


def test_cancel_shows_the_end_date_records_the_reason_and_can_be_restarted(member):
    client, account, _ = member
    ends = account.next_billing_date
    page = client.get(reverse("storefront:cancel_membership")).content.decode()
    assert f"{ends:%b} {ends.day}, {ends.year}" in page

    response = client.post(
        reverse("storefront:cancel_membership"), {"reason": "price", "comment": "too dear"}
    )
    assert response.status_code == 302
    cancellation = Cancellation.objects.get(account=account)
    assert (cancellation.reason, cancellation.comment, cancellation.effective_on) == (
        "price",
        "too dear",
        ends,
    )
    account_page = client.get(reverse("storefront:account")).content.decode()
    assert "Your membership ends on" in account_page and "Restart membership" in account_page

    client.post(reverse("storefront:restart_membership"))
    cancellation.refresh_from_db()
    assert cancellation.withdrawn_at is not None
    assert "Your membership ends on" not in client.get(reverse("storefront:account")).content.decode()


def test_cancel_without_a_reason_names_the_field(member):
    client, account, _ = member
    response = client.post(reverse("storefront:cancel_membership"), {"reason": "because"})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    assert not Cancellation.objects.exists()


def test_a_cancellation_ends_the_membership_on_its_date_and_is_read_as_churn(plans):
    account = make_account(plan=plans["standard"], next_billing_date=date(2026, 5, 1))
    stayed = make_account(plan=plans["standard"], next_billing_date=date(2026, 5, 1))
    membership.cancel_membership(account, reason="break", now=at(date(2026, 4, 10)))
    membership.cancel_membership(stayed, reason="price", now=at(date(2026, 4, 10)))
    membership.restart_membership(stayed, now=at(date(2026, 4, 12)))
    again = membership.cancel_membership(account, reason="other", now=at(date(2026, 4, 11)))

    assert (
        again.effective_on == date(2026, 5, 1) and Cancellation.objects.filter(account=account).count() == 1
    )
    assert membership.cancelled_accounts(date(2026, 4, 1), date(2026, 6, 1)) == {account.pk: date(2026, 5, 1)}
    counts = membership.renew_due(now=at(date(2026, 5, 1)))
    account.refresh_from_db()
    stayed.refresh_from_db()
    assert counts["ended"] == 1 and counts["renewed"] == 1
    assert account.plan is None and account.next_billing_date is None and not account.invoices.exists()
    assert stayed.plan == plans["standard"] and stayed.invoices.count() == 1


def test_an_account_whose_membership_ended_is_told_when_not_greeted_as_never_joined(client, plans):
    account = make_account(plan=plans["standard"], next_billing_date=date(2026, 5, 1))
    membership.cancel_membership(account, reason="break", now=at(date(2026, 4, 10)))
    membership.renew_due(now=at(date(2026, 5, 1)))
    signed_in(client, make_profile(account, name="Adult"))
    never = make_account(plan=None)

    page = client.get(reverse("storefront:account")).content.decode()

    assert "Your membership ended on May 1, 2026" in page and "No membership yet" not in page
    assert "Restart with a plan" in page
    assert membership.ended_membership(never) is None


def test_choosing_a_plan_while_cancelled_restarts_the_membership(plans):
    account = make_account(plan=plans["standard"], next_billing_date=date(2026, 5, 1))
    membership.cancel_membership(account, reason="price", now=at(date(2026, 4, 10)))
    change = membership.change_plan(account, plans["premium"], now=at(date(2026, 4, 16)))
    assert change.restarts and account.cancellations.get().withdrawn_at is not None


# --- billing history ----------------------------------------------------------------------------


def test_billing_history_lists_only_the_accounts_own_invoices(member, plans):
    client, account, _ = member
    mine = Invoice.objects.bulk_create(membership.past_invoices(account, 3))
    other = make_account(plan=plans["premium"], next_billing_date=date(2026, 5, 1))
    theirs = Invoice.objects.bulk_create(membership.past_invoices(other, 1))[0]

    page = client.get(reverse("storefront:billing_history")).content.decode()
    assert page.count("Standard plan, monthly") == 3 and "$12.00" in page and "$18.00" not in page
    assert client.get(reverse("storefront:invoice", args=[mine[0].pk])).status_code == 200
    assert client.get(reverse("storefront:invoice", args=[theirs.pk])).status_code == 404


def test_the_billing_and_plan_pages_say_billing_is_simulated(member):
    # There is no payment processor: where charges are chosen and listed, one include says none is real.
    client, _, _ = member
    for url in (
        reverse("storefront:billing_history"),
        reverse("storefront:plan_change"),
        reverse("storefront:plan_confirm", args=["premium"]),
    ):
        response = client.get(url)
        assert "storefront/_simulated_billing.html" in [t.name for t in response.templates], url
        assert "Billing is simulated" in response.content.decode()
        assert "no real charges are made" in response.content.decode()
