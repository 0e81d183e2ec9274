"""Getting in: sign-up by a mailed link (that tells a taken address nothing), password reset, and
rate-limited login."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from subscriber_pages import PASSWORD, fresh_cache  # noqa: F401  (autouse fixture)

from accounts.access import SESSION_PROFILE_KEY
from accounts.models import User
from factories import make_account, make_region

pytestmark = pytest.mark.django_db


def _without_per_response_tokens(response) -> str:
    """The page as a reader sees it: CSP nonces and CSRF tokens differ on every response anyway."""
    import re

    return re.sub(r'(nonce|value|content)="[^"]*"', "", response.content.decode())


def _link_in_last_mail(path_prefix: str) -> str:
    body = mail.outbox[-1].body
    return next(word for word in body.split() if path_prefix in word)


def test_sign_up_sends_a_link_that_creates_the_account_and_a_first_profile_then_onboards(client):
    region = make_region("GB", "United Kingdom")
    response = client.post(
        reverse("storefront:signup"),
        {"email": "New@Example.test", "password": "a-long-unusual-passphrase", "profile_name": "Robin",
         "region": region.pk},
    )

    assert response.status_code == 302 and response["Location"] == reverse("storefront:signup_sent")
    assert not User.objects.exists()  # nothing exists until the address answers
    assert [m.to for m in mail.outbox] == [["new@example.test"]]
    link = _link_in_last_mail("/signup/confirm/")

    assert client.get(link).status_code == 200 and not User.objects.exists()  # a GET (a mail scanner) creates nothing
    response = client.post(link)

    assert response.status_code == 302 and response["Location"] == reverse("storefront:onboarding")
    user = User.objects.get(email="new@example.test")
    assert user.region == region and user.check_password("a-long-unusual-passphrase")
    assert list(user.profiles.values_list("name", flat=True)) == ["Robin"]
    assert client.session[SESSION_PROFILE_KEY] == user.profiles.get().pk
    assert "no longer works" in Client().post(link).content.decode()  # a link works once


def test_sign_up_answers_a_taken_address_exactly_as_a_new_one_and_tells_only_its_owner(client):
    make_account("taken@example.test", PASSWORD)
    form = {"password": "a-long-unusual-passphrase", "profile_name": "X"}

    taken = client.post(reverse("storefront:signup"), {**form, "email": "taken@example.test"}, follow=True)
    fresh = client.post(reverse("storefront:signup"), {**form, "email": "fresh@example.test"}, follow=True)

    assert taken.redirect_chain == fresh.redirect_chain
    assert _without_per_response_tokens(taken) == _without_per_response_tokens(fresh)
    to_owner, to_newcomer = mail.outbox
    assert to_owner.to == ["taken@example.test"] and "already has an account" in to_owner.body
    assert "/signup/confirm/" not in to_owner.body and "/signup/confirm/" in to_newcomer.body
    assert User.objects.get(email="taken@example.test").check_password(PASSWORD)  # untouched


def test_sign_up_still_refuses_a_weak_password_on_the_form(client):
    response = client.post(reverse("storefront:signup"), {"email": "new@example.test", "password": "123",
                                                          "profile_name": "X"})

    assert response.status_code == 200 and "too short" in response.content.decode()
    assert not mail.outbox


def test_a_sign_up_link_expires(client, settings):
    from datetime import timedelta

    from accounts import signup

    client.post(reverse("storefront:signup"), {"email": "late@example.test", "password": "a-long-unusual-passphrase",
                                               "profile_name": "Late"})
    token = _link_in_last_mail("/signup/confirm/").rstrip("/").rsplit("/", 1)[1]
    later = timezone.now() + timedelta(seconds=settings.SIGNUP_LINK_MAX_AGE + 1)

    with pytest.raises(signup.SignupLinkInvalid):
        signup.confirm_signup(token, now=later)
    assert not User.objects.exists()


def test_a_second_sign_up_before_confirming_replaces_the_first_link(client):
    form = {"email": "twice@example.test", "password": "a-long-unusual-passphrase", "profile_name": "One"}
    client.post(reverse("storefront:signup"), form)
    first = _link_in_last_mail("/signup/confirm/")
    client.post(reverse("storefront:signup"), {**form, "profile_name": "Two"})
    second = _link_in_last_mail("/signup/confirm/")

    assert "no longer works" in client.post(first).content.decode()
    client.post(second)
    assert list(User.objects.get().profiles.values_list("name", flat=True)) == ["Two"]


def test_sign_up_mails_one_address_at_most_three_times_an_hour(client, monkeypatch):
    from accounts import signup

    monkeypatch.setattr(signup.SIGNUP_EMAILS_PER_ADDRESS, "clock", lambda: 1_000_000 * 3600.0 + 60)  # mid-window
    form = {"email": "flooded@example.test", "password": "a-long-unusual-passphrase", "profile_name": "X"}
    for _ in range(5):
        assert client.post(reverse("storefront:signup"), form, REMOTE_ADDR=f"10.0.0.{_}").status_code == 302

    assert len(mail.outbox) == 3


def test_password_reset_sends_a_working_link_and_answers_unknown_addresses_the_same(client):
    make_account("forgetful@example.test", PASSWORD)

    unknown = client.post(reverse("storefront:password_reset"), {"email": "nobody@example.test"}, follow=True)
    known = client.post(reverse("storefront:password_reset"), {"email": "forgetful@example.test"}, follow=True)

    assert _without_per_response_tokens(unknown) == _without_per_response_tokens(known) and len(mail.outbox) == 1
    link = _link_in_last_mail("/password-reset/")
    form_page = client.get(link, follow=True)
    response = client.post(form_page.redirect_chain[-1][0],
                           {"new_password1": "another-long-passphrase", "new_password2": "another-long-passphrase"})
    assert response.status_code == 302 and response["Location"] == reverse("storefront:password_reset_complete")
    assert User.objects.get().check_password("another-long-passphrase")


def test_login_is_refused_after_a_burst_even_with_the_right_password(client):
    make_account("target@example.test", PASSWORD)
    url = reverse("storefront:login")
    for _ in range(5):
        assert client.post(url, {"username": "target@example.test", "password": "wrong"}).status_code == 200

    from unittest import mock

    with mock.patch("django.contrib.auth.forms.authenticate") as authenticate:
        refused = client.post(url, {"username": "target@example.test", "password": PASSWORD})

    authenticate.assert_not_called()  # refused before the password is even checked
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_limit_is_per_email_so_another_account_can_still_sign_in(client):
    make_account("other@example.test", PASSWORD)
    url = reverse("storefront:login")
    for _ in range(6):
        client.post(url, {"username": "target@example.test", "password": "wrong"})

    response = client.post(url, {"username": "other@example.test", "password": PASSWORD})

    assert response.status_code == 302
