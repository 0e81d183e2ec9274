"""The audience forecast: per region from features alone, never from the forecast title's own interactions."""

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from activity.models import ViewingEvent
from factories import make_region, make_title
from insights import candidates, forecast
from recommendations import training

pytestmark = pytest.mark.django_db
pytest_plugins = ["recommendations_world"]


@pytest.fixture
def two_markets(world):
    """The action fans in the US, the romance fans in Britain, and a model trained on them."""
    britain = make_region("GB", "United Kingdom")
    for profile in world.fans["romance"]:
        profile.account.region = britain
        profile.account.save(update_fields=["region"])
    training.train_recommender()
    return world


def _by_region(results):
    return {r.region: r for r in results}


def test_a_described_title_reaches_the_market_whose_taste_it_matches(two_markets):
    romance = candidates.CandidateTitle("Love in Lisbon", genres=["romance"], tags=["love"], year=1995)
    found = _by_region(forecast.forecast(romance, use_synopsis=False))
    assert set(found) == {"GB", "US"}
    assert found["GB"].profiles == found["US"].profiles == 12
    assert found["GB"].profiles_with_it_in_top_50 > found["US"].profiles_with_it_in_top_50
    assert len(found["GB"].similar_titles) == forecast.SIMILAR
    # Its nearest titles are romances, and their actual viewers there are the logged ones.
    assert all(s.name.startswith("Romance") for s in found["GB"].similar_titles[:3])
    nearest = found["GB"].similar_titles[0]
    assert (
        nearest.first_month_viewers
        == ViewingEvent.objects.filter(title_id=nearest.id, profile__account__region__code="GB")
        .values("profile")
        .distinct()
        .count()
    )


def test_the_expected_viewers_follow_each_regions_taste(two_markets):
    romance = candidates.CandidateTitle("Love in Lisbon", genres=["romance"], tags=["love"], year=1995)
    action = candidates.CandidateTitle("Blast", genres=["action"], tags=["explosions"], year=2004)
    loved = _by_region(forecast.forecast(romance, use_synopsis=False))
    blasted = _by_region(forecast.forecast(action, use_synopsis=False))
    assert loved["GB"].expected_first_month_viewers > loved["US"].expected_first_month_viewers
    assert blasted["US"].expected_first_month_viewers > blasted["GB"].expected_first_month_viewers


def test_a_similar_title_a_region_cannot_watch_is_not_shown_there(two_markets):
    from catalog.models import Region, TitleAvailability

    romance = candidates.CandidateTitle("Love in Lisbon", genres=["romance"], tags=["love"], year=1995)
    nearest = _by_region(forecast.forecast(romance, use_synopsis=False))["GB"].similar_titles[0]
    TitleAvailability.objects.create(title_id=nearest.id, region=Region.objects.get(code="US"))
    found = _by_region(forecast.forecast(romance, use_synopsis=False))
    assert nearest.id not in {s.id for s in found["GB"].similar_titles}
    assert len(found["GB"].similar_titles) == forecast.SIMILAR
    assert nearest.id in {s.id for s in found["US"].similar_titles}


def test_the_blend_is_a_weighted_mean_in_log_viewers_over_the_estimates_there_are():
    weights = {"genres": 0.5, "regression": 0.5, "reach": 0.0}
    assert forecast.blend_viewers({"genres": 3.0, "regression": 15.0, "reach": 999.0}, weights) == pytest.approx(7.0)
    assert forecast.blend_viewers({"genres": 3.0, "regression": None}, weights) == pytest.approx(3.0)
    assert forecast.blend_viewers({"genres": None, "regression": None}, weights) == 0.0


def test_a_forecast_of_an_existing_title_never_reads_its_interactions(two_markets):
    title = two_markets.romance[2]
    described = candidates.candidate_from_title(title)
    before = [
        r.as_dict() for r in forecast.forecast(described, exclude_title_id=title.pk, use_synopsis=False)
    ]
    assert title.pk not in {s["id"] for r in before for s in r["similar_titles"]}
    # Rewrite its whole history (the model is not retrained): the forecast must not move.
    ViewingEvent.objects.filter(title=title).delete()
    later = timezone.now() - timedelta(days=3)
    ViewingEvent.objects.bulk_create(
        [
            ViewingEvent(profile=p, title=title, started_at=later, completion=1.0)
            for p in two_markets.fans["action"]
        ]
    )
    after = [r.as_dict() for r in forecast.forecast(described, exclude_title_id=title.pk, use_synopsis=False)]
    assert after == before


def test_forecast_title_prints_one_object_per_region(two_markets, tmp_path, capsys):
    path = tmp_path / "candidate.json"
    path.write_text(
        json.dumps(
            {"name": "Blast", "genres": ["Action"], "tags": ["explosions"], "year": 2004, "synopsis": ""}
        )
    )
    call_command("forecast_title", "--json", str(path))
    printed = json.loads(capsys.readouterr().out)
    assert [r["region"] for r in printed] == ["GB", "US"]
    assert {"profiles_with_it_in_top_50", "expected_first_month_viewers", "similar_titles"} <= set(printed[0])
    us = printed[1]
    assert us["profiles_with_it_in_top_50"] > printed[0]["profiles_with_it_in_top_50"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"genres": ["Action"]}', "'name'"),
        ('{"name": "X", "genres": ["Polka"]}', "unknown genre(s) 'Polka'"),
        ('{"name": "X", "genres": ["Action"], "year": "soon"}', "'year'"),
    ],
)
def test_a_bad_description_is_refused_naming_the_file_and_field(two_markets, tmp_path, body, message):
    path = tmp_path / "bad.json"
    path.write_text(body)
    with pytest.raises(CommandError, match=str(path)) as raised:
        call_command("forecast_title", "--json", str(path))
    assert message in str(raised.value)


def test_the_cache_fill_list_adds_what_the_regions_profiles_are_about_to_be_shown(two_markets):
    from catalog.models import Region
    from insights import cache_fill

    britain = Region.objects.get(code="GB")
    # The world's views are two months old: make them last fortnight's, so the profiles are active viewers.
    ViewingEvent.objects.update(started_at=F("started_at") + timedelta(days=50))
    items = cache_fill.cache_fill(britain, 50, candidates=True)
    from_picks = [i for i in items if i.from_candidates > 0]
    assert from_picks and all(
        i.expected_views == pytest.approx(i.from_trends + i.from_candidates, abs=2e-3) for i in items
    )
    # The British profiles are the romance fans: their top picks are romances.
    assert all(i.name.startswith("Romance") for i in sorted(from_picks, key=lambda i: -i.from_candidates)[:3])


def test_the_cached_first_month_table_follows_the_viewing_log(two_markets):
    before = forecast._every_first_month(None)
    title = make_title("Just Arrived", genres=["Action"])
    view = ViewingEvent.objects.create(
        profile=two_markets.fans["action"][0], title=title, started_at=timezone.now(), completion=1.0
    )
    assert forecast._every_first_month(None)[title.pk] == {view.profile.account.region_id: 1}
    ViewingEvent.objects.filter(pk=view.pk).update(hidden_at=timezone.now())
    assert title.pk not in forecast._every_first_month(None)
    assert forecast._every_first_month(None) == before
