"""The rows API is scoped to the signed-in account: its own profiles answer, anyone else's are 404."""

import pytest

from factories import make_account, make_profile, signed_in
from recommendations import training

pytestmark = pytest.mark.django_db
pytest_plugins = ["recommendations_world"]
PASSWORD = "correct-horse-battery"


def test_owner_gets_rows_for_the_current_profile(world, client):
    training.train_recommender()
    fan = world.fans["action"][0]
    body = signed_in(client, fan).get("/api/recommendations/rows/?limit=5").json()
    assert body["profile"] == fan.pk
    assert body["rows"] and all(item["reason"] and item["name"] for row in body["rows"] for item in row["items"])


def test_member_profile_of_the_same_account_is_allowed(world, client):
    fan = world.fans["action"][0]
    sibling = make_profile(fan.account, name="sibling")
    response = signed_in(client, fan).get(f"/api/recommendations/profiles/{sibling.pk}/rows/")
    assert response.status_code == 200 and response.json()["profile"] == sibling.pk


def test_outsider_gets_404_for_another_accounts_profile(world, client):
    outsider = make_profile(make_account(), name="outsider")
    fan = world.fans["romance"][0]
    response = signed_in(client, outsider).get(f"/api/recommendations/profiles/{fan.pk}/rows/")
    assert response.status_code == 404


def test_session_pointing_at_another_accounts_profile_is_404(world, client):
    outsider = make_profile(make_account(), name="outsider")
    signed_in(client, world.fans["romance"][0], account=outsider.account)
    assert client.get("/api/recommendations/rows/").status_code == 404


def test_anonymous_is_refused(world, client):
    assert client.get("/api/recommendations/rows/").status_code in (401, 403)


def test_rows_api_is_cached_until_the_profile_acts(world, client, settings, monkeypatch):
    from django.core.cache import cache

    from recommendations import services
    from storefront.rows import rows_changed

    settings.STOREFRONT_ROWS_CACHE_SECONDS = 120
    cache.clear()
    training.train_recommender()
    fan = world.fans["action"][0]
    calls = []
    real = services.rows_for

    def counting(profile, **kwargs):
        calls.append(profile.pk)
        return real(profile, **kwargs)

    monkeypatch.setattr(services, "rows_for", counting)
    c = signed_in(client, fan)
    first = c.get("/api/recommendations/rows/?limit=5").json()
    again = c.get("/api/recommendations/rows/?limit=5").json()
    assert again == first and calls == [fan.pk]  # the second request did not rank
    c.get("/api/recommendations/rows/?limit=6")
    assert calls == [fan.pk, fan.pk]  # another limit is another entry
    rows_changed(fan)  # what every action and profile save does
    c.get("/api/recommendations/rows/?limit=5")
    assert calls == [fan.pk] * 3
