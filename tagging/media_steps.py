"""The steps that read an asset's file: probe it, cut a video into shots, pick and describe one keyframe per shot."""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction

from catalog.models import MediaAsset
from jobs import Progress, no_progress

from . import keyframes as kf
from .assets import MEDIA_ERRORS, display_name, fail, live_asset, local_file, reject
from .descriptors import describe
from .models import Keyframe, Shot
from .probe import MediaRejected, image_to_bgr, load_image, probe_file
from .shots import detect_shots
from .video_decoding import open_video


def probe_asset(asset_id: int, progress: Progress = no_progress) -> bool:
    asset = MediaAsset.objects.filter(pk=asset_id).first()
    if asset is None:
        return False
    # Claim the row unless something (this pipeline before, or the catalog's own fingerprinting)
    # already failed it: that reason stays what staff see, and a failed file is not re-read.
    live = MediaAsset.objects.filter(pk=asset.pk).exclude(status=MediaAsset.Status.FAILED)
    # An asset that was ready stays ready while it is reprocessed, so the storefront keeps showing the last
    # good artwork (a re-tag used to hide every poster until its chain finished); the probe below still
    # fails it if its file no longer passes.
    claimed = live.exclude(status=MediaAsset.Status.READY).update(status=MediaAsset.Status.PROCESSING, error="")
    if not claimed and not live.filter(status=MediaAsset.Status.READY).exists():
        return False
    if not asset.file:
        fail(asset, "no file attached")
        return False
    try:
        with local_file(asset) as path:
            facts = probe_file(path, name=display_name(asset), expected_kind=asset.kind, max_pixels=settings.MAX_IMAGE_PIXELS,
                               max_bytes=settings.MAX_UPLOAD_BYTES)
    except MediaRejected as error:
        reject(asset, str(error))
        return False
    except MEDIA_ERRORS as error:
        fail(asset, f"{display_name(asset)}: unreadable ({error})")
        return False
    metadata = {**asset.metadata, "probe": {"format": facts.format, **facts.metadata}}
    MediaAsset.objects.filter(pk=asset.pk).update(
        size_bytes=facts.size_bytes, checksum=facts.checksum, width=facts.width, height=facts.height,
        duration_s=facts.duration_s, metadata=metadata,
    )
    progress(1, 1, "probed")
    return True


def detect_asset_shots(asset_id: int, progress: Progress = no_progress) -> bool:
    asset = live_asset(asset_id)
    if asset is None:
        return False
    if asset.kind == MediaAsset.Kind.IMAGE:
        specs = [dict(index=0, start_frame=0, end_frame=0, start_s=0.0, end_s=0.0, transition=Shot.Transition.START)]
    else:
        declared = int(asset.metadata.get("probe", {}).get("declared_frames") or 0)
        try:
            with local_file(asset) as path:
                result = detect_shots(path, progress=lambda done, total: progress(done, total, "shots"),
                                      decode_thread=settings.TAGGING_SHOT_DECODE_THREAD)
        except MEDIA_ERRORS as error:
            fail(asset, f"{display_name(asset)}: shot detection could not read the video ({error})")
            return False
        if declared and result.frames < 0.9 * declared:
            fail(asset, f"{display_name(asset)}: truncated or corrupt: only {result.frames} of {declared} declared frames decode")
            return False
        specs = [dict(index=k, **vars(shot)) for k, shot in enumerate(result.shots)]
        MediaAsset.objects.filter(pk=asset.pk).update(duration_s=round(result.frames / result.fps, 3))
    with transaction.atomic():
        _delete_keyframe_files(asset)
        Shot.objects.filter(asset=asset).delete()
        Shot.objects.bulk_create([Shot(asset=asset, **spec) for spec in specs])
    return True


def _delete_keyframe_files(asset: MediaAsset) -> None:
    for keyframe in Keyframe.objects.filter(shot__asset=asset):
        keyframe.image.delete(save=False)


def extract_keyframes(asset_id: int, progress: Progress = no_progress) -> bool:
    asset = live_asset(asset_id)
    if asset is None:
        return False
    shots = list(Shot.objects.filter(asset=asset).order_by("index"))
    try:
        with local_file(asset) as path:
            if asset.kind == MediaAsset.Kind.IMAGE:
                image = image_to_bgr(load_image(path, display_name(asset), settings.MAX_IMAGE_PIXELS))
                picks = [kf.Pick(0, 0, image, kf.quality(image).score, 0.0)]
            else:
                capture, _, _ = open_video(path)
                try:
                    picks = kf.pick_keyframes(
                        capture, [(s.start_frame, s.end_frame) for s in shots],
                        progress=lambda done, total: progress(done, total, "keyframes"),
                    )
                finally:
                    capture.release()
    except MEDIA_ERRORS as error:
        fail(asset, f"{display_name(asset)}: keyframes could not be read ({error})")
        return False
    by_index = {shot.index: shot for shot in shots}
    _delete_keyframe_files(asset)
    Keyframe.objects.filter(shot__asset=asset).delete()
    for done, pick in enumerate(picks, start=1):
        features = describe(pick.image, pick.motion)
        features["is_video"] = asset.kind == MediaAsset.Kind.VIDEO
        keyframe = Keyframe(shot=by_index[pick.shot_index], frame=pick.frame, quality=pick.quality,
                            motion=round(pick.motion, 4), features=features)
        keyframe.image.save(f"shot-{pick.shot_index:05d}.jpg", ContentFile(kf.encode_jpeg(pick.image)), save=False)
        keyframe.save()
        progress(done, len(picks), "keyframes described")
    return True
