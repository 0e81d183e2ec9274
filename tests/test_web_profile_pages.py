"""Profile pages: onboarding picks, creating and editing profiles (never an outsider's), the avatar
colour, the welcome on the home page, and the account page's consent and price."""
# ruff: noqa: F811  (pytest fixtures imported from subscriber_pages are redefined as arguments)

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from subscriber_pages import fresh_cache, viewer  # noqa: F401  (fixtures)

from factories import make_account, make_genre, make_profile, make_title, signed_in, watch

pytestmark = pytest.mark.django_db


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


def test_account_page_updates_marketing_consent(viewer):
    client, profile = viewer
    response = client.post(reverse("storefront:account"), {"marketing_consent": "on"})

    assert response.status_code == 302
    profile.account.refresh_from_db()
    assert profile.account.marketing_consent is True


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
