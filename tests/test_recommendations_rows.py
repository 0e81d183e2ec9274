"""Request-time rows: filters, cold start from onboarding, reasons, and the similar-titles fallback."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Genre, Title, TitleAvailability
from factories import make_account, make_profile, make_region, make_title, rate, watch
from recommendations import services, training

pytestmark = pytest.mark.django_db
pytest_plugins = ["recommendations_world"]


def all_items(rows):
    return [item for row in rows for item in row.items]


def test_rows_leave_out_watched_disliked_and_unavailable_titles(world):
    fan = world.fans["action"][0]
    training.train_recommender()
    watched_now = world.action[-1]
    disliked = world.action[-2]
    watch(fan, watched_now, completion=0.95)
    rate(fan, disliked, stars=1.0)
    hidden_region = make_region("FR", "France")
    blocked = world.action[-3]
    TitleAvailability.objects.create(title=blocked, region=hidden_region)  # rights only in France
    excluded = {watched_now.pk, disliked.pk, blocked.pk}
    excluded |= set(fan.viewing_events.values_list("title_id", flat=True))
    excluded |= set(fan.ratings.values_list("title_id", flat=True))
    rows = services.rows_for(fan, limit=12)
    assert rows, "a trained profile gets rows"
    assert not excluded & {i.title_id for i in all_items(rows)}


def test_every_item_has_a_reason(world):
    training.train_recommender()
    rows = services.rows_for(world.fans["romance"][1])
    assert {row.key for row in rows} >= {"top_picks", "because_you_watched", "trending"}
    assert all(item.reason for item in all_items(rows))


def test_hidden_taste_shows_in_top_picks(world):
    training.train_recommender()
    fan = world.fans["romance"][2]
    picks = services.rows_for(fan, limit=3, only={"top_picks"})[0].items
    romance = {t.pk for t in world.romance}
    assert sum(i.title_id in romance for i in picks) >= 2


@pytest.mark.parametrize("trained", [False, True])
def test_new_profile_gets_onboarding_based_picks_immediately(world, trained):
    if trained:
        training.train_recommender()
    newcomer = make_profile(make_account(region=world.region), name="new")
    newcomer.favourite_genres.set([Genre.objects.get(name="Romance")])
    newcomer.favourite_titles.set([world.romance[0]])
    newcomer.onboarded_at = timezone.now()
    newcomer.save()
    rows = services.rows_for(newcomer, limit=5)
    picks = next(row for row in rows if row.key == "top_picks").items
    romance = {t.pk for t in world.romance}
    assert picks and world.romance[0].pk not in {i.title_id for i in picks}
    assert sum(i.title_id in romance for i in picks) > len(picks) / 2


def test_hidden_history_is_ignored(world):
    training.train_recommender()
    fan = world.fans["action"][3]
    event = watch(fan, world.romance[5], completion=1.0, when=timezone.now() - timedelta(minutes=5))
    event.hidden_at = timezone.now()
    event.save()
    rows = services.rows_for(fan, only={"because_you_watched"})
    assert [row.key for row in rows] == ["because_you_watched"], "the fan's own history still makes the row"
    assert world.romance[5].name not in rows[0].heading


def test_similar_titles_from_the_model_and_without_one(world):
    before = services.similar_titles(world.action[0], limit=5)
    assert before and all(i.title_id != world.action[0].pk for i in before)
    assert {i.title_id for i in before} <= {t.pk for t in world.action}  # shared genre and tag
    training.train_recommender()
    after = services.similar_titles(world.action[0], limit=5)
    assert len(after) == 5 and all(i.reason for i in after)


def test_enqueue_training_returns_a_task_id(db, django_capture_on_commit_callbacks, monkeypatch):
    from recommendations import tasks

    sent = []
    monkeypatch.setattr(tasks.train_recommender_task, "apply_async", lambda **kw: sent.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        task_id = services.enqueue_training()
    assert [kw["task_id"] for kw in sent] == [task_id]


def test_a_title_added_after_training_is_scored_from_its_features(world):
    from factories import make_title

    training.train_recommender()
    fan = world.fans["romance"][3]
    fresh_romance = make_title("Brand-new romance", genres=["Romance"], tags=["love"], year=1995)
    fresh_action = make_title("Brand-new action", genres=["Action"], tags=["explosions"], year=2005)
    from recommendations import ranking, sources

    scores = sources.model_scores(ranking.load_context(fan), [fresh_romance.pk, fresh_action.pk])
    assert set(scores) == {fresh_romance.pk, fresh_action.pk}
    assert scores[fresh_romance.pk] > scores[fresh_action.pk]  # the hidden taste carries over to unseen titles
    row = next(r for r in services.rows_for(fan) if r.key == "new_for_you")
    assert fresh_romance.pk in {i.title_id for i in row.items}


def _ratings_above(profile_id, stars):
    from activity.models import Rating

    return Rating.objects.filter(profile_id=profile_id, stars__gte=stars).order_by("title_id").values_list("title_id")


def _ratings_by_title(title):
    from activity.models import Rating

    return Rating.objects.filter(title__name__icontains=title).values_list("pk")


def _ratings_of_titles(profile_id, title_ids):
    from activity.models import Rating

    return Rating.objects.filter(profile_id=profile_id, title_id__in=title_ids).order_by("title_id").values_list("title_id")


def test_a_prepared_query_compiled_once_answers_for_each_call_s_own_arguments(world):
    from recommendations.ranking import fetch_prepared

    first, second = world.fans["action"][0], world.fans["romance"][0]
    for profile, stars in ((first, 4.0), (second, 1.0), (first, 1.0)):
        expected = list(_ratings_above(profile.pk, stars))
        assert expected and fetch_prepared(_ratings_above, profile.pk, stars) == expected
    rated = list(first.ratings.order_by("title_id").values_list("title_id", flat=True))
    for titles in (rated[:2], rated[1:3], rated[:3], [rated[0], -5]):  # a list is compiled once per length
        assert fetch_prepared(_ratings_of_titles, first.pk, titles) == [(t,) for t in sorted(set(titles) & set(rated))]


def test_a_query_that_does_not_keep_its_argument_as_a_parameter_is_refused(db):
    from recommendations.ranking import fetch_prepared

    with pytest.raises(ValueError, match="_ratings_by_title"):
        fetch_prepared(_ratings_by_title, "Heat")  # icontains wraps the value in %...%
    with pytest.raises(ValueError, match="empty list"):
        fetch_prepared(_ratings_of_titles, 1, [])


def test_titles_are_available_only_while_their_window_in_the_region_is_open(world):
    from recommendations.ranking import ProfileContext, available

    fan = world.fans["action"][0]
    here, now = fan.account.region, timezone.now()
    ended, upcoming, running, unrestricted = world.action[-4:]
    TitleAvailability.objects.create(title=ended, region=here, available_until=now - timedelta(days=1))
    TitleAvailability.objects.create(title=upcoming, region=here, available_from=now + timedelta(days=1))
    TitleAvailability.objects.create(
        title=running, region=here, available_from=now - timedelta(days=1), available_until=now + timedelta(days=1)
    )
    ctx = ProfileContext(fan, here.pk, allowed_ratings=None, version=None, seen=set(), disliked=set(),
                         liked_recent=[], favourite_genres=[], favourite_titles=[])
    ids = [ended.pk, upcoming.pk, running.pk, unrestricted.pk]

    assert available(ctx, ids) == [running.pk, unrestricted.pk]
    assert set(Title.objects.available_in(here).filter(pk__in=ids).values_list("pk", flat=True)) == {
        running.pk, unrestricted.pk,
    }


def row(rows, key):
    found = [r for r in rows if r.key == key]
    assert found, f"no {key} row among {[r.key for r in rows]}"
    return found[0]


def test_a_title_shows_in_at_most_two_rows_of_a_page(world):
    training.train_recommender()
    for fan in (world.fans["action"][0], world.fans["romance"][4]):
        rows = services.rows_for(fan, limit=6)
        assert len(rows) >= 4
        rows_of: dict[int, int] = {}
        for r in rows:
            assert len({i.title_id for i in r.items}) == len(r.items)
            for item in r.items:
                rows_of[item.title_id] = rows_of.get(item.title_id, 0) + 1
        assert max(rows_of.values()) <= 2


def _newcomer(world, name, **picks):
    profile = make_profile(make_account(region=world.region), name=name, onboarded_at=timezone.now())
    if "titles" in picks:
        profile.favourite_titles.set(picks["titles"])
    return profile


def test_each_reason_says_how_the_profile_came_to_the_title(world):
    training.train_recommender()
    picker = _newcomer(world, "picker", titles=[world.romance[0]])
    thumbs = _newcomer(world, "thumbs")
    rate(thumbs, world.romance[1], thumb=1)
    watcher = _newcomer(world, "watcher")
    watch(watcher, world.romance[2], completion=1.0)

    for profile, verb, anchor in ((picker, "picked", world.romance[0]), (thumbs, "liked", world.romance[1]),
                                  (watcher, "watched", world.romance[2])):
        rows = services.rows_for(profile, limit=6)
        assert row(rows, "because_you_watched").heading == f"Because you {verb} {anchor.name}"
        reasons = {item.reason for item in all_items(rows)}
        assert not {r for r in reasons if r.startswith("Because you") and not r.startswith(f"Because you {verb}")}
    assert any(i.reason == f"Because you watched {world.romance[2].name}" for i in all_items(services.rows_for(watcher)))


def test_new_for_you_gives_no_because_you_watched_reason(world):
    training.train_recommender()
    fan = world.fans["action"][1]
    new = row(services.rows_for(fan, only={"new_for_you"}), "new_for_you")
    assert new.items and not [i.reason for i in new.items if i.reason.startswith("Because")]


def test_continue_watching_leads_with_started_unfinished_titles_and_lets_finished_ones_go(world):
    training.train_recommender()
    fan = world.fans["romance"][5]
    now = timezone.now()
    halfway = watch(fan, world.action[0], completion=0.4, when=now - timedelta(minutes=30))
    watch(fan, world.action[1], completion=0.2, when=now - timedelta(minutes=10))
    watch(fan, world.action[2], completion=0.95, when=now - timedelta(minutes=5))  # finished
    rows = services.rows_for(fan)
    assert rows[0].key == "continue_watching"
    assert [i.title_id for i in rows[0].items] == [world.action[1].pk, world.action[0].pk]  # the latest first
    assert rows[0].items[1].reason == "Resume: 40% watched"

    halfway.completion = 1.0
    halfway.save()
    rows = services.rows_for(fan)
    assert [i.title_id for i in row(rows, "continue_watching").items] == [world.action[1].pk]


def test_kids_rows_are_filled_from_the_whole_eligible_catalogue(world):
    """The world's 20 titles are not rated (above any maturity limit) and fill everyone's top N: kids
    rows still come full of the G titles."""
    from catalog.models import Title as T

    kids_titles = [make_title(f"Cartoon {i}", genres=["Animation"], tags=["talking animals"], year=2000 + i,
                              maturity_rating=T.Maturity.G) for i in range(40)]
    child = make_profile(make_account(region=world.region), name="child", maturity_limit="kids",
                         onboarded_at=timezone.now())
    for title in kids_titles[:3]:
        watch(child, title, completion=1.0)
    fans = world.fans["action"] + world.fans["romance"]
    for n, title in enumerate(kids_titles[:15]):  # the first 15 cartoons have some activity: they can trend
        watch(fans[n % len(fans)], title, completion=1.0)
    training.train_recommender()

    allowed = {t.pk for t in kids_titles[3:]}
    from recommendations.models import Candidate

    # Batch scoring itself proposes only unseen titles the profile may see, so none is wasted at request time.
    stored = set(Candidate.objects.filter(profile=child).values_list("title_id", flat=True))
    assert stored and stored <= allowed
    rows = services.rows_for(child, limit=6)
    assert {"top_picks", "trending", "new_for_you"} <= {r.key for r in rows}
    for r in rows:
        assert {i.title_id for i in r.items} <= allowed, r.key
    assert {r.key: len(r.items) for r in rows if r.key in {"top_picks", "trending", "new_for_you"}} == dict.fromkeys(("top_picks", "trending", "new_for_you"), 6)
    assert len({i.title_id for i in all_items(rows)}) >= 12
