"""Preview windows from detected shots, their black-frame check, personalised serving, logging and learning."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from django.core.cache import cache
from django.core.files import File
from django.urls import reverse
from django.utils import timezone
from tagging_media import shot, write_video

from activity.models import ViewingEvent
from artwork import bandits, learning, previews, viewer
from artwork.models import BanditPolicy, PolicyState, PreviewCandidate, PreviewImpression
from artwork.services import choose_preview, forget_live_state, preview_probabilities
from catalog.models import MediaAsset
from factories import make_profile, make_tag, make_title, signed_in
from tagging.models import Keyframe, Shot, TagSuggestion
from tagging.services import ShotSummary

pytestmark = pytest.mark.django_db


def summary(index, start, end, *, motion=0.03, faces=0, brightness=0.5, text=0.0, black=False, tags=()):
    return ShotSummary(
        asset_id=1,
        index=index,
        start_s=start,
        end_s=end,
        transition="cut",
        motion=motion,
        brightness=brightness,
        faces=faces,
        largest_face=0.1 if faces else 0.0,
        text=text,
        colourfulness=30.0,
        black=black,
        tags=tuple(tags),
    )


def four_second_shots(n, special=None):
    return [summary(i, 4.0 * i, 4.0 * (i + 1), **(special or {}).get(i, {})) for i in range(n)]


def test_windows_are_15_to_30_seconds_of_whole_shots_without_black_credits_or_static_stretches():
    shots = four_second_shots(
        14,
        {
            5: {"black": True},
            13: {"text": 0.4},
            0: {"tags": ["chase"]},
            1: {"tags": ["city", "night"], "faces": 1},
        },
    )
    windows = previews.candidate_windows(shots)
    starts, ends = {s.start_s for s in shots}, {s.end_s for s in shots}
    assert windows
    for window in windows:
        assert 15 <= window.duration_s <= 30
        assert window.start_s in starts and window.end_s in ends
        assert not window.first_shot <= 5 <= window.last_shot  # the black shot
        assert window.last_shot < 13  # the credits
    assert [w.score for w in windows] == sorted((w.score for w in windows), reverse=True)
    first = next(w for w in windows if w.first_shot == 0)
    assert first.tags == ["chase", "city", "night"] and first.components["faces"] > 0
    assert set(first.features) >= {"faces", "closeup", "brightness", "colour", "dark", "motion"}

    still = four_second_shots(10, {i: {"motion": 0.0} for i in (3, 4)})  # 8 s without motion
    assert all(not (w.first_shot <= 3 and w.last_shot >= 4) for w in previews.candidate_windows(still))


def test_a_livelier_window_with_faces_and_more_tags_scores_higher():
    dull = previews.score_window(four_second_shots(5, {i: {"motion": 0.005} for i in range(5)}))
    lively = previews.score_window(
        four_second_shots(5, {i: {"motion": 0.05, "faces": 1, "tags": [f"t{i}"]} for i in range(5)})
    )
    assert lively.score > dull.score


def test_a_video_shorter_than_15_seconds_offers_its_longest_clean_run():
    shots = [summary(0, 0, 1, black=True), summary(1, 1, 4), summary(2, 4, 8), summary(3, 8, 9, black=True)]
    (window,) = previews.candidate_windows(shots)
    assert (window.start_s, window.end_s, window.components["short"]) == (1, 8, True)


FPS = 8.0
SHOT_FRAMES = 24  # 3 s shots


def _demo_video(tmp_path: Path) -> Path:
    """Eight 3 s shots; shot 2 fades in from black over its first second."""
    frames = []
    for k in range(8):
        part = shot(40 + k, SHOT_FRAMES, pan=2.0)
        if k == 2:
            part = [(f * min(1.0, i / FPS)).astype(np.uint8) for i, f in enumerate(part)]
        frames += part
    return write_video(tmp_path / "demo.avi", frames, fps=FPS)


def _video_title(tmp_path, name="Preview"):
    title = make_title(name)
    path = _demo_video(tmp_path)
    asset = MediaAsset(
        title=title, kind=MediaAsset.Kind.VIDEO, role=MediaAsset.Role.TRAILER, status=MediaAsset.Status.READY
    )
    with path.open("rb") as handle:
        asset.file.save("demo.avi", File(handle), save=True)
    tag = make_tag("chase")
    for k in range(8):
        row = Shot.objects.create(
            asset=asset,
            index=k,
            start_frame=k * SHOT_FRAMES,
            end_frame=(k + 1) * SHOT_FRAMES - 1,
            start_s=k * 3.0,
            end_s=(k + 1) * 3.0,
            transition="start" if k == 0 else "cut",
        )
        # Shot 2 looks best by its keyframe (faces, motion): only its black first frame rules it out as a start.
        keyframe = Keyframe.objects.create(
            shot=row,
            frame=k * SHOT_FRAMES + 12,
            image="x.jpg",
            quality=0.8,
            motion=0.05 if k == 2 else 0.01,
            features={
                "brightness": 0.5,
                "contrast": 0.2,
                "faces": int(k == 2),
                "text": 0.0,
                "colourfulness": 30,
            },
        )
        TagSuggestion.objects.create(title=title, keyframe=keyframe, tag=tag, tagger="test", confidence=0.9)
    return title, asset


def test_proposed_previews_never_start_or_end_on_a_black_frame(tmp_path):
    title, asset = _video_title(tmp_path)
    made = previews.propose_previews(title)

    assert made and all(15 <= p.end_s - p.start_s <= 30 for p in made)
    assert all(p.start_s != 6.0 for p in made)  # shot 2 opens on black
    probe = previews.FrameProbe(asset.file.path)
    try:
        for preview in made:
            window = previews.Window(
                asset.pk, preview.first_shot, preview.last_shot, preview.start_s, preview.end_s, 0, {}, {}
            )
            assert not probe.window_is_black_at_an_end(window)
        # The check itself sees the black frame at the start of shot 2.
        assert probe.window_is_black_at_an_end(previews.Window(asset.pk, 2, 7, 6.0, 24.0, 0, {}, {}))
    finally:
        probe.close()
    assert made[0].tags == ["chase"]
    assert previews.propose_previews(title)  # idempotent: the same windows, updated in place
    assert PreviewCandidate.objects.filter(title=title).count() == len(made)


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
    title, asset = _video_title(tmp_path)
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
    title, asset = _video_title(tmp_path)
    arms = _windows(title, asset)
    choice = choose_preview(make_profile(), title)
    assert (choice.preview_id, choice.propensity, choice.policy) == (arms[0].pk, 1.0, "default")
    assert choose_preview(make_profile(), make_title("No video")) is None


def test_the_title_page_and_a_card_hover_play_the_chosen_preview_and_log_it(client, tmp_path):
    cache.clear()
    live("uniform")
    profile = make_profile(onboarded_at=timezone.now())
    title, asset = _video_title(tmp_path)
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
    title, asset = _video_title(tmp_path)
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
    title, asset = _video_title(tmp_path)
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


def test_the_command_proposes_windows_for_titles_with_video(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    title, _ = _video_title(tmp_path)
    out = StringIO()
    call_command("propose_previews", stdout=out, stderr=StringIO())
    count = PreviewCandidate.objects.filter(title=title).count()
    assert count and out.getvalue().startswith(f"{count} preview windows for 1 titles")


def test_a_video_that_finishes_the_media_pipeline_gets_preview_windows(
    tmp_path, settings, django_capture_on_commit_callbacks
):
    """No command to run: new footage is previewed as soon as the pipeline is done with it."""
    from django.core.files.base import ContentFile
    from tagging_media import video_with_cuts

    from marquee.celery import app

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TAGGING_TAGGERS = ["descriptors"]
    title = make_title("Fresh Footage")
    path, _ = video_with_cuts(tmp_path / "feature.avi", [30, 30, 36])  # 4 s: one short-video window
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            asset = MediaAsset(title=title, kind=MediaAsset.Kind.VIDEO, role=MediaAsset.Role.FEATURE,
                               original_name=path.name)
            asset.file.save(path.name, ContentFile(path.read_bytes()), save=True)
    finally:
        app.conf.task_always_eager = False

    asset.refresh_from_db()
    assert asset.status == MediaAsset.Status.READY, asset.error
    windows = list(PreviewCandidate.objects.filter(title=title))
    assert [(w.asset_id, w.start_s, round(w.end_s, 2)) for w in windows] == [(asset.pk, 0.0, 4.0)]
    choice = choose_preview(None, title)
    assert choice is not None and choice.url.endswith("#t=0,4")


def test_the_preview_task_routes_to_the_media_queue_and_skips_a_deleted_title():
    from celery import current_app

    from artwork import tasks

    route = current_app.amqp.router.route({}, "artwork.tasks.propose_previews_task")
    assert route["queue"].name == "media"
    assert tasks.propose_previews_task.run(987654) == {"title": 987654, "missing": True}
