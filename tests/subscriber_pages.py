"""Shared fixtures for the subscriber page tests (account and storefront pages): a cleared cache, the
three plans, and a signed-in member or viewer."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Plan
from factories import make_account, make_profile, signed_in

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters and cached rows live in the cache, which a test's rollback does not reset."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def plans():
    def plan(code, price, profiles):
        return Plan.objects.create(
            code=code, name=code.title(), monthly_price=Decimal(price), max_profiles=profiles
        )

    return {
        "basic": plan("basic", "6.00", 1),
        "standard": plan("standard", "12.00", 3),
        "premium": plan("premium", "18.00", 5),
    }


@pytest.fixture
def member(client, plans):
    """A Standard member billed on the 20th of next month, signed in with an adult profile."""
    today = timezone.localdate()
    account = make_account(
        "member@example.test", PASSWORD, plan=plans["standard"], next_billing_date=today + timedelta(days=10)
    )
    profile = make_profile(account, name="Adult")
    signed_in(client, profile)
    return client, account, profile


@pytest.fixture
def viewer(client):
    profile = make_profile(make_account("viewer@example.test", PASSWORD), name="Viewer")
    return signed_in(client, profile), profile
