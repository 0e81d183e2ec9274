"""Artwork candidates, approval, bandit serving with true propensities, the learner and the gate."""

import io
from datetime import timedelta

import numpy as np
import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image
from subscriber_pages import fresh_cache  # noqa: F401  (autouse: the taste and policy state live in the cache)

from activity.models import Impression, ViewingEvent
from artwork import bandits, candidates, gate, learning
from artwork.models import BanditPolicy, PolicyState
from artwork.services import arm_probabilities, choose_artwork, forget_live_state
from catalog.models import MediaAsset
from factories import make_profile, make_title

pytestmark = pytest.mark.django_db


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def textured(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (120, 180, 3))


def image_asset(title, pixels, role="artwork"):
    asset = MediaAsset(title=title, kind="image", role=role, status="ready")
    asset.file.save(f"{role}-{title.pk}.png", ContentFile(png(pixels)), save=True)
    return asset


def live(name):
    BanditPolicy.objects.update(is_live=False)
    BanditPolicy.objects.filter(name=name).update(is_live=True)
    forget_live_state()
    return BanditPolicy.objects.get(name=name)


def test_black_and_blurred_frames_score_below_a_sharp_one_and_duplicates_are_marked():
    title = make_title("Scored")
    sharp = candidates.add_candidate(image_asset(title, textured(1)))
    black = candidates.add_candidate(image_asset(title, np.zeros((120, 180, 3))))
    blurred = candidates.add_candidate(image_asset(title, np.full((120, 180, 3), 128) + np.linspace(0, 20, 180)[None, :, None]))
    again = candidates.add_candidate(image_asset(title, textured(1)))

    assert black.components["black_penalty"] == 1.0 and blurred.components["blur_penalty"] == 1.0
    assert sharp.score > blurred.score and sharp.score > black.score
    assert again.duplicate_of == sharp and again.score < sharp.score
    assert set(sharp.crops) == {"2:3", "16:9"}
    x, y, w, h = sharp.crops["2:3"]
    assert abs(w / h - 2 / 3) < 0.02 and x + w <= 180 and y + h <= 120


def test_only_approved_candidates_are_served_and_the_poster_is_the_fallback():
    live("uniform")
    profile, title = make_profile(), make_title("Approval")
    poster = image_asset(title, textured(2), role="poster")
    shown = candidates.add_candidate(image_asset(title, textured(3)))
    hidden = candidates.add_candidate(image_asset(title, textured(4)))

    assert choose_artwork(profile, [title])[title.pk].asset_id == poster.pk  # nothing approved yet
    candidates.approve([shown])
    served = {choose_artwork(profile, [title], session=f"s{i}")[title.pk].asset_id for i in range(30)}
    assert served == {shown.asset_id}
    assert hidden.asset_id not in served


@pytest.mark.parametrize("policy", ["uniform", "epsilon-greedy", "thompson", "linear-ts"])
def test_logged_propensities_are_the_policys_and_sum_to_one_over_a_titles_arms(policy):
    live(policy)
    profile, title = make_profile(), make_title("Arms")
    arms = [candidates.add_candidate(image_asset(title, textured(10 + i))) for i in range(3)]
    candidates.approve(arms)

    probabilities = arm_probabilities(profile, title, session="one")
    assert set(probabilities) == {a.asset_id for a in arms}
    assert sum(probabilities.values()) == pytest.approx(1.0)
    assert min(probabilities.values()) > 0  # exploration is never zero
    choice = choose_artwork(profile, [title], session="one")[title.pk]
    assert choice.policy == policy and choice.propensity == pytest.approx(probabilities[choice.asset_id])


def test_a_profile_sees_the_same_artwork_within_a_session():
    live("uniform")
    profile, title = make_profile(), make_title("Stable")
    candidates.approve([candidates.add_candidate(image_asset(title, textured(20 + i))) for i in range(4)])
    first = choose_artwork(profile, [title], session="abc")[title.pk]
    assert all(choose_artwork(profile, [title], session="abc")[title.pk] == first for _ in range(5))
    assert len({choose_artwork(profile, [title], session=f"x{i}")[title.pk].asset_id for i in range(40)}) > 1


def test_a_row_costs_one_query_once_the_policy_and_segment_are_cached(django_assert_num_queries):
    live("thompson")
    profile = make_profile()
    titles = [make_title(f"Row {i}") for i in range(5)]
    for title in titles:
        candidates.approve([candidates.add_candidate(image_asset(title, textured(title.pk)))])
    choose_artwork(profile, titles)  # warms the live state and the profile's segment
    with django_assert_num_queries(1):
        choose_artwork(profile, titles)


def _log(profile, title, asset, shown_at, played: bool):
    Impression.objects.create(profile=profile, title=title, surface="home", artwork_id=asset.asset_id,
                              policy="uniform", propensity=0.5, shown_at=shown_at)
    if played:
        ViewingEvent.objects.create(profile=profile, title=title, started_at=shown_at + timedelta(minutes=5))


def test_the_learner_folds_closed_windows_once_and_rerunning_changes_nothing():
    policy = live("thompson")
    # The reward is a play of the title, so the two arms are shown to different profiles.
    profile, other, title = make_profile(), make_profile(), make_title("Learn")
    good, bad = (candidates.add_candidate(image_asset(title, textured(30 + i))) for i in range(2))
    now = timezone.now()
    old = now - timedelta(days=3)
    for i in range(6):
        _log(profile, title, good, old + timedelta(minutes=i), played=True)
        _log(other, title, bad, old + timedelta(minutes=i), played=False)
    _log(other, title, good, now - timedelta(minutes=1), played=False)  # its window is still open

    state = learning.learn(policy, now=now)
    assert state.version == 1
    assert learning.learn(policy, now=now) is None  # idempotent
    assert PolicyState.objects.filter(policy=policy).count() == 1
    counts = state.params["segments"]["new"]
    assert counts[str(good.asset_id)] == [6.0, 0.0] and counts[str(bad.asset_id)] == [0.0, 6.0]

    later = learning.learn(policy, now=now + timedelta(days=2))  # the open window has closed now
    assert later.version == 2 and later.params["segments"]["new"][str(good.asset_id)] == [6.0, 1.0]


def test_the_learner_writes_no_version_when_only_fallback_posters_were_shown():
    policy = live("thompson")
    profile, title = make_profile(), make_title("Poster only")
    poster = image_asset(title, textured(35), role="poster")
    shown = candidates.add_candidate(image_asset(make_title("Candidate"), textured(36)))
    now = timezone.now()
    for i in range(5):  # cards of a title with no approved candidate: the poster, policy "default"
        Impression.objects.create(profile=profile, title=title, surface="home", artwork_id=poster.pk,
                                  policy="default", propensity=1.0, shown_at=now - timedelta(days=3, minutes=i))
    assert learning.learn(policy, now=now) is None
    assert learning.learn(policy, now=now + timedelta(minutes=10)) is None  # the next beat run: still nothing
    assert not PolicyState.objects.filter(policy=policy).exists()

    _log(profile, shown.title, shown, now - timedelta(days=2), played=True)  # a candidate shown: new data
    state = learning.learn(policy, now=now)
    assert state.version == 1 and state.params["segments"]["new"] == {str(shown.asset_id): [1.0, 0.0]}


def test_the_gate_refuses_a_policy_whose_doubly_robust_estimate_is_worse():
    profile, other, title = make_profile(), make_profile(), make_title("Gate")
    good, bad = (candidates.add_candidate(image_asset(title, textured(40 + i))) for i in range(2))
    candidates.approve([good, bad])
    old = timezone.now() - timedelta(days=3)
    for i in range(20):
        _log(profile, title, good, old + timedelta(minutes=i), played=True)
        _log(other, title, bad, old + timedelta(minutes=i), played=False)
    greedy = live("epsilon-greedy")
    learning.learn(greedy)  # it learns that `good` wins and shows it 95% of the time
    uniform = BanditPolicy.objects.get(name="uniform")

    refused = gate.promote(uniform)
    assert not refused.promoted and refused.candidate.estimate < refused.live.estimate
    assert BanditPolicy.objects.get(is_live=True) == greedy
    forget_live_state()
    BanditPolicy.objects.filter(pk=greedy.pk).update(is_live=False)
    BanditPolicy.objects.filter(pk=uniform.pk).update(is_live=True)
    assert gate.promote(greedy).promoted


def test_bandit_vectors_are_distributions_for_every_kind():
    arms = [bandits.Arm(i, {"faces": i % 2, "brightness": i / 4}) for i in range(4)]
    for kind in ("uniform", "epsilon", "thompson", "lints"):
        p = bandits.probabilities(kind, {}, "Drama", arms)
        assert p.sum() == pytest.approx(1.0) and (p > 0).all()


def test_staff_see_candidate_take_rates_and_the_gate_refuses_through_the_admin(client):
    from django.urls import reverse

    from factories import make_account

    client.force_login(make_account("boss@x.test", is_staff=True, is_superuser=True))
    profile, title = make_profile(), make_title("Admin")
    shown = candidates.add_candidate(image_asset(title, textured(50)))
    _log(profile, title, shown, timezone.now() - timedelta(days=2), played=True)
    page = client.get(reverse("admin:artwork_artworkcandidate_changelist"))
    assert page.status_code == 200 and "1/1 = 1.000" in page.content.decode()
    uniform = BanditPolicy.objects.get(name="uniform")
    page = client.post(reverse("admin:artwork_banditpolicy_changelist"),
                       {"action": "promote", "_selected_action": [BanditPolicy.objects.get(name="thompson").pk]},
                       follow=True)
    assert page.status_code == 200
    assert BanditPolicy.objects.get(is_live=True) == uniform  # nothing logged to compare on: refused


@pytest.mark.parametrize("kind", ["uniform", "epsilon", "thompson", "lints"])
def test_a_titles_vector_is_the_same_alone_or_in_a_batched_row(kind):
    rows = [[bandits.Arm(10 * t + a, {"faces": (t + a) % 2, "brightness": 0.1 * a}) for a in range(2 + t % 3)]
            for t in range(9)]
    params = bandits.update(kind, {}, [("Drama", arm.arm_id, arm.features, float(arm.arm_id % 3 == 0))
                                       for row in rows for arm in row] * 5)
    compiled = bandits.compile_state(kind, params)
    batched = bandits.row_probabilities(compiled, "Drama", rows)
    for arms, p in zip(rows, batched, strict=True):
        assert p.sum() == pytest.approx(1.0) and p.min() > 0
        assert np.allclose(p, bandits.probabilities(kind, params, "Drama", arms))


def test_staff_insights_chart_take_rates_name_segment_winners_and_show_what_a_profile_would_see(client):
    from django.urls import reverse

    from artwork import reports
    from factories import make_account, watch

    live("uniform")
    client.force_login(make_account("chief@x.test", is_staff=True, is_superuser=True))
    viewer = make_profile(maturity_limit="kids")
    watch(viewer, make_title("Seen", genres=["Animation"]), when=timezone.now() - timedelta(days=10))
    title, adult = make_title("Shown", maturity_rating="G"), make_title("Grown-up", maturity_rating="R")
    good, bad = (candidates.add_candidate(image_asset(title, textured(60 + i))) for i in range(2))
    candidates.approve([good, bad, candidates.add_candidate(image_asset(adult, textured(70)))])
    cache.clear()
    now = timezone.now()
    for k in range(24):  # `good` is played after 3 of 4 impressions, `bad` after 1 of 4
        _log(viewer, title, good if k % 2 else bad, now - timedelta(days=1, hours=25 * k), played=k % 8 in (1, 3, 5, 2))  # 25 h apart: one reward window each

    winners = reports.segment_winners(min_shown=5)
    assert [(w.segment, w.asset_id) for w in winners] == [("Animation", good.asset_id)]
    series = reports.take_rate_by_day(now=now)
    in_range = Impression.objects.filter(shown_at__date__gte=series.days[0]).count()
    assert in_range and sum(series.shown["uniform"]) == in_range
    assert any(rate is not None for rate in series.rates["uniform"])

    url = reverse("admin:artwork_banditpolicy_insights")
    page = client.get(url, {"profile": viewer.pk}).content.decode()
    assert "<svg" in page and "Take rate per day" in page and "Animation" in page
    assert "Shown" in page and "Grown-up" not in page  # only what the profile may see
    assert f"#{good.asset_id}: 0.500" in page
    assert "no profile with id" in client.get(url, {"profile": "nope"}).content.decode()


def test_a_linear_state_of_another_dimension_restarts_from_the_prior_instead_of_failing():
    old = {"A": np.eye(54).tolist(), "b": [0.0] * 54}  # learned with 8 segment slots
    arms = [bandits.Arm(1, {"faces": 1}), bandits.Arm(2, {"dark": 1})]
    assert bandits.probabilities("lints", old, "Drama", arms).sum() == pytest.approx(1.0)
    updated = bandits.update("lints", old, [("Drama", 1, {"faces": 1}, 1.0)])
    assert len(updated["A"]) == bandits.JOINT_DIM
