"""Each card impression logs the taste vector its artwork was chosen with, and the learner and the offline log
read that logged context rather than rebuilding it from a history that may have grown since the impression."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from subscriber_pages import fresh_cache  # noqa: F401  (autouse: the taste and policy state live in the cache)
from test_artwork_bandit import image_asset, live, textured

from activity import impressions
from activity.impressions import BUFFER_KEY, Shown, flush_buffer, log_impressions
from activity.models import Impression, ViewingEvent
from artwork import bandits, candidates, learning, offline, taste
from artwork.models import ArtworkCandidate, PolicyState
from artwork.services import taste_vector
from artwork.viewer import learning_contexts
from factories import make_profile, make_title, watch
from storefront.cards import RowSpec, build_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_impression_buffer(settings):
    settings.IMPRESSION_BUFFER_URL = ""  # impressions are written at once; the buffer test sets its own


def _approved_title(name: str):
    title = make_title(name)
    arms = [candidates.add_candidate(image_asset(title, textured(90 + i))) for i in range(2)]
    candidates.approve(arms)
    ArtworkCandidate.objects.filter(pk=arms[0].pk).update(features={"dark": 1.0, "brightness": 0.1})
    ArtworkCandidate.objects.filter(pk=arms[1].pk).update(features={"faces": 1.0, "brightness": 0.7})
    return title, arms


def test_a_served_card_logs_the_taste_vector_it_was_chosen_with_and_a_fallback_poster_logs_none():
    live("linear-ts")
    profile = make_profile()
    watch(profile, make_title("Scream", genres=["Horror"]), when=timezone.now() - timedelta(days=2))
    served, _ = _approved_title("Served")
    poster_only = make_title("Poster only")
    image_asset(poster_only, textured(99), role="poster")

    build_rows(profile, [RowSpec("top_picks", "Top picks", [(served.pk, ""), (poster_only.pk, "")])])

    logged = dict(Impression.objects.values_list("title_id", "context"))
    used = taste_vector(profile)  # the cached vector serving read
    assert used[taste.genre_slot("horror")] == pytest.approx(1.0)
    assert logged[served.pk] == list(used)
    assert logged[poster_only.pk] is None


def test_a_buffered_card_keeps_its_context_and_old_six_field_records_still_flush(redis_url, settings):
    settings.IMPRESSION_BUFFER_URL = redis_url
    client = impressions._client(redis_url)
    client.delete(BUFFER_KEY)
    try:
        profile, title, other = make_profile(), make_title(), make_title()
        vector = tuple(float(i) / taste.TASTE_DIM for i in range(taste.TASTE_DIM))
        log_impressions(profile.pk, [Shown(title.pk, "row", 0, None, "linear-ts", 0.5, vector)])
        client.rpush(BUFFER_KEY, f'[{profile.pk},"r","2026-11-29T05:00:00+00:00",[[{other.pk},"row",0,null,"p",1]]]')
        client.rpush(BUFFER_KEY, f'[{profile.pk},"r","2026-11-29T05:00:00+00:00",[[{other.pk},"row",1,null,"p",1,["x"]]]]')
        report = flush_buffer()
        assert (report.written, report.malformed) == (2, 1)  # a context of non-numbers is malformed
        assert dict(Impression.objects.values_list("title_id", "context")) == {title.pk: list(vector), other.pk: None}
    finally:
        client.delete(BUFFER_KEY)


def _history_then_impression(now):
    """A horror fan shown the dark image of a title 3 days ago and playing it an hour later."""
    profile = make_profile()
    for k in range(3):
        watch(profile, make_title(f"Scream {k}", genres=["Horror"]), when=now - timedelta(days=10 + k))
    title, arms = _approved_title("Shown")
    shown_at = now - timedelta(days=3)
    ViewingEvent.objects.create(profile=profile, title=title, started_at=shown_at + timedelta(hours=1))
    return profile, title, arms, shown_at


def _comedy_binge_after(profile, shown_at):
    # Views after the impression, of other titles and another genre: they were not what the policy saw.
    for k in range(6):
        watch(profile, make_title(f"Laugh {k}", genres=["Comedy"]), when=shown_at + timedelta(hours=2 + k))
    cache.clear()


def _relearn(policy, now):
    PolicyState.objects.filter(policy=policy).delete()
    return learning.learn(policy, now=now)


def test_the_learner_uses_the_logged_context_even_after_the_history_changed():
    policy = live("linear-ts")
    now = timezone.now()
    profile, title, arms, shown_at = _history_then_impression(now)
    served = taste_vector(profile)  # what serving saw at the impression
    Impression.objects.create(profile=profile, title=title, surface="home", artwork_id=arms[0].asset_id,
                              policy="uniform", propensity=0.5, shown_at=shown_at, context=list(served))
    before = _relearn(policy, now).params
    _comedy_binge_after(profile, shown_at)
    assert taste_vector(profile) != served  # a context rebuilt now would differ

    after = _relearn(policy, now)
    assert after.params == before
    assert learning.learn(policy, now=now) is None  # still idempotent past the watermark

    # The update is exactly the logged context's, not the rebuilt one's.
    expected = bandits.update(
        policy.kind, {}, [(taste.Context("Horror", served), arms[0].asset_id, {"dark": 1.0, "brightness": 0.1}, 1.0)],
        bandits.channel_features(PolicyState.Channel.ARTWORK),
    )
    assert after.params == expected

    # The offline log reads the same logged context for the reward model's features.
    *_, features = offline.platform_log(policy)
    assert list(features[0]) == pytest.approx(list(bandits.context_vector(taste.Context("Horror", served))[1:]))


def test_an_impression_without_a_logged_context_learns_through_the_rebuilt_one():
    policy = live("linear-ts")
    now = timezone.now()
    profile, title, arms, shown_at = _history_then_impression(now)
    Impression.objects.create(profile=profile, title=title, surface="home", artwork_id=arms[0].asset_id,
                              policy="uniform", propensity=0.5, shown_at=shown_at)  # logged before contexts were
    wrong_size = Impression.objects.create(profile=profile, title=title, surface="home", artwork_id=arms[1].asset_id,
                                           policy="uniform", propensity=0.5, shown_at=shown_at, context=[0.5, 0.5])
    before = _relearn(policy, now)
    assert before is not None and before.watermark == wrong_size.pk

    rebuilt = learning_contexts({profile.pk: profile}, {(profile.pk, title.pk)})[profile.pk, title.pk]
    expected = bandits.update(
        policy.kind, {},
        [(rebuilt, arms[0].asset_id, {"dark": 1.0, "brightness": 0.1}, 1.0),
         (rebuilt, arms[1].asset_id, {"faces": 1.0, "brightness": 0.7}, 1.0)],
        bandits.channel_features(PolicyState.Channel.ARTWORK),
    )
    assert before.params == expected
    # The fallback is the known flaw the logged context fixes: later views change a rebuilt context.
    _comedy_binge_after(profile, shown_at)
    assert _relearn(policy, now).params != before.params
