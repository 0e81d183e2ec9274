"""Account rules for subscribers and profiles, in one place: creating a subscriber with the first
profile, how many profiles an account may have, adding and deleting them, and profile locks (PINs).

Views, the admin and `seed_demo` call these functions; none of them writes profiles or PINs on its
own. Plans, cancellation and billing are `accounts.membership`.
"""

from __future__ import annotations

import re
from datetime import datetime

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from .exceptions import AccountRuleError
from .membership import start_membership
from .models import Plan, Profile, User
from .ratelimit import Decision, RateLimit

DEFAULT_MAX_PROFILES = 5  # an account without a plan yet
PIN_PATTERN = re.compile(r"\A[0-9]{4}\Z")
# Guessing a 4-digit PIN must take days, not seconds: 5 tries per profile per 5 minutes.
PIN_ATTEMPTS = RateLimit("profile-pin", limit=5, window_seconds=300)


# --- subscribers and profiles -----------------------------------------------------------------


@transaction.atomic
def create_subscriber(
    *,
    email: str,
    password: str | None = None,
    password_hash: str | None = None,
    profile_name: str,
    region=None,
    plan: Plan | None = None,
    now: datetime | None = None,
) -> tuple[User, Profile]:
    """A new account with its first profile; a chosen plan starts at once with its first invoice.

    `region` is the account's country (a `catalog.Region`, ISO 3166 code): it decides the catalogue,
    so after sign-up only staff change it. `password_hash` is an already hashed password (a sign-up
    confirmed by e-mail link stores only the hash while it waits).
    """
    if password_hash is not None:
        user = User(email=User.objects.normalize_email(email).lower(), password=password_hash, region=region)
        user.save()
    else:
        user = User.objects.create_user(email=email, password=password, region=region)
    profile = Profile.objects.create(account=user, name=profile_name.strip())
    if plan is not None:
        start_membership(user, plan, now or timezone.now())
    return user, profile


def profile_limit(account: User) -> int:
    return account.plan.max_profiles if account.plan_id else DEFAULT_MAX_PROFILES


def may_add_profile(account: User) -> bool:
    return Profile.objects.filter(account=account).count() < profile_limit(account)


def add_profile(account: User, profile: Profile) -> Profile:
    """Save a new (unsaved) profile for `account` if the plan's profile limit allows one more."""
    if not may_add_profile(account):
        raise AccountRuleError(f"Your plan allows {profile_limit(account)} profiles.")
    profile.account = account
    profile.save()
    return profile


def may_delete_profile(profile: Profile) -> bool:
    """Every account keeps at least one profile: someone has to be watching."""
    return Profile.objects.filter(account_id=profile.account_id).exclude(pk=profile.pk).exists()


def delete_profile(profile: Profile) -> None:
    """Delete a profile with its history, ratings and My List (they cascade); never the last one."""
    with transaction.atomic():
        # Lock the account's profiles so two deletes at once cannot remove the last two.
        list(
            Profile.objects.select_for_update()
            .filter(account_id=profile.account_id)
            .values_list("pk", flat=True)
        )
        if not may_delete_profile(profile):
            raise AccountRuleError("This is the account's only profile, so it can't be deleted.")
        profile.delete()


def profile_saved(profile: Profile) -> None:
    """After a profile's settings change: a lock only guards adult profiles, so a lowered limit drops it."""
    if profile.pin_hash and not may_lock(profile):
        profile.pin_hash = ""
        profile.save(update_fields=["pin_hash"])


# --- profile PIN ------------------------------------------------------------------------------


def may_lock(profile: Profile) -> bool:
    """Only a profile without a maturity limit takes a PIN: the lock keeps children out of adult profiles."""
    return profile.maturity_limit == Profile.Maturity.ALL


def set_profile_pin(profile: Profile, pin: str, *, account_password: str) -> None:
    """Lock an adult profile with a 4-digit PIN (stored hashed); the account password proves the owner."""
    if not may_lock(profile):
        raise AccountRuleError("Only profiles without a maturity limit can be locked.")
    if not PIN_PATTERN.match(pin or ""):
        raise AccountRuleError("Enter exactly 4 digits.", "pin")
    if not profile.account.check_password(account_password):
        raise AccountRuleError("That isn't the account password.", "password")
    profile.pin_hash = make_password(pin)
    profile.save(update_fields=["pin_hash"])


def remove_profile_pin(profile: Profile, *, account_password: str) -> None:
    if not profile.account.check_password(account_password):
        raise AccountRuleError("That isn't the account password.", "password")
    profile.pin_hash = ""
    profile.save(update_fields=["pin_hash"])


def needs_pin(profile: Profile) -> bool:
    return bool(profile.pin_hash)


def check_profile_pin(profile: Profile, pin: str) -> Decision:
    """Count one attempt against the profile's limit, then compare; `allowed` is False when refused
    by the limit (the PIN is then not even compared). Raises AccountRuleError on a wrong PIN."""
    decision = PIN_ATTEMPTS.hit(f"{profile.account_id}:{profile.pk}")
    if not decision.allowed:
        return decision
    if not (profile.pin_hash and check_password(pin or "", profile.pin_hash)):
        raise AccountRuleError("That PIN isn't right.", "pin")
    return decision
