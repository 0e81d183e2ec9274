"""Account settings pages and the profile rules behind them (accounts/actions.py): the account page's
fixed fields, password change, playback settings, the plan's profile limit, profile PIN and profile
delete, never on another account's profile."""
# ruff: noqa: F811  (pytest fixtures imported from subscriber_pages are redefined as arguments)

import pytest
from django.urls import reverse
from subscriber_pages import PASSWORD, fresh_cache, member, plans  # noqa: F401  (fixtures)

from accounts import actions
from accounts.access import SESSION_PROFILE_KEY
from accounts.models import Profile, User
from factories import make_account, make_profile, make_region, signed_in

pytestmark = pytest.mark.django_db


# --- region -------------------------------------------------------------------------------------


def test_the_account_page_has_no_region_or_plan_field_and_ignores_them_in_a_post(member):
    client, account, _ = member
    home, elsewhere = make_region("US"), make_region("JP", "Japan")
    account.region = home
    account.save()

    page = client.get(reverse("storefront:account")).content.decode()
    assert 'name="region"' not in page and 'name="plan"' not in page
    client.post(
        reverse("storefront:account"), {"region": elsewhere.pk, "plan": "premium", "marketing_consent": "on"}
    )

    account.refresh_from_db()
    assert account.region == home and account.plan.code == "standard" and account.marketing_consent


# --- password and playback ----------------------------------------------------------------------


def test_password_change_checks_the_old_password_and_keeps_the_session(member):
    client, account, _ = member
    url = reverse("storefront:password_change")
    wrong = client.post(
        url,
        {
            "old_password": "nope",
            "new_password1": "a-new-long-phrase-7",
            "new_password2": "a-new-long-phrase-7",
        },
    )
    assert wrong.status_code == 400 and "old_password" in wrong.context["form"].errors

    done = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-phrase-7",
            "new_password2": "a-new-long-phrase-7",
        },
    )
    account.refresh_from_db()
    assert done.status_code == 302, done.context["form"].errors
    assert account.check_password("a-new-long-phrase-7")
    assert client.get(reverse("storefront:account")).status_code == 200  # still signed in


def test_playback_settings_are_saved(member):
    client, account, _ = member
    assert (
        client.post(reverse("storefront:playback_settings"), {"playback_quality": "loud"}).status_code == 400
    )
    client.post(reverse("storefront:playback_settings"), {"playback_quality": "low"})
    account.refresh_from_db()
    assert account.playback_quality == "low"


# --- profile limit ------------------------------------------------------------------------------


def test_the_plan_limits_profiles(client, plans):
    account = make_account(plan=plans["basic"])  # one profile
    profile = make_profile(account)
    signed_in(client, profile)

    assert actions.may_add_profile(account) is False
    response = client.post(
        reverse("storefront:profile_create"),
        {"name": "Second", "maturity_limit": "all", "avatar_color": "#112233"},
    )
    assert response.status_code == 302 and account.profiles.count() == 1
    with pytest.raises(actions.AccountRuleError):
        actions.add_profile(account, Profile(name="Second"))


# --- profile PIN --------------------------------------------------------------------------------


def test_a_pin_needs_the_account_password_is_hashed_and_only_locks_adult_profiles(member):
    client, account, profile = member
    kid = make_profile(account, name="Kid", maturity_limit=Profile.Maturity.KIDS)
    url = reverse("storefront:profile_lock", args=[profile.pk])

    wrong = client.post(url, {"pin": "1234", "pin_again": "1234", "password": "guess"})
    assert wrong.status_code == 400 and "password" in wrong.context["form"].errors
    short = client.post(url, {"pin": "12a", "pin_again": "12a", "password": PASSWORD})
    assert "pin" in short.context["form"].errors
    client.post(url, {"pin": "4321", "pin_again": "4321", "password": PASSWORD})
    profile.refresh_from_db()
    assert profile.pin_hash and "4321" not in profile.pin_hash

    with pytest.raises(actions.AccountRuleError):
        actions.set_profile_pin(kid, "1111", account_password=PASSWORD)
    # Lowering the limit of a locked profile drops its lock.
    profile.maturity_limit = Profile.Maturity.TEEN
    actions.profile_saved(profile)
    assert Profile.objects.get(pk=profile.pk).pin_hash == ""


def test_switching_to_a_locked_profile_asks_the_pin_and_limits_guesses(member):
    client, account, profile = member
    kid = make_profile(account, name="Kid", maturity_limit=Profile.Maturity.KIDS)
    actions.set_profile_pin(profile, "4321", account_password=PASSWORD)
    signed_in(client, kid)

    response = client.post(reverse("storefront:choose_profile", args=[profile.pk]))
    unlock = reverse("storefront:profile_unlock", args=[profile.pk])
    assert response["Location"] == unlock and client.session[SESSION_PROFILE_KEY] == kid.pk

    wrong = client.post(unlock, {"pin": "0000"})
    assert wrong.status_code == 400 and "pin" in wrong.context["form"].errors
    assert client.post(unlock, {"pin": "4321"}).status_code == 302
    assert client.session[SESSION_PROFILE_KEY] == profile.pk

    for _ in range(4):  # five tries per window: one wrong and one right above, four more here
        client.post(unlock, {"pin": "0000"})
    refused = client.post(unlock, {"pin": "4321"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1


# --- profile delete -----------------------------------------------------------------------------


def test_profile_delete_asks_first_and_never_deletes_the_last_profile(member):
    client, account, profile = member
    other = make_profile(account, name="Other")
    url = reverse("storefront:profile_delete", args=[other.pk])

    assert "Delete profile Other?" in client.get(url).content.decode()
    assert Profile.objects.filter(pk=other.pk).exists()
    client.post(url)
    assert not Profile.objects.filter(pk=other.pk).exists()

    client.post(reverse("storefront:profile_delete", args=[profile.pk]))
    assert Profile.objects.filter(pk=profile.pk).exists()
    with pytest.raises(actions.AccountRuleError):
        actions.delete_profile(profile)


def test_another_accounts_profile_cannot_be_deleted_or_locked(member):
    client, _, _ = member
    outsider = make_profile(make_account(), name="Theirs")
    assert client.post(reverse("storefront:profile_delete", args=[outsider.pk])).status_code == 404
    assert client.get(reverse("storefront:profile_lock", args=[outsider.pk])).status_code == 404
    assert User.objects.filter(profiles=outsider).exists()
