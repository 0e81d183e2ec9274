"""Trends: a planted rise is found, chance swings in a tiny region are not flagged, unmet searches are counted."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from activity.models import SearchQuery, ViewingEvent
from factories import make_account, make_profile, make_region, make_title
from insights import searches, trends, weekly_counts
from insights.models import Kind, Trend, WeeklyCount

pytestmark = pytest.mark.django_db


NOW = datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # a Wednesday noon: far from any week boundary
THIS_WEEK = weekly_counts.week_of(NOW)


def _at(weeks_back: int, day: int, hour: int = 10) -> datetime:
    """A moment inside the week `weeks_back` before this one (day 0 = Monday, at most Tuesday this week)."""
    return (
        datetime.combine(THIS_WEEK, datetime.min.time(), tzinfo=UTC)
        - timedelta(weeks=weeks_back)
        + timedelta(days=day, hours=hour)
    )


def _views(profiles, plan: list[tuple], rng: random.Random) -> None:
    """plan: (weeks_back, title, n) -> n views spread over the profiles and the first two days of that week."""
    ViewingEvent.objects.bulk_create(
        [
            ViewingEvent(
                profile=rng.choice(profiles),
                title=title,
                started_at=_at(weeks_back, rng.randint(0, 1), rng.randint(8, 20)),
                completion=1.0,
            )
            for weeks_back, title, n in plan
            for _ in range(n)
        ]
    )


@pytest.fixture
def market():
    rng = random.Random(3)
    big, tiny = make_region("US", "United States"), make_region("IS", "Iceland")
    titles = [make_title(f"Steady {i}", genres=["Drama"], tags=["slow burn"]) for i in range(9)]
    rising = make_title("The Riser", genres=["Sci-Fi"], tags=["space"])
    catalogue = [*titles, rising]
    us = [make_profile(make_account(region=big)) for _ in range(20)]
    iceland = [make_profile(make_account(region=tiny)) for _ in range(3)]
    plan = []
    for weeks_back in range(trends.BASELINE_WEEKS + 1):
        for title in catalogue:
            # The riser holds a steady 10% of US viewing, then triples its share this week.
            plan.append((weeks_back, title, 90 if (title is rising and weeks_back == 0) else 30))
    _views(us, plan, rng)
    # Iceland: eight views a week spread at random, and this week a chance run of four on one title.
    tiny_plan = [(weeks_back, rng.choice(catalogue), 1) for weeks_back in range(1, 9) for _ in range(8)]
    tiny_plan += [(0, titles[0], 4)] + [(0, rng.choice(titles[1:]), 1) for _ in range(4)]
    _views(iceland, tiny_plan, rng)
    return {"big": big, "tiny": tiny, "rising": rising, "titles": titles}


def test_a_planted_rise_is_found_by_title_genre_and_tag(market):
    result = trends.refresh_trends(now=NOW)
    assert result["weeks"] == trends.BASELINE_WEEKS + trends.RECOUNT_WEEKS
    found = trends.significant_trends(market["big"].pk, THIS_WEEK, Kind.TITLE)
    assert [t.label for t in found["rising"]][:1] == ["The Riser"]
    riser = found["rising"][0]
    assert riser.share == pytest.approx(90 / 360) and riser.baseline_share == pytest.approx(0.1)
    assert {
        t.label for t in trends.significant_trends(market["big"].pk, THIS_WEEK, Kind.GENRE)["rising"]
    } == {"Sci-Fi"}
    assert {t.label for t in trends.significant_trends(market["big"].pk, THIS_WEEK, Kind.TAG)["rising"]} == {
        "space"
    }
    # The steady titles lose share as the riser takes it, and last week nothing moved.
    assert not Trend.objects.filter(
        region=market["big"], week=THIS_WEEK - timedelta(weeks=1), significant=True
    ).exists()


def test_noise_in_a_tiny_region_is_not_flagged(market):
    trends.refresh_trends(now=NOW)
    tiny = Trend.objects.filter(region=market["tiny"], week=THIS_WEEK, kind=Kind.TITLE)
    spike = tiny.get(key=str(market["titles"][0].pk))
    # On its own the run of four would pass a 5% test: the false-discovery correction is what holds it back.
    assert spike.p_value < 0.05
    assert spike.q_value > trends.FDR
    assert not Trend.objects.filter(region=market["tiny"], significant=True).exists()


def test_summary_rows_are_counts_of_the_log(market):
    trends.refresh_trends(now=NOW)
    row = WeeklyCount.objects.get(
        region=market["big"], week=THIS_WEEK, kind=Kind.TITLE, key=str(market["rising"].pk)
    )
    assert (row.count, row.total) == (90, 360)
    drama = WeeklyCount.objects.get(region=market["big"], week=THIS_WEEK, kind=Kind.GENRE, label="Drama")
    assert drama.count == 270
    # A routine refresh recounts only the latest weeks and keeps the older summary rows.
    older = WeeklyCount.objects.filter(week__lt=THIS_WEEK - timedelta(weeks=1)).count()
    ViewingEvent.objects.filter(started_at__lt=_at(2, 0, 0)).delete()
    assert trends.refresh_trends(now=NOW)["weeks"] == trends.RECOUNT_WEEKS
    assert WeeklyCount.objects.filter(week__lt=THIS_WEEK - timedelta(weeks=1)).count() == older


def test_unmet_searches_are_counted():
    region = make_region("US", "United States")
    profile = make_profile(make_account(region=region))
    opened = make_title("Found It")
    logged = [("space heist", 0, None)] * 3 + [("space heist", 4, None)] * 2 + [("found it", 1, opened)] * 4
    rows = SearchQuery.objects.bulk_create(
        [
            SearchQuery(profile=profile, text=text, normalized_text=text, results_count=n, opened_title=title)
            for text, n, title in logged
        ]
    )
    SearchQuery.objects.filter(pk__in=[r.pk for r in rows]).update(created_at=_at(0, 1))
    trends.refresh_trends(now=NOW)
    found = {s.text: s for s in searches.unmet_searches(region.pk, last_week=THIS_WEEK)}
    # Three found nothing and two found titles nobody opened; every search for "found it" was opened.
    assert (found["space heist"].searches, found["space heist"].unmet, found["space heist"].no_results) == (
        5,
        5,
        3,
    )
    assert "found it" not in found


def test_the_refresh_has_a_beat_entry():
    from django_celery_beat.models import PeriodicTask

    entry = PeriodicTask.objects.get(task="insights.tasks.refresh_trends_task")
    from jobs.monitor import queue_of

    assert entry.enabled and entry.queue is None and queue_of(entry.task) == "ml"


def test_a_genre_watched_and_searched_beyond_its_catalogue_share_is_the_top_gap():
    from catalog.models import TitleAvailability
    from insights import gaps

    home, elsewhere = make_region("US", "United States"), make_region("FR", "France")
    horror = make_title("The Only Fright", genres=["Horror"], tags=["ghosts"])
    comedies = [make_title(f"Laugh {i}", genres=["Comedy"]) for i in range(8)]
    for i in range(4):  # more horror exists, but only elsewhere
        TitleAvailability.objects.create(title=make_title(f"Fright {i}", genres=["Horror"]), region=elsewhere)
    profiles = [make_profile(make_account(region=home)) for _ in range(5)]
    rng = random.Random(5)
    _views(profiles, [(0, horror, 20), *[(0, c, 2) for c in comedies]], rng)
    logged = SearchQuery.objects.bulk_create(
        [
            SearchQuery(profile=profiles[0], text="horror", normalized_text="horror", results_count=0)
            for _ in range(6)
        ]
        + [
            SearchQuery(
                profile=profiles[1], text="zombie horror", normalized_text="zombie horror", results_count=0
            )
        ]
    )
    SearchQuery.objects.filter(pk__in=[s.pk for s in logged]).update(created_at=_at(0, 1))
    trends.refresh_trends(now=NOW)
    found = gaps.catalogue_gaps(home, last_week=THIS_WEEK)
    top = found[0]
    assert (top.kind, top.label, top.unmet_searches) == (Kind.GENRE, "Horror", 7)
    # Demand: 20 views + 7 unmet searches of 36 views + 7; supply: 1 of the 9 titles available in the US.
    assert top.demand_share == pytest.approx(27 / 43) and top.catalogue_share == pytest.approx(1 / 9)
    assert [e.text for e in top.examples] == ["horror", "zombie horror"]
    assert "Comedy" not in {g.label for g in found}


def test_an_unmet_search_counts_for_the_genre_it_means_without_naming_it():
    from insights import gaps

    home = make_region("US", "United States")
    war = make_title("The Long March", genres=["War"])
    comedies = [make_title(f"Laugh {i}", genres=["Comedy"]) for i in range(3)]
    profiles = [make_profile(make_account(region=home)) for _ in range(3)]
    _views(profiles, [(0, war, 2), *[(0, c, 2) for c in comedies]], random.Random(7))
    logged = SearchQuery.objects.bulk_create(
        [SearchQuery(profile=profiles[0], text="ww2", normalized_text="ww2", results_count=0) for _ in range(5)]
        + [SearchQuery(profile=profiles[1], text="asdf", normalized_text="asdf", results_count=0)]
    )
    SearchQuery.objects.filter(pk__in=[s.pk for s in logged]).update(created_at=_at(0, 1))
    trends.refresh_trends(now=NOW)
    found = {g.label: g for g in gaps.catalogue_gaps(home, last_week=THIS_WEEK)}
    assert found["War"].unmet_searches == 5
    assert [e.text for e in found["War"].examples] == ["ww2"]
    assert not any("asdf" in [e.text for e in g.examples] for g in found.values())


def test_a_repeat_gaps_lookup_embeds_only_texts_it_has_not_seen(monkeypatch):
    import numpy as np

    from catalog import embeddings
    from insights import gaps

    monkeypatch.setattr(gaps, "_vectors", gaps.OrderedDict())
    asked: list[list[str]] = []

    def fake_embed(texts, **_):
        asked.append(list(texts))
        rows = np.zeros((len(texts), embeddings.EMBEDDING_DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            rows[i, sum(map(ord, text)) % embeddings.EMBEDDING_DIM] = 1.0
        return rows

    monkeypatch.setattr(embeddings, "embed_texts", fake_embed)
    labels = [("genre", "1", "War"), ("tag", "2", "ghosts: spirits of the dead")]
    first = gaps.meaning_matches(["ww2", "ghost"], labels)
    assert asked == [["ww2", "ghost", "War", "ghosts: spirits of the dead"]]
    second = gaps.meaning_matches(["ww2", "ghost"], labels)
    assert asked == [["ww2", "ghost", "War", "ghosts: spirits of the dead"]]  # nothing embedded again
    assert second == first
    gaps.meaning_matches(["ghost", "kung fu"], labels)
    assert asked[1:] == [["kung fu"]]  # only the new text
    monkeypatch.setattr(gaps, "VECTOR_CACHE_SIZE", 2)
    gaps.meaning_matches(["robots"], labels[:1])
    assert list(gaps._vectors) == ["robots", "War"]  # bounded: least recently used dropped
