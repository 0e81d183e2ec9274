"""Home rows, the rows API and the title page: from stored candidates, in a bounded number of queries."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from activity.models import Impression
from factories import make_genre, make_profile, make_title, rate, signed_in, watch
from storefront.rows import rows_changed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()  # cached rows are keyed by profile id, which a rolled-back test may reuse
    yield
    cache.clear()


@pytest.fixture
def world():
    genres = ["Comedy", "Sci-Fi", "Drama", "Horror"]
    titles = [make_title(f"{genres[i % 4]} Film {i}", year=1990 + i, genres=[genres[i % 4]]) for i in range(24)]
    for i in range(6):
        other = make_profile(name=f"Other {i}")
        for title in titles[i::3]:
            watch(other, title, completion=0.8)
            rate(other, title, stars=4.0)
    return titles


@pytest.fixture
def viewer(client):
    profile = make_profile(name="Viewer", onboarded_at=timezone.now())
    signed_in(client, profile)
    return client, profile


@pytest.fixture
def no_model_calls(monkeypatch):
    """Fail if anything fits or scores a LightFM model during the request."""
    import lightfm

    def refuse(*args, **kwargs):
        raise AssertionError("the page called the model")

    for name in ("fit", "fit_partial", "predict", "predict_rank"):
        monkeypatch.setattr(lightfm.LightFM, name, refuse)


def test_a_new_profile_is_sent_to_onboarding_first(client):
    profile = make_profile()
    signed_in(client, profile)

    assert client.get(reverse("storefront:home"))["Location"] == reverse("storefront:onboarding")
    watch(profile, make_title("Seen Before Onboarding"))  # e.g. an imported MovieLens profile
    assert client.get(reverse("storefront:home")).status_code == 200


def test_onboarding_picks_change_the_first_rows_at_once(viewer, world):
    client, profile = viewer
    client.post(reverse("storefront:onboarding"), {"genres": [make_genre("Horror").pk]})
    horror_first = client.get(reverse("storefront:rows_api")).json()
    client.post(reverse("storefront:onboarding"), {"genres": [make_genre("Comedy").pk]})
    comedy_first = client.get(reverse("storefront:rows_api")).json()

    def top(rows):
        return [item["name"] for item in rows["rows"][0]["items"][:4]]

    assert top(horror_first) != top(comedy_first)
    assert sum("Horror" in name for name in top(horror_first)) > sum("Horror" in name for name in top(comedy_first))


def test_home_shows_rows_with_reasons_and_logs_every_card(viewer, world, no_model_calls):
    client, profile = viewer
    watch(profile, world[1])
    response = client.get(reverse("storefront:home"))

    rows = response.context["rows"]
    assert rows and all(card.reason for row in rows for card in row.cards)
    shown = sum(len(row.cards) for row in rows)
    assert Impression.objects.filter(profile=profile).count() == shown
    assert set(Impression.objects.values_list("surface", flat=True)) == {row.key for row in rows}
    page = response.content.decode()
    assert rows[0].heading in page and rows[0].cards[0].title.name in page


def test_home_query_count_is_pinned(viewer, world, no_model_calls, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from recommendations.services import rows_for

    client, profile = viewer
    watch(profile, world[1])
    rate(profile, world[5], thumb=1)
    client.get(reverse("storefront:home"))  # warms per-process caches (popularity, model embeddings)
    # The recommender's request-time ranking is its own budget; the storefront's share is pinned here.
    with CaptureQueriesContext(connection) as ranking:
        rows_for(profile)
    rows_changed(profile)

    with django_assert_num_queries(len(ranking) + HOME_QUERIES_FRESH):
        client.get(reverse("storefront:home"))
    with django_assert_num_queries(HOME_QUERIES_WARM):
        client.get(reverse("storefront:home"))
    # More history must not mean more queries (no N+1 over rows, cards or history).
    for title in world[6:12]:
        watch(profile, title)
    rows_changed(profile)
    with CaptureQueriesContext(connection) as ranking:
        rows_for(profile)
    with django_assert_num_queries(len(ranking) + HOME_QUERIES_FRESH):
        client.get(reverse("storefront:home"))
    assert len(ranking) <= 30, "the recommender's ranking should stay a handful of queries"


def test_acting_on_a_title_refreshes_the_cached_rows_at_once(viewer, world, django_capture_on_commit_callbacks):
    client, profile = viewer
    before = client.get(reverse("storefront:rows_api")).json()
    first = before["rows"][0]["items"][0]["title_id"]

    with django_capture_on_commit_callbacks(execute=True):  # the cached rows are forgotten on commit
        client.post(reverse("storefront:rate", args=[first]), {"thumb": "-1"})
    after = client.get(reverse("storefront:rows_api")).json()

    assert first not in [item["title_id"] for row in after["rows"] for item in row["items"]]


def test_title_page_query_count_is_pinned(viewer, world, no_model_calls, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from recommendations.services import similar_titles

    client, profile = viewer
    client.get(reverse("storefront:title", args=[world[0].pk]))
    with CaptureQueriesContext(connection) as neighbours:  # kept to what the profile may see
        similar_titles(world[0], limit=13, profile=profile)

    with django_assert_num_queries(len(neighbours) + TITLE_QUERIES):
        response = client.get(reverse("storefront:title", args=[world[0].pk]))
    assert response.context["similar"].cards


# The session, the user and the profile come from the cache once a page has been seen.
# Fresh rows: titles, artwork, whether the profile has watched anything (the greeting), whether the
# hero banner's top pick is on My List, and one bulk insert of impressions however many cards, with
# the recommender's ranking queries on top. Cached rows: the impressions insert alone.
HOME_QUERIES_FRESH = 5
HOME_QUERIES_WARM = 1
# title, its genres, its tags; hero artwork; the preview clip's candidates (issue 13); rating, My List,
# video; then the "More like this" cards: titles, artwork, impressions (the neighbours lookup on top).
TITLE_QUERIES = 11


def test_every_home_page_is_logged_through_the_buffer_even_when_its_rows_are_cached(viewer, world, redis_url, settings):
    from activity import impressions

    settings.IMPRESSION_BUFFER_URL = redis_url
    impressions._client(redis_url).delete(impressions.BUFFER_KEY)
    client, profile = viewer
    watch(profile, world[1])
    first = client.get(reverse("storefront:home"))
    second = client.get(reverse("storefront:home"))  # rows and their HTML from the cache
    assert Impression.objects.count() == 0 and impressions.buffered_pages() == 2
    rows_html = [r.content.decode() for r in (first, second)]
    rows_html = [page[page.index('<section class="row"'):page.rindex("</section>")] for page in rows_html]
    assert rows_html[0] == rows_html[1]

    report = impressions.flush_buffer()
    shown = sum(len(row.cards) for row in first.context["rows"])
    assert report.written == 2 * shown == Impression.objects.filter(profile=profile).count()
    assert len(set(Impression.objects.values_list("request_id", flat=True))) == 2


def test_a_cached_home_page_still_carries_a_working_csrf_token_and_shows_flash_messages(world):
    import re

    from django.contrib.messages import constants
    from django.test import Client

    profile = make_profile(name="Viewer", onboarded_at=timezone.now())
    watch(profile, world[1])
    client = Client(enforce_csrf_checks=True)
    signed_in(client, profile)
    client.get(reverse("storefront:home"))
    cached = client.get(reverse("storefront:home")).content.decode()  # served from the page cache
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', cached).group(1)
    assert "__marquee_csrf_token__" not in cached

    # A flash message is never served from (or stored in) the page cache.
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage

    storage = CookieStorage(None)
    client.cookies["messages"] = storage._encode([Message(constants.SUCCESS, "Account saved.")])
    assert "Account saved." in client.get(reverse("storefront:home")).content.decode()
    assert "Account saved." not in client.get(reverse("storefront:home")).content.decode()

    response = client.post(reverse("storefront:logout"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302  # accepted: the token from the cached page is valid


def test_continue_watching_leads_the_home_page_and_a_finished_title_moves_to_history(
    viewer, world, django_capture_on_commit_callbacks
):
    client, profile = viewer
    started = world[3]
    with django_capture_on_commit_callbacks(execute=True):
        event_id = client.post(
            reverse("storefront:watch_progress", args=[started.pk]),
            data='{"event": null, "position": 600, "watched": 600}', content_type="application/json",
        ).json()["event"]
    rows = client.get(reverse("storefront:home")).context["rows"]
    assert rows[0].key == "continue_watching" and [c.title.pk for c in rows[0].cards] == [started.pk]
    # Its card opens the player, which resumes there; cards of other rows open the title page.
    assert rows[0].cards[0].url == reverse("storefront:watch", args=[started.pk])
    assert rows[0].cards[0].preview_url == reverse("storefront:card_preview", args=[started.pk])  # hover still previews
    assert all(c.url == reverse("storefront:title", args=[c.title.pk]) for row in rows[1:] for c in row.cards)

    runtime_s = 10_000_000  # well past any duration: the report is capped at the title's end
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("storefront:watch_progress", args=[started.pk]),
            data=f'{{"event": {event_id}, "position": {runtime_s}, "watched": {runtime_s}}}',
            content_type="application/json",
        )
    rows = client.get(reverse("storefront:home")).context["rows"]
    assert "continue_watching" not in [row.key for row in rows]
    assert started.name in client.get(reverse("storefront:history")).content.decode()


def test_the_hero_banner_shows_the_top_pick_with_play_and_my_list(viewer, world, django_capture_on_commit_callbacks):
    client, profile = viewer
    page = client.get(reverse("storefront:home")).content.decode()
    assert 'class="hero-banner"' in page and "Top pick for you" in page
    import re

    title_id = int(re.search(r'class="hero-banner"[^>]*data-title="(\d+)"', page).group(1))
    assert f'href="/watch/{title_id}/"' in page
    assert "__marquee_csrf_token__" not in page  # the banner's My List form got this response's token
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("storefront:toggle_my_list", args=[title_id]), {"back": "home"})
    assert response["Location"] == reverse("storefront:home")
    assert "On My List" in client.get(reverse("storefront:home")).content.decode()
    assert 'aria-label="Scroll' in page  # row arrows (shown by the script for a mouse)
