"""Subscriber pages: sign-up, rate-limited login, onboarding, lists, ratings, playback progress, scoping."""

import json

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.access import SESSION_PROFILE_KEY
from accounts.models import User
from activity.models import MyListEntry, Rating, ViewingEvent
from factories import make_account, make_genre, make_profile, make_region, make_title, signed_in, watch

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def viewer(client):
    profile = make_profile(make_account("viewer@example.test", PASSWORD), name="Viewer")
    return signed_in(client, profile), profile


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


def test_forms_require_csrf(viewer):
    _, profile = viewer
    title = make_title("Guarded")
    strict = signed_in(Client(enforce_csrf_checks=True), profile)

    response = strict.post(reverse("storefront:rate", args=[title.pk]), {"thumb": "1"})

    assert response.status_code == 403
    assert not Rating.objects.exists()


def test_onboarding_saves_picks_and_marks_the_profile_onboarded(viewer):
    client, profile = viewer
    comedy = make_genre("Comedy")
    liked = make_title("Liked Film")

    page = client.get(reverse("storefront:onboarding")).content.decode()
    assert "Liked Film" in page and "Comedy" in page
    response = client.post(reverse("storefront:onboarding"), {"genres": [comedy.pk], "titles": [liked.pk]})

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.onboarded_at is not None
    assert list(profile.favourite_genres.all()) == [comedy]
    assert list(profile.favourite_titles.all()) == [liked]


def test_profiles_can_be_created_and_edited_but_not_an_outsiders(viewer):
    client, profile = viewer
    outsider = make_profile(make_account("outsider@example.test"), name="Theirs")

    created = client.post(reverse("storefront:profile_create"), {"name": "Kid", "maturity_limit": "kids",
                                                                 "avatar_color": "#00aa00"})
    edited = client.post(reverse("storefront:profile_edit", args=[profile.pk]),
                         {"name": "Renamed", "maturity_limit": "all", "avatar_color": "#112233"})
    foreign = client.post(reverse("storefront:profile_edit", args=[outsider.pk]),
                          {"name": "Hijacked", "maturity_limit": "all", "avatar_color": "#112233"})

    assert created.status_code == edited.status_code == 302
    assert foreign.status_code == 404
    assert set(profile.account.profiles.values_list("name", flat=True)) == {"Renamed", "Kid"}
    outsider.refresh_from_db()
    assert outsider.name == "Theirs"


def test_thumbs_and_my_list_toggle(viewer):
    client, profile = viewer
    title = make_title("Opinionated")

    client.post(reverse("storefront:rate", args=[title.pk]), {"thumb": "1"})
    assert Rating.objects.get(profile=profile, title=title).thumb == 1
    client.post(reverse("storefront:rate", args=[title.pk]), {"thumb": "-1"})
    assert Rating.objects.get(profile=profile, title=title).thumb == -1
    client.post(reverse("storefront:rate", args=[title.pk]), {"thumb": "clear"})
    assert not Rating.objects.filter(profile=profile, title=title).exists()
    assert client.post(reverse("storefront:rate", args=[title.pk]), {"thumb": "5"}).status_code == 400

    client.post(reverse("storefront:toggle_my_list", args=[title.pk]))
    assert MyListEntry.objects.filter(profile=profile, title=title).exists()
    assert "Opinionated" in client.get(reverse("storefront:my_list")).content.decode()
    client.post(reverse("storefront:toggle_my_list", args=[title.pk]))
    assert not MyListEntry.objects.filter(profile=profile).exists()


def test_progress_reports_grow_one_viewing_event_bounded_by_the_runtime(viewer):
    client, profile = viewer
    title = make_title("Long Film", runtime_minutes=100)
    url = reverse("storefront:watch_progress", args=[title.pk])

    def report(**body):
        return client.post(url, json.dumps(body), content_type="application/json")

    first = report(event=None, position=600, watched=600).json()
    report(event=first["event"], position=1200, watched=1200)
    last = report(event=first["event"], position=10**6, watched=10**6).json()

    event = ViewingEvent.objects.get()
    assert event.pk == first["event"] == last["event"]
    assert event.profile == profile
    assert event.seconds_watched == 6000 and event.completion == 1.0
    assert report(event="x", position=1).status_code == 400


def test_progress_cannot_touch_another_profiles_event(viewer):
    client, _ = viewer
    title = make_title("Shared Title")
    theirs = watch(make_profile(name="Stranger"), title, completion=0.1)

    response = client.post(reverse("storefront:watch_progress", args=[title.pk]),
                           json.dumps({"event": theirs.pk, "position": 3000, "watched": 3000}),
                           content_type="application/json")

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.completion == pytest.approx(0.1)


def test_watch_page_plays_a_ready_video_or_simulates(viewer, settings, tmp_path):
    from django.core.files.base import ContentFile

    from catalog.models import MediaAsset

    settings.MEDIA_ROOT = tmp_path
    client, _ = viewer
    with_video, without = make_title("Has Video"), make_title("No Video")
    asset = MediaAsset(title=with_video, kind="video", role="feature", status="ready", duration_s=12)
    asset.file.save("clip.webm", ContentFile(b"webm"), save=True)

    video_page = client.get(reverse("storefront:watch", args=[with_video.pk])).content.decode()
    simulated_page = client.get(reverse("storefront:watch", args=[without.pk])).content.decode()

    assert "<video" in video_page and asset.file.url in video_page
    assert "<video" not in simulated_page and 'id="simulated-play"' in simulated_page


def test_remove_from_history_hides_only_the_profiles_own_event(viewer):
    client, profile = viewer
    mine = watch(profile, make_title("Regret"))
    theirs = watch(make_profile(name="Other"), make_title("Not Yours"))

    assert client.post(reverse("storefront:remove_from_history", args=[theirs.pk])).status_code == 404
    client.post(reverse("storefront:remove_from_history", args=[mine.pk]))

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.hidden_at is not None and theirs.hidden_at is None
    assert "Regret" not in client.get(reverse("storefront:history")).content.decode()


def test_account_page_updates_marketing_consent(viewer):
    client, profile = viewer
    response = client.post(reverse("storefront:account"), {"marketing_consent": "on"})

    assert response.status_code == 302
    profile.account.refresh_from_db()
    assert profile.account.marketing_consent is True


def test_titles_outside_the_region_are_not_found(viewer):
    from catalog.models import TitleAvailability

    client, profile = viewer
    profile.account.region = make_region("US")
    profile.account.save()
    elsewhere = make_title("Japan Only")
    TitleAvailability.objects.create(title=elsewhere, region=make_region("JP", "Japan"))

    assert client.get(reverse("storefront:watch", args=[elsewhere.pk])).status_code == 404


def test_healthz_is_trivial(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.content == b"ok"


def test_my_list_and_history_show_only_the_chosen_profiles_own_entries(viewer):
    client, profile = viewer
    sibling = make_profile(profile.account, name="Sibling")
    outsider = make_profile(make_account("someone@example.test"), name="Someone")
    for other, name in [(sibling, "Sibling Pick"), (outsider, "Outsider Pick")]:
        title = make_title(name)
        MyListEntry.objects.create(profile=other, title=title)
        watch(other, title)
    MyListEntry.objects.create(profile=profile, title=make_title("My Pick"))

    saved = client.get(reverse("storefront:my_list")).content.decode()
    history = client.get(reverse("storefront:history")).content.decode()

    assert "My Pick" in saved and "Sibling Pick" not in saved and "Outsider Pick" not in saved
    assert "Sibling Pick" not in history and "Outsider Pick" not in history


@pytest.mark.parametrize("colour", ["red;x:y", "#12345g", "#fff", "url(x)", "#e5 914"])
def test_the_avatar_colour_must_be_a_hex_colour(viewer, colour):
    client, profile = viewer
    response = client.post(reverse("storefront:profile_edit", args=[profile.pk]),
                           {"name": "Viewer", "maturity_limit": profile.maturity_limit, "avatar_color": colour})
    assert response.status_code == 200 and "six hex digits" in response.content.decode()
    profile.refresh_from_db()
    assert profile.avatar_color == "#e50914"


def test_a_hex_avatar_colour_is_saved(viewer):
    client, profile = viewer
    response = client.post(reverse("storefront:profile_edit", args=[profile.pk]),
                           {"name": "Viewer", "maturity_limit": profile.maturity_limit, "avatar_color": "#A1b2C3"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.avatar_color == "#A1b2C3"


def test_a_new_profile_is_welcomed_and_a_returning_one_welcomed_back(client):
    profile = make_profile(name="Newcomer", onboarded_at=timezone.now())
    signed_in(client, profile)
    assert "Welcome, Newcomer" in client.get(reverse("storefront:home")).content.decode()
    watch(profile, make_title("Seen"))
    cache.clear()
    assert "Welcome back, Newcomer" in client.get(reverse("storefront:home")).content.decode()


def test_the_account_page_shows_the_price_with_its_currency(client):
    from factories import make_plan

    plan = make_plan("standard")
    plan.currency = "EUR"
    plan.save()
    profile = make_profile(make_account(plan=plan))
    signed_in(client, profile)
    assert "€9.99 a month" in client.get(reverse("storefront:account")).content.decode()
