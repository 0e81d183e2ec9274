"""A processed video's best keyframes become artwork candidates on their own: pending staff approval, never
black or blurred, once per video, capped by ARTWORK_KEYFRAME_PROPOSALS, and not tagged a second time."""

import io

import numpy as np
import pytest
from django.core.files.base import ContentFile
from PIL import Image
from subscriber_pages import fresh_cache  # noqa: F401  (autouse: the taste and policy state live in the cache)

from artwork import candidates, proposals
from artwork.models import ArtworkCandidate, FootageProposal
from artwork.services import choose_artwork
from catalog.models import MediaAsset
from factories import make_title
from marquee.celery import app
from tagging.models import Keyframe, Shot
from tagging.services import video_processed

pytestmark = pytest.mark.django_db


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def textured(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (120, 180, 3))


BLACK = np.zeros((120, 180, 3))
BLURRED = np.full((120, 180, 3), 128.0) + np.linspace(0, 20, 180)[None, :, None]


def processed_video(title, frames: dict[str, np.ndarray]) -> tuple[MediaAsset, dict[str, Keyframe]]:
    """A ready video of the title with one shot and keyframe per frame; black and blurred frames get the
    best tagging quality, so only the aesthetic penalties keep them out."""
    video = MediaAsset(title=title, kind=MediaAsset.Kind.VIDEO, role=MediaAsset.Role.FEATURE,
                       status=MediaAsset.Status.READY)
    video.file.save("feature.avi", ContentFile(b"footage"), save=False)
    MediaAsset.objects.bulk_create([video])  # no post_save: the pipeline's run is not what is tested here
    keyframes = {}
    for index, (name, pixels) in enumerate(frames.items()):
        shot = Shot.objects.create(asset=video, index=index, start_frame=index * 24, end_frame=index * 24 + 23,
                                   start_s=float(index), end_s=index + 1.0)
        keyframe = Keyframe(shot=shot, frame=index * 24 + 12,
                            quality=0.99 if name in ("black", "blurred") else 0.5)
        keyframe.image.save(f"{name}.png", ContentFile(png(pixels)), save=True)
        keyframes[name] = keyframe
    return video, keyframes


GOOD = {f"good{i}": textured(100 + i) for i in range(4)}
FRAMES = {"black": BLACK, "blurred": BLURRED, **GOOD, "again": GOOD["good0"]}  # "again": a near-duplicate


def finish_processing(video: MediaAsset, django_capture_on_commit_callbacks) -> None:
    """What the pipeline's last step announces, with its queued tasks run in the foreground."""
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            video_processed.send(sender=MediaAsset, asset_id=video.pk, title_id=video.title_id)
    finally:
        app.conf.task_always_eager = False


def copied_keyframes(candidate_rows) -> set[int]:
    return {row.asset.metadata["copied_from_keyframe"] for row in candidate_rows}


def test_a_processed_video_proposes_its_best_distinct_frames_pending_approval(
    settings, django_capture_on_commit_callbacks
):
    settings.ARTWORK_KEYFRAME_PROPOSALS = 6
    title = make_title("Fresh Footage")
    video, keyframes = processed_video(title, FRAMES)

    finish_processing(video, django_capture_on_commit_callbacks)

    proposed = list(ArtworkCandidate.objects.filter(title=title).select_related("asset"))
    # Black, blurred and the repeated frame are left out, though tagging rated the first two best.
    assert copied_keyframes(proposed) == {keyframes[name].pk for name in GOOD}
    assert all(c.source == ArtworkCandidate.Source.KEYFRAME and not c.approved for c in proposed)
    assert all(not c.components["black_penalty"] and not c.components["blur_penalty"] for c in proposed)
    assert all(c.duplicate_of_id is None and set(c.crops) == {"2:3", "16:9"} for c in proposed)
    assert FootageProposal.objects.get(asset=video).keyframes == len(proposed)


def test_no_more_than_the_setting_are_proposed_and_they_are_the_best_scored(settings):
    settings.ARTWORK_KEYFRAME_PROPOSALS = 2
    title = make_title("Capped")
    video, _ = processed_video(title, FRAMES)

    proposals.propose_for_title(title.pk)

    from artwork import aesthetics

    best = sorted((aesthetics.assess(Image.fromarray(p.astype(np.uint8))).score for p in GOOD.values()), reverse=True)
    assert sorted(ArtworkCandidate.objects.filter(title=title).values_list("score", flat=True), reverse=True) == best[:2]
    assert FootageProposal.objects.get(asset=video).keyframes == 2


def test_proposing_again_for_the_same_video_adds_nothing(settings, django_capture_on_commit_callbacks):
    settings.ARTWORK_KEYFRAME_PROPOSALS = 3
    title = make_title("Twice")
    video, _ = processed_video(title, FRAMES)
    finish_processing(video, django_capture_on_commit_callbacks)
    first = set(ArtworkCandidate.objects.filter(title=title).values_list("pk", flat=True))
    ArtworkCandidate.objects.filter(pk=min(first)).delete()  # staff threw one away: it does not come back
    stills = MediaAsset.objects.filter(title=title, kind=MediaAsset.Kind.IMAGE).count()

    finish_processing(video, django_capture_on_commit_callbacks)  # the video re-processed
    proposals.propose_for_title(title.pk)  # or the task queued twice

    assert set(ArtworkCandidate.objects.filter(title=title).values_list("pk", flat=True)) == first - {min(first)}
    assert MediaAsset.objects.filter(title=title, kind=MediaAsset.Kind.IMAGE).count() == stills


def test_the_setting_at_zero_proposes_no_artwork(settings):
    settings.ARTWORK_KEYFRAME_PROPOSALS = 0
    title = make_title("Opted Out")
    video, _ = processed_video(title, FRAMES)

    proposals.propose_for_title(title.pk)

    assert not ArtworkCandidate.objects.filter(title=title).exists()
    assert not MediaAsset.objects.filter(title=title, kind=MediaAsset.Kind.IMAGE).exists()
    assert FootageProposal.objects.get(asset=video).keyframes is None  # not marked done: nothing was done


def test_proposed_frames_are_not_served_until_staff_approve_one(settings):
    settings.ARTWORK_KEYFRAME_PROPOSALS = 3
    title = make_title("Unapproved")
    processed_video(title, FRAMES)
    proposals.propose_for_title(title.pk)
    proposed = list(ArtworkCandidate.objects.filter(title=title))
    assert proposed

    assert choose_artwork(None, [title])[title.pk].asset_id is None  # the placeholder, not a proposal

    candidates.approve(proposed[:1])
    assert choose_artwork(None, [title])[title.pk].asset_id == proposed[0].asset_id


def test_a_copied_frame_does_not_enter_the_media_pipeline(settings, monkeypatch):
    from tagging import services as tagging_services

    queued = []
    monkeypatch.setattr(tagging_services, "enqueue_asset", queued.append)
    settings.ARTWORK_KEYFRAME_PROPOSALS = 3
    settings.TAGGING_TAGGERS = ["descriptors"]
    title = make_title("Tagged Once")
    processed_video(title, FRAMES)

    proposals.propose_for_title(title.pk)
    copies = MediaAsset.objects.filter(title=title, kind=MediaAsset.Kind.IMAGE)
    assert copies.count() == 3 and queued == []

    tagging_services.retag_title(title.pk)  # a re-tag re-reads the video, not its copied frames
    assert queued == [] and not Shot.objects.filter(asset__in=copies).exists()

    upload = MediaAsset(title=title, kind=MediaAsset.Kind.IMAGE, role=MediaAsset.Role.STILL)
    upload.file.save("still.png", ContentFile(png(textured(7))), save=True)
    assert queued == [upload.pk]  # a staff upload still is tagged
