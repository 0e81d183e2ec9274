import struct
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from tagging_media import shot, video_with_cuts, write_png, write_video

from catalog.models import MediaAsset, TitleTag
from factories import make_title
from tagging import pipeline, services
from tagging.models import Keyframe, Shot, TagSuggestion

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TAGGING_TAGGERS = ["descriptors", "learned"]  # the synopsis tagger has its own tests


@pytest.fixture
def eager():
    from marquee.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def add_asset(title, path: Path, kind: str, name: str | None = None, capture=None) -> MediaAsset:
    asset = MediaAsset(title=title, kind=kind, role="trailer" if kind == "video" else "still",
                       original_name=name or path.name)
    asset.file.save(name or path.name, ContentFile(path.read_bytes()), save=False)
    asset.save()
    return asset


def run_all(asset_id: int) -> None:
    for step in (pipeline.probe_asset, pipeline.detect_asset_shots, pipeline.extract_keyframes,
                 pipeline.tag_asset, pipeline.finish_asset):
        step(asset_id)


def test_creating_a_video_asset_runs_the_chain_after_commit(tmp_path, eager, django_capture_on_commit_callbacks):
    title = make_title()
    path, _ = video_with_cuts(tmp_path / "trailer.avi", [30, 30, 36])
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        asset = add_asset(title, path, "video")
        assert MediaAsset.objects.get(pk=asset.pk).status == "pending"  # nothing runs before the commit
    assert callbacks  # the chain is sent on commit (its last step then queues the preview windows)
    asset.refresh_from_db()
    assert asset.status == "ready", asset.error
    assert (asset.width, asset.height) == (96, 64) and asset.duration_s == pytest.approx(4.0)
    assert len(asset.checksum) == 64 and asset.size_bytes == path.stat().st_size
    assert Shot.objects.filter(asset=asset).count() == 3
    keyframes = Keyframe.objects.filter(shot__asset=asset)
    assert keyframes.count() == 3
    for keyframe in keyframes:
        assert keyframe.shot.start_frame <= keyframe.frame <= keyframe.shot.end_frame
        assert Path(keyframe.image.path).is_file() and keyframe.features["colours"]
    assert TagSuggestion.objects.filter(title=title, keyframe__isnull=False, tagger="descriptors").exists()


def test_every_step_can_run_again_without_duplicates(tmp_path):
    title = make_title()
    path, _ = video_with_cuts(tmp_path / "trailer.avi", [30, 30])
    asset = add_asset(title, path, "video")
    run_all(asset.pk)
    before = (Shot.objects.count(), Keyframe.objects.count(), TagSuggestion.objects.count(), TitleTag.objects.count())
    first_image = Keyframe.objects.first().image.path
    run_all(asset.pk)
    pipeline.tag_asset(asset.pk)
    pipeline.aggregate_title(title.pk)
    after = (Shot.objects.count(), Keyframe.objects.count(), TagSuggestion.objects.count(), TitleTag.objects.count())
    assert before == after
    assert len(list((Path(first_image).parent).iterdir())) == 2  # old keyframe files were replaced, not left behind


def test_an_image_asset_is_one_shot_with_one_keyframe(tmp_path):
    title = make_title()
    asset = add_asset(title, write_png(tmp_path / "still.png"), "image")
    run_all(asset.pk)
    asset.refresh_from_db()
    assert asset.status == "ready", asset.error
    assert Keyframe.objects.get(shot__asset=asset).features["is_video"] is False


def test_a_rotated_video_is_processed_upright(tmp_path):
    path = write_video(tmp_path / "phone.mp4", shot(1, 30), fourcc="mp4v")
    data = bytearray(path.read_bytes())
    at = data.find(b"tkhd")
    data[at + 44 : at + 80] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)  # 90 degrees
    path.write_bytes(bytes(data))
    asset = add_asset(make_title(), path, "video")
    run_all(asset.pk)
    asset.refresh_from_db()
    assert asset.status == "ready", asset.error
    assert (asset.width, asset.height) == (64, 96)
    assert asset.metadata["probe"]["rotation"] == 90


def _fails(asset: MediaAsset, *words: str) -> None:
    run_all(asset.pk)
    asset.refresh_from_db()
    assert asset.status == "failed"
    for word in words:
        assert word in asset.error
    assert not Keyframe.objects.filter(shot__asset=asset).exists()


def test_a_truncated_video_fails_with_a_reason(tmp_path):
    path = write_video(tmp_path / "cut-short.avi", shot(1, 96))
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    _fails(add_asset(make_title(), path, "video"), "cut-short.avi", "truncated")


def test_a_file_that_is_not_what_its_extension_claims_fails(tmp_path):
    png = write_png(tmp_path / "x.png")
    _fails(add_asset(make_title(), png, "video", name="movie.mp4"), "movie.mp4", "png")


def test_random_bytes_fail_as_unknown_format(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    _fails(add_asset(make_title(), junk, "video"), "junk.mp4", "not a known")


def test_a_zero_frame_video_fails(tmp_path):
    import cv2

    path = tmp_path / "empty.avi"
    cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 24, (96, 64)).release()
    _fails(add_asset(make_title(), path, "video"), "empty.avi", "no frames")


def test_an_unsupported_codec_fails_naming_the_codec(tmp_path):
    path = write_video(tmp_path / "odd.avi", shot(1, 24))
    path.write_bytes(path.read_bytes().replace(b"MJPG", b"QQQQ"))
    _fails(add_asset(make_title(), path, "video"), "odd.avi", "'QQQQ'")


def test_a_decompression_bomb_image_fails(tmp_path, settings):
    settings.MAX_IMAGE_PIXELS = 10_000
    asset = add_asset(make_title(), write_png(tmp_path / "bomb.png", size=(200, 200)), "image")
    _fails(asset, "bomb.png", "decompression bomb")


def test_a_corrupt_image_fails(tmp_path):
    path = write_png(tmp_path / "broken.png")
    path.write_bytes(path.read_bytes()[:60])
    _fails(add_asset(make_title(), path, "image"), "broken.png")


def test_a_failed_asset_does_not_stop_the_next_one(tmp_path):
    title = make_title()
    bad = tmp_path / "bad.avi"
    bad.write_bytes(b"RIFF\x00\x00\x00\x00AVI LIST" + bytes(300))
    good, _ = video_with_cuts(tmp_path / "good.avi", [30, 30])
    first, second = add_asset(title, bad, "video"), add_asset(title, good, "video")
    run_all(first.pk)
    run_all(second.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("failed", "ready")


def test_ingest_media_command_creates_the_asset_and_queues_the_pipeline(tmp_path, eager, django_capture_on_commit_callbacks):
    title = make_title()
    path, _ = video_with_cuts(tmp_path / "feature.avi", [30, 30])
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("ingest_media", str(path), "--title", str(title.pk), stdout=out)
    asset = MediaAsset.objects.get(title=title, kind="video")  # its keyframes also become artwork stills
    assert asset.kind == "video" and asset.role == "feature" and asset.original_name == "feature.avi"
    assert asset.status == "ready"
    assert f"asset {asset.pk}" in out.getvalue()


def test_enqueue_retag_returns_a_task_id_and_retags_after_commit(tmp_path, eager, django_capture_on_commit_callbacks):
    title = make_title()
    path, _ = video_with_cuts(tmp_path / "trailer.avi", [30, 30])
    asset = add_asset(title, path, "video")
    run_all(asset.pk)
    TagSuggestion.objects.filter(title=title).delete()
    with django_capture_on_commit_callbacks(execute=True):
        task_id = services.enqueue_retag(title.pk)
    assert isinstance(task_id, str) and len(task_id) == 36
    assert TagSuggestion.objects.filter(title=title, keyframe__isnull=False).exists()
    assert TagSuggestion.objects.filter(title=title, tagger=pipeline.SHOTS_TAGGER).exists()


def test_a_file_over_the_upload_limit_fails_before_decoding(tmp_path, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    path, _ = video_with_cuts(tmp_path / "huge.avi", [30, 30])
    _fails(add_asset(make_title(), path, "video"), "huge.avi", "upload limit")


def test_an_internal_error_marks_the_asset_failed_and_is_not_swallowed(tmp_path, monkeypatch):
    from tagging import tasks

    path, _ = video_with_cuts(tmp_path / "trailer.avi", [30, 30])
    asset = add_asset(make_title(), path, "video")
    pipeline.probe_asset(asset.pk)

    def broken(asset_id, progress):
        raise RuntimeError("a bug")

    monkeypatch.setattr(pipeline, "extract_keyframes", broken)
    with pytest.raises(RuntimeError):
        tasks.extract_keyframes.apply(args=[asset.pk], throw=True)
    asset.refresh_from_db()
    assert asset.status == "failed" and "internal error" in asset.error and "a bug" in asset.error


def test_synopsis_tags_become_title_suggestions_and_model_tags(settings):
    from factories import make_tag

    settings.TAGGING_TAGGERS = ["synopsis"]
    settings.TAGGING_SYNOPSIS_THRESHOLD = 0.3
    make_tag("heist", "A crew plans and pulls off a daring robbery of a bank or casino.")
    make_tag("gardening", "Plants, flowers, seeds and vegetable gardens.")
    title = make_title(synopsis="A crew of thieves plans a daring robbery of a casino vault.")
    pipeline.tag_title_text(title.pk)
    suggested = set(TagSuggestion.objects.filter(title=title, tagger="synopsis").values_list("tag__name", flat=True))
    assert "heist" in suggested and "gardening" not in suggested
    pipeline.aggregate_title(title.pk)
    assert TitleTag.objects.filter(title=title, tag__name="heist", source="model").exists()


def test_an_asset_already_failed_elsewhere_keeps_its_reason(tmp_path):
    path, _ = video_with_cuts(tmp_path / "trailer.avi", [30, 30])
    asset = add_asset(make_title(), path, "video")
    MediaAsset.objects.filter(pk=asset.pk).update(status="failed", error="trailer.avi: rejected by the catalog")
    run_all(asset.pk)
    asset.refresh_from_db()
    assert (asset.status, asset.error) == ("failed", "trailer.avi: rejected by the catalog")
    assert not Shot.objects.filter(asset=asset).exists()


def test_an_image_with_an_exif_rotation_is_measured_upright(tmp_path):
    from PIL import Image

    path = tmp_path / "sideways.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to view
    Image.new("RGB", (96, 64), "teal").save(path, exif=exif)
    asset = add_asset(make_title(), path, "image")
    run_all(asset.pk)
    asset.refresh_from_db()
    assert asset.status == "ready", asset.error
    assert (asset.width, asset.height) == (64, 96)


def test_a_ready_poster_stays_on_screen_while_it_is_reprocessed(tmp_path):
    from artwork.services import choose_artwork
    from factories import make_profile

    title = make_title()
    poster = MediaAsset(title=title, kind="image", role="poster", original_name="poster.png")
    poster.file.save("poster.png", ContentFile(write_png(tmp_path / "poster.png").read_bytes()), save=False)
    poster.save()
    run_all(poster.pk)
    poster.refresh_from_db()
    assert poster.status == "ready", poster.error

    pipeline.probe_asset(poster.pk)  # a re-tag starts its chain again
    poster.refresh_from_db()
    assert poster.status == "ready"
    assert choose_artwork(make_profile(), [title])[title.pk].asset_id == poster.pk

    fresh = add_asset(title, write_png(tmp_path / "still.png"), "image")
    pipeline.probe_asset(fresh.pk)
    fresh.refresh_from_db()
    assert fresh.status == "processing"  # a new asset is not shown until its chain has finished


def test_retagging_says_which_assets_are_still_queued(tmp_path, django_capture_on_commit_callbacks):
    title = make_title()
    with django_capture_on_commit_callbacks(execute=False):
        add_asset(title, write_png(tmp_path / "still.png"), "image")  # not processed yet
        result = services.retag_title(title.pk)
    assert len(result["queued_assets"]) == 1 and "queued for the full pipeline" in result["note"]
