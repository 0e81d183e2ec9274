"""Serving previews: a window chosen per profile with its true propensity, the pages that play and log
it, learning from plays (Thompson and linear), and the viewer's session."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from preview_footage import video_title

from activity.models import ViewingEvent
from artwork import bandits, learning, viewer
from artwork.models import BanditPolicy, PolicyState, PreviewCandidate, PreviewImpression
from artwork.services import choose_preview, forget_live_state, preview_probabilities
from factories import make_profile, make_title, signed_in

pytestmark = pytest.mark.django_db


def live(name):
    BanditPolicy.objects.update(is_live=False)
    BanditPolicy.objects.filter(name=name).update(is_live=True)
    forget_live_state()
    return BanditPolicy.objects.get(name=name)


def _windows(title, asset, n=3):
    return [
        PreviewCandidate.objects.create(
            title=title,
            asset=asset,
            first_shot=i,
            last_shot=i + 5,
            start_s=3.0 * i,
            end_s=3.0 * i + 18,
            score=1 - i / 10,
            features={"faces": i % 2, "brightness": 0.2 * i},
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("policy", ["uniform", "epsilon-greedy", "thompson", "linear-ts"])
def test_a_preview_is_a_media_fragment_chosen_with_its_true_propensity(tmp_path, policy):
    cache.clear()
    live(policy)
    profile = make_profile()
    title, asset = video_title(tmp_path)
    arms = _windows(title, asset)
    arms[2].approved = False
    arms[2].save()

    p = preview_probabilities(profile, title, session="s")
    assert (
        set(p) == {arms[0].pk, arms[1].pk} and sum(p.values()) == pytest.approx(1.0) and min(p.values()) > 0
    )
    choice = choose_preview(profile, title, session="s")
    assert choice.policy == policy and choice.propensity == pytest.approx(p[choice.preview_id])
    window = PreviewCandidate.objects.get(pk=choice.preview_id)
    assert choice.url == f"{asset.file.url}#t={window.start_s:g},{window.end_s:g}"
    assert all(choose_preview(profile, title, session="s") == choice for _ in range(3))  # stable in a session
    served = {choose_preview(profile, title, session=f"x{i}").preview_id for i in range(40)}
    assert arms[2].pk not in served


def test_without_a_live_policy_the_best_window_plays_with_propensity_one(tmp_path):
    cache.clear()
    BanditPolicy.objects.update(is_live=False)
    forget_live_state()
    title, asset = video_title(tmp_path)
    arms = _windows(title, asset)
    choice = choose_preview(make_profile(), title)
    assert (choice.preview_id, choice.propensity, choice.policy) == (arms[0].pk, 1.0, "default")
    assert choose_preview(make_profile(), make_title("No video")) is None


def test_the_title_page_and_a_card_hover_play_the_chosen_preview_and_log_it(client, tmp_path):
    cache.clear()
    live("uniform")
    profile = make_profile(onboarded_at=timezone.now())
    title, asset = video_title(tmp_path)
    _windows(title, asset)
    signed_in(client, profile)

    page = client.get(reverse("storefront:title", args=[title.pk])).content.decode()
    logged = PreviewImpression.objects.get(surface="title")
    assert "data-title-preview" in page and "muted" in page and f"#t={logged.preview.start_s:g}," in page
    assert logged.propensity == pytest.approx(1 / 3) and logged.policy == "uniform"

    hover = client.get(reverse("storefront:card_preview", args=[title.pk]))
    assert hover.status_code == 200 and "#t=" in hover.json()["url"]
    assert PreviewImpression.objects.filter(surface="card", profile=profile, title=title).count() == 1

    plain = make_title("Still only")
    assert client.get(reverse("storefront:card_preview", args=[plain.pk])).status_code == 204
    assert (
        "data-title-preview" not in client.get(reverse("storefront:title", args=[plain.pk])).content.decode()
    )


def test_the_preview_learner_folds_closed_windows_once_and_keeps_its_own_versions(tmp_path):
    policy = BanditPolicy.objects.get(name="thompson")
    profile = make_profile()
    title, asset = video_title(tmp_path)
    arms = _windows(title, asset, 2)
    now = timezone.now()
    for k in range(4):
        shown = now - timedelta(days=3 + 2 * k)  # windows (24 h) apart: each play rewards one impression
        PreviewImpression.objects.create(
            profile=profile,
            title=title,
            preview=arms[k % 2],
            surface="title",
            policy="thompson",
            propensity=0.5,
            shown_at=shown,
        )
        if k % 2 == 0:
            ViewingEvent.objects.create(profile=profile, title=title, started_at=shown + timedelta(minutes=3))

    state = learning.learn(policy, now=now, channel=PolicyState.Channel.PREVIEW)
    assert state.version == 1 and state.channel == "preview"
    plays, misses = state.params["arms"][str(arms[0].pk)]
    assert (plays, misses) == (2, 0) and state.params["arms"][str(arms[1].pk)] == [0, 2]
    assert learning.learn(policy, now=now, channel=PolicyState.Channel.PREVIEW) is None  # idempotent
    assert not PolicyState.objects.filter(policy=policy, channel="artwork").exists()


def test_the_linear_preview_policy_learns_from_the_windows_motion_and_tags(tmp_path):
    cache.clear()
    policy = live("linear-ts")
    title, asset = video_title(tmp_path)
    same = {"faces": 0.0, "closeup": 0.0, "brightness": 0.5, "colour": 0.3, "dark": 0.0}  # as artwork arms see them

    def window(i, motion, tags):
        return PreviewCandidate.objects.create(title=title, asset=asset, first_shot=i, last_shot=i + 5,
                                               start_s=3.0 * i, end_s=3.0 * i + 18, score=0.5,
                                               features={**same, "motion": motion}, tags=tags)

    # `still` first: with indistinguishable arms every draw ties and argmax would favour the first window.
    still, lively = window(0, 0.0, ["dialogue"]), window(1, 0.9, ["chase", "explosion"])
    now = timezone.now()
    for k in range(120):  # each impression its own profile, so a play rewards only the window it follows
        viewer, shown = make_profile(), now - timedelta(days=3, minutes=k)
        arm = lively if k % 2 else still
        PreviewImpression.objects.create(profile=viewer, title=title, preview=arm, surface="title",
                                         policy="uniform", propensity=0.5, shown_at=shown)
        if arm is lively and k % 3:
            ViewingEvent.objects.create(profile=viewer, title=title, started_at=shown + timedelta(minutes=2))
    state = learning.learn(policy, now=now, channel=PolicyState.Channel.PREVIEW)
    assert len(state.params["A"]) == bandits.joint_dim(bandits.PREVIEW_ARM_FEATURES)

    # The two windows differ only in motion and tags: the policy tells them apart by those.
    p = preview_probabilities(make_profile(), title, session="s")
    assert p[lively.pk] > 0.9 and sum(p.values()) == pytest.approx(1.0) and p[still.pk] > 0


def test_the_default_session_survives_midnight_and_ends_after_a_long_absence():
    profile = make_profile()
    cache.clear()
    before = datetime(2026, 3, 1, 23, 59, 50, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=before):
        first = viewer.session_key(profile)
    with mock.patch("django.utils.timezone.now", return_value=before + timedelta(seconds=20)):
        assert viewer.session_key(profile) == first  # the date changed, the session did not
    cache.delete(f"artwork:session:{profile.pk}")  # what the cache does after SESSION_IDLE_SECONDS away
    assert viewer.session_key(profile) != first
