"""The linear artwork policy's richer context: a profile's taste vector (genre and tag affinities from its
history, with the recommender's view of its genres) and the serving contract kept with it."""

from datetime import timedelta

import numpy as np
import pytest
from django.core.cache import cache
from django.utils import timezone
from subscriber_pages import fresh_cache  # noqa: F401  (autouse: the taste and policy state live in the cache)
from test_artwork_bandit import image_asset, live, textured

from activity.models import Impression, ViewingEvent
from artwork import bandits, candidates, learning, taste
from artwork.models import PolicyState
from artwork.services import arm_probabilities, choose_artwork, taste_context, taste_vector
from factories import make_profile, make_title, watch

pytestmark = pytest.mark.django_db
pytest_plugins = ["recommendations_world"]

HORROR, COMEDY, DRAMA = (taste.genre_slot(g) for g in ("horror", "comedy", "drama"))


def genre_block(vector) -> np.ndarray:
    return np.asarray(vector)[: taste.GENRE_SLOTS]


def test_a_profiles_taste_vector_weighs_the_genres_and_tags_it_watched():
    profile = make_profile()
    now = timezone.now()
    for i in range(3):
        watch(profile, make_title(f"Scream {i}", genres=["Horror"], tags=["haunted house"]), when=now - timedelta(days=i + 1))
    watch(profile, make_title("Laugh", genres=["Comedy"], tags=["slapstick"]), when=now - timedelta(days=5))
    hidden = watch(profile, make_title("Weepie", genres=["Drama"]), when=now - timedelta(days=6))
    ViewingEvent.objects.filter(pk=hidden.pk).update(hidden_at=now)  # removed from history: not taste

    vector = np.array(taste_vector(profile))
    genres = genre_block(vector)
    assert vector.shape == (taste.TASTE_DIM,)
    assert genres.sum() == pytest.approx(1.0)
    assert genres[HORROR] == pytest.approx(0.75) and genres[COMEDY] == pytest.approx(0.25)
    assert genres[DRAMA] == 0.0
    tags = vector[taste.GENRE_SLOTS:]
    assert tags.sum() == pytest.approx(1.0)
    assert tags[taste.tag_slot("haunted-house")] >= 0.75


def test_a_title_with_several_genres_splits_its_view_and_unknown_genres_share_the_other_slot():
    profile = make_profile()
    watch(profile, make_title("Mixed", genres=["Horror", "Space Opera"]), completion=0.5)
    genres = genre_block(taste_vector(profile))
    assert genres[HORROR] == pytest.approx(0.5) and genres[taste.OTHER_GENRE] == pytest.approx(0.5)


def test_a_new_profile_and_no_profile_get_the_neutral_vector_without_a_model():
    from recommendations.services import profile_genre_scores

    new = make_profile()
    assert profile_genre_scores([new.pk]) == {}  # no active model: the fallback is clean
    assert taste_vector(new) == tuple(taste.NEUTRAL_TASTE)
    assert taste_vector(None) == tuple(taste.NEUTRAL_TASTE)
    assert taste_context(new) == taste.Context("new")


def test_the_recommenders_genre_scores_count_in_the_taste_of_its_profiles(world):
    from recommendations import training
    from recommendations.services import profile_genre_scores

    training.train_recommender(evaluate=False)
    fan = world.fans["action"][0]
    scores = profile_genre_scores([fan.pk, 10**9])
    assert set(scores) == {fan.pk}  # a profile the model has not seen has no scores
    assert scores[fan.pk]["action"] > scores[fan.pk]["romance"]

    cache.clear()
    ViewingEvent.objects.filter(profile=fan).delete()  # the model still knows the fan; the history is gone
    genres = genre_block(taste_vector(fan))
    assert genres.sum() == pytest.approx(1.0)  # from the recommender alone
    assert genres[taste.genre_slot("action")] > genres[taste.genre_slot("romance")]


def test_the_embedding_distribution_ignores_unknown_genres_and_flat_scores():
    shares = taste.embedding_genres({"horror": 2.0, "comedy": 0.0, "not-a-genre": 9.0})
    assert set(shares) == {"horror", "comedy"} and shares["horror"] > shares["comedy"]
    assert sum(shares.values()) == pytest.approx(1.0)
    assert taste.embedding_genres({"horror": 1.0, "comedy": 1.0}) == {}


def test_bad_taste_input_gets_a_named_error():
    with pytest.raises(ValueError, match="TASTE_DIM"):
        taste.Context("Drama", (0.5, 0.5))
    with pytest.raises(ValueError, match="'horror'"):
        taste.taste_vector({"horror": -1.0}, {})


def _fans(genre: str, n: int, now):
    profiles = []
    for i in range(n):
        profile = make_profile()
        for k in range(3):
            watch(profile, make_title(f"{genre} {i}.{k}", genres=[genre]), when=now - timedelta(days=30 + k))
        profiles.append(profile)
    return profiles


def test_with_taste_context_propensities_sum_to_one_choices_are_stable_and_learning_is_idempotent():
    policy = live("linear-ts")
    now = timezone.now()
    horror_fans, comedy_fans = _fans("Horror", 4, now), _fans("Comedy", 4, now)
    title = make_title("Shown")
    dark = candidates.add_candidate(image_asset(title, textured(80)))
    faces = candidates.add_candidate(image_asset(title, textured(81)))
    candidates.approve([dark, faces])
    from artwork.models import ArtworkCandidate

    ArtworkCandidate.objects.filter(pk=dark.pk).update(features={"dark": 1.0, "brightness": 0.1})
    ArtworkCandidate.objects.filter(pk=faces.pk).update(features={"faces": 1.0, "closeup": 1.0, "brightness": 0.7})
    # Horror fans play after the dark image, comedy fans after the faces image; 50 h apart, so each
    # impression has its own 24 h reward window.
    base = now - timedelta(hours=50 * 20 + 72)
    impressions, plays = [], []
    for k in range(20):
        at = base + timedelta(hours=50 * k)
        for fans, liked, other in ((horror_fans, dark, faces), (comedy_fans, faces, dark)):
            for profile in fans:
                impressions += [
                    Impression(profile=profile, title=title, surface="home", artwork_id=liked.asset_id,
                               policy="uniform", propensity=0.5, shown_at=at),
                    Impression(profile=profile, title=title, surface="home", artwork_id=other.asset_id,
                               policy="uniform", propensity=0.5, shown_at=at + timedelta(hours=2)),
                ]
                plays.append(ViewingEvent(profile=profile, title=title, started_at=at + timedelta(hours=1),
                                          completion=0.1))
    Impression.objects.bulk_create(impressions)
    ViewingEvent.objects.bulk_create(plays)
    cache.clear()

    state = learning.learn(policy, now=now)
    assert state is not None and len(state.params["A"]) == bandits.JOINT_DIM
    assert learning.learn(policy, now=now) is None  # idempotent past the watermark
    assert PolicyState.objects.filter(policy=policy).count() == 1

    cache.clear()
    horror_p = arm_probabilities(horror_fans[0], title)
    comedy_p = arm_probabilities(comedy_fans[0], title)
    for p in (horror_p, comedy_p):
        assert sum(p.values()) == pytest.approx(1.0) and min(p.values()) > 0
    # The taste vector tells the two apart, which the learned state acts on.
    assert taste_vector(horror_fans[0]) != taste_vector(comedy_fans[0])
    assert horror_p[dark.asset_id] > comedy_p[dark.asset_id]

    for profile in (horror_fans[0], comedy_fans[0], make_profile()):
        probabilities = arm_probabilities(profile, title)
        first = choose_artwork(profile, [title], session="s1")[title.pk]
        assert first.propensity == pytest.approx(probabilities[first.asset_id])  # the true propensity
        again = [choose_artwork(profile, [title], session="s1")[title.pk].asset_id for _ in range(5)]
        assert set(again) == {first.asset_id}  # stable within a session


def test_the_learner_reads_the_taste_without_the_rewarded_titles_own_views():
    from artwork.viewer import learning_contexts

    profile = make_profile()
    now = timezone.now()
    watch(profile, make_title("Laugh", genres=["Comedy"]), when=now - timedelta(days=9))
    shown = make_title("Scream", genres=["Horror"])
    watch(profile, shown, when=now - timedelta(days=2))  # the play that rewards an impression of `shown`

    served = genre_block(taste_vector(profile))
    learned = learning_contexts({profile.pk: profile}, {(profile.pk, shown.pk)})[profile.pk, shown.pk]
    assert served[HORROR] == pytest.approx(0.5)
    assert genre_block(learned.vector)[HORROR] == 0.0 and genre_block(learned.vector)[COMEDY] == pytest.approx(1.0)
    assert learned.segment == taste_context(profile).segment

    other = make_profile()  # read in the same batch: each profile keeps its own history
    watch(other, make_title("Western", genres=["Western"]), when=now - timedelta(days=3))
    both = learning_contexts({profile.pk: profile, other.pk: other}, {(profile.pk, shown.pk), (other.pk, shown.pk)})
    assert both[profile.pk, shown.pk] == learned
    assert both[other.pk, shown.pk].taste == taste_vector(other)
