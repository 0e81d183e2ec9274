"""Preview windows from detected shots: whole shots of 15 to 30 s, scored by how lively they are, the
black-frame check at their ends, and what proposes them (the command, the media pipeline, the task on
the media queue)."""

import pytest
from preview_footage import video_title

from artwork import previews
from artwork.models import PreviewCandidate
from artwork.services import choose_preview
from catalog.models import MediaAsset
from factories import make_title
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


def test_proposed_previews_never_start_or_end_on_a_black_frame(tmp_path):
    title, asset = video_title(tmp_path)
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


def test_the_command_proposes_windows_for_titles_with_video(tmp_path):
    from io import StringIO

    from django.core.management import call_command

    title, _ = video_title(tmp_path)
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
