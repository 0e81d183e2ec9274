"""The two-stage ranker in production: its top picks keep the generator that proposed them, and the
reason shown names that generator and stays true (an anchor is a title the profile liked)."""

import pytest

from recommendations import services, training
from recommendations.models import Candidate
from recommendations.ranking import GENERATOR_REASONS

pytestmark = pytest.mark.django_db
pytest_plugins = ["recommendations_world"]


def test_item_to_item_picks_are_anchored_on_a_title_the_profile_liked(world):
    version = training.train_recommender()
    assert version.ranker
    picks = Candidate.objects.filter(model_version=version, source=Candidate.Source.MODEL)
    anchored = picks.filter(generator__in=["item_knn", "ease"], anchor__isnull=False)
    assert anchored.exists()
    for profile_id, title_id, anchor_id in anchored.values_list("profile_id", "title_id", "anchor_id"):
        watched = {pk for pk, completion in world_views(profile_id) if completion >= 0.9}
        assert anchor_id in watched and title_id not in {pk for pk, _ in world_views(profile_id)}
    assert not picks.exclude(generator__in=["item_knn", "ease"]).filter(anchor__isnull=False).exists()


def world_views(profile_id):
    from activity.models import ViewingEvent

    return ViewingEvent.objects.filter(profile_id=profile_id).values_list("title_id", "completion")


def test_top_pick_reasons_name_the_generator_that_proposed_them(world):
    version = training.train_recommender()
    fan = world.fans["action"][0]
    watched = fan.viewing_events.filter(completion__gte=0.9).select_related("title").first().title
    not_liked = world.romance[0]  # never watched by an action fan's history in full: not an anchor to name
    picks = list(Candidate.objects.filter(model_version=version, profile=fan, source=Candidate.Source.MODEL)
                 .order_by("rank"))
    assert len(picks) >= 4
    proposed = {
        picks[0].title_id: ("user_knn", None),
        picks[1].title_id: ("popularity", None),
        picks[2].title_id: ("item_knn", watched.pk),
        picks[3].title_id: ("ease", not_liked.pk),
    }
    for pick in picks[:4]:
        pick.generator, pick.anchor_id = proposed[pick.title_id]
        pick.save()
    for pick in picks[4:]:
        pick.delete()

    reasons = {item.title_id: item.reason for item in services.rows_for(fan, only={"top_picks"})[0].items}
    assert reasons[picks[0].title_id] == GENERATOR_REASONS["user_knn"]
    assert reasons[picks[1].title_id] == GENERATOR_REASONS["popularity"]
    assert reasons[picks[2].title_id] == f"Because you watched {watched.name}"
    # An anchor the profile does not like is never named; the pick falls back to the hybrid's reasons.
    assert not_liked.name not in reasons[picks[3].title_id]


def test_the_ranker_file_reproduces_the_version_s_stored_picks(world):
    """What a fan-out worker loads (ranker, coverage weight, rebuilt generators) scores as training did."""
    import numpy as np

    from recommendations import ranker

    version = training.train_recommender()
    emb = training.load_artifact(version)
    ranker._loaded.clear()
    model = ranker.load_ranker(version, emb)
    fan = world.fans["romance"][2]
    stored = list(Candidate.objects.filter(model_version=version, profile=fan, source=Candidate.Source.MODEL)
                  .values_list("title_id", "score"))
    assert stored
    column = {int(pk): i for i, pk in enumerate(emb.item_ids.tolist())}
    scores = model.score(np.array([list(emb.user_ids).index(fan.pk)]))[0]
    assert np.allclose([scores[column[t]] for t, _ in stored], [s for _, s in stored], rtol=1e-5)
