"""Search: typo-tolerant names (both backends), meaning matches from the MiniLM index, logging, fallbacks."""

import pytest
from django.db import connection
from django.urls import reverse

from activity.models import Impression, SearchQuery
from factories import make_account, make_profile, make_region, make_title, signed_in, watch
from search import services as search
from search.models import TitleSearchVector

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(client):
    profile = make_profile(name="Searcher")
    signed_in(client, profile)
    return client, profile


@pytest.fixture
def catalog():
    return {
        "godfather": make_title("The Godfather", year=1972, genres=["Crime", "Drama"]),
        "goodfellas": make_title("Goodfellas", year=1990, genres=["Crime"]),
        "space": make_title("Lantern Protocol", year=2019, genres=["Sci-Fi"], tags=["space"],
                            synopsis="A crew of astronauts aboard a failing starship drifts between distant planets."),
        "cooking": make_title("Summer Orchard", year=2011, genres=["Drama"], tags=["cooking"],
                              synopsis="A young chef takes over her grandmother's restaurant kitchen."),
    }


def test_normalize_folds_case_accents_and_punctuation():
    assert search.normalize("  Amélie!!  (2001) ") == "amelie 2001"


def test_a_misspelled_title_is_found(catalog):
    results = search.search_titles("the godfathr", profile=None, semantic=False)

    assert results.hits[0].title == catalog["godfather"]


def test_a_partial_word_is_found_in_a_longer_name(catalog):
    names = [hit.title.name for hit in search.search_titles("godfather", profile=None, semantic=False).hits]

    assert names[0] == "The Godfather"
    assert "Lantern Protocol" not in names


def test_postgres_uses_trigram_similarity(requires_postgres, catalog):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone()[0] == 1

    assert search.search_titles("goodfelas", profile=None, semantic=False).hits[0].title == catalog["goodfellas"]


def test_suggestions_match_as_you_type(viewer, catalog):
    client, _ = viewer
    data = client.get(reverse("storefront:suggest"), {"q": "godf"}).json()

    assert data["suggestions"][0]["name"] == "The Godfather"
    assert data["suggestions"][0]["url"] == reverse("storefront:title", args=[catalog["godfather"].pk])
    assert client.get(reverse("storefront:suggest"), {"q": "g"}).json() == {"suggestions": []}


def test_every_search_is_logged_and_opening_a_result_is_remembered(viewer, catalog):
    client, profile = viewer
    page = client.get(reverse("storefront:search"), {"q": "Goodfelas"}).content.decode()

    logged = SearchQuery.objects.get()
    assert (logged.profile, logged.text, logged.normalized_text) == (profile, "Goodfelas", "goodfelas")
    assert logged.results_count >= 1 and "Goodfellas" in page
    assert Impression.objects.filter(profile=profile, surface="search").count() == logged.results_count

    client.get(reverse("storefront:title", args=[catalog["goodfellas"].pk]), {"from_search": logged.pk})
    logged.refresh_from_db()
    assert logged.opened_title == catalog["goodfellas"]


def test_a_zero_result_search_is_logged_and_suggests_popular_titles(viewer, catalog):
    client, profile = viewer
    for _ in range(3):
        watch(make_profile(), catalog["cooking"])

    response = client.get(reverse("storefront:search"), {"q": "zzqxv"})

    assert SearchQuery.objects.get().results_count == 0
    assert response.context["hits"] == []
    assert response.context["popular"][0].title == catalog["cooking"]
    shown = Impression.objects.filter(profile=profile, surface="search_popular").order_by("position")
    assert [i.title for i in shown] == [card.title for card in response.context["popular"]]


def test_search_respects_region_availability(catalog):
    from catalog.models import TitleAvailability

    TitleAvailability.objects.create(title=catalog["godfather"], region=make_region("JP", "Japan"))
    us = make_region("US")

    in_us = make_profile(make_account(region=us))
    hits = search.search_titles("the godfather", profile=in_us, semantic=False).hits
    assert catalog["godfather"] not in [hit.title for hit in hits]
    assert catalog["godfather"] in [hit.title for hit in search.search_titles("godfather", profile=None).hits]


@pytest.mark.slow
def test_meaning_search_finds_a_title_by_its_synopsis_and_tags(catalog):
    """Uses the real offline MiniLM (about 10 s on first load)."""
    counts = search.rebuild_search_index()
    assert counts == {"titles": 4, "embedded": 4, "unchanged": 0}
    assert search.rebuild_search_index()["embedded"] == 0  # unchanged text is not re-embedded

    results = search.search_titles("astronauts lost in outer space", profile=None)

    assert results.semantic_used
    assert results.hits[0].title == catalog["space"]
    assert catalog["godfather"] not in [hit.title for hit in results.hits]


def test_the_index_rebuild_takes_its_job_lock_itself_so_the_command_and_the_task_wait_their_turn():
    from django.core.management import CommandError, call_command
    from job_locks import lock_held_elsewhere

    from search import tasks

    make_title("Lonely Title")
    with lock_held_elsewhere(search.INDEX_LOCK):
        with pytest.raises(search.JobAlreadyRunning):
            search.rebuild_search_index()
        assert tasks.rebuild_search_index.apply().get() == {"skipped": "a rebuild is already running"}
        with pytest.raises(CommandError, match="another search index rebuild is running"):
            call_command("rebuild_search_index")
    assert not TitleSearchVector.objects.exists()  # nothing was embedded while another rebuild held the lock


def test_search_indexes_only_the_tags_a_subscriber_may_see(monkeypatch):
    """Internal tags (descriptors, unclassified words, unsure model guesses) never reach the index text,
    so no search finds a title by them; the rule is catalog's `shown_to_subscribers`."""
    from catalog.models import Tag, TitleTag
    from factories import make_tag

    title = make_title("Robot Dawn", synopsis="A robot wakes in an empty city.")

    def tag(name, kind, source, confidence):
        row = make_tag(name)
        Tag.objects.filter(pk=row.pk).update(kind=kind)
        TitleTag.objects.create(title=title, tag=row, source=source, confidence=confidence)

    tag("androids", Tag.Kind.THEME, TitleTag.Source.STAFF, 1.0)  # stated by staff: searchable
    tag("eerie", Tag.Kind.MOOD, TitleTag.Source.MODEL, 0.95)  # a confident model tag: searchable
    tag("ghosts", Tag.Kind.THEME, TitleTag.Source.MODEL, 0.5)  # an unsure guess: internal
    tag("green palette", Tag.Kind.DESCRIPTOR, TitleTag.Source.STAFF, 1.0)  # a descriptor: internal
    tag("fresh import word", Tag.Kind.OTHER, TitleTag.Source.IMPORTED, 1.0)  # unclassified: internal
    embedded = []

    def fake_embed(texts):
        import numpy as np

        embedded.extend(texts)
        return np.zeros((len(texts), 384), np.float32)

    monkeypatch.setattr("catalog.embeddings.embed_texts", fake_embed)
    assert search.rebuild_search_index()["embedded"] == 1
    assert embedded == ["Robot Dawn. A robot wakes in an empty city. Genres: . Tags: androids, eerie."]
