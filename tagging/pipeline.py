"""The media pipeline's steps (probe, shots, keyframes, tag, aggregate): each re-runnable, each replacing its own output.

Every step takes an asset or title id, re-fetches, and returns False when there is nothing (more) to
do, so a chain of tasks stops quietly after a failure. Bad files never raise out of a step: the asset
is marked failed with the reason staff see in the admin.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cv2
import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify

from catalog.media import discard_file
from catalog.models import MediaAsset, Tag, Title, TitleTag
from jobs import Progress

from . import keyframes as kf
from .descriptors import describe
from .models import SHOTS_TAGGER, Keyframe, Shot, TagSuggestion
from .probe import MediaRejected, image_to_bgr, load_image, probe_file
from .shots import VideoReadError, detect_shots, open_video
from .taggers import DESCRIPTOR_TAGS, KeyframeInput, Suggested, enabled_taggers

log = logging.getLogger(__name__)
# Errors a decoder or a corrupt file can raise deep inside OpenCV or Pillow.
MEDIA_ERRORS = (MediaRejected, VideoReadError, cv2.error, OSError, ValueError)


def _noop(done: int, total: int, note: str = "") -> None:
    return None


@contextmanager
def local_file(asset: MediaAsset) -> Iterator[Path]:
    """A filesystem path to the asset's bytes (copied to a temp file for remote storage backends)."""
    try:
        yield Path(asset.file.path)
        return
    except NotImplementedError:
        pass
    suffix = Path(asset.file.name).suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        with asset.file.open("rb") as source:
            shutil.copyfileobj(source, tmp)
        tmp.flush()
        yield Path(tmp.name)


def _name(asset: MediaAsset) -> str:
    return asset.original_name or Path(asset.file.name).name


def fail(asset: MediaAsset, reason: str) -> None:
    log.warning("media asset %s failed: %s", asset.pk, reason)
    MediaAsset.objects.filter(pk=asset.pk).update(status=MediaAsset.Status.FAILED, error=reason[:2000])


def reject(asset: MediaAsset, reason: str) -> None:
    """Fail an asset whose file was refused, and delete the file (it must not stay on disk to be served)."""
    log.warning("media asset %s refused: %s", asset.pk, reason)
    discard_file(asset, reason)


def _live(asset_id: int) -> MediaAsset | None:
    """The asset, unless it is gone or already failed."""
    asset = MediaAsset.objects.filter(pk=asset_id).select_related("title").first()
    if asset is None or asset.status == MediaAsset.Status.FAILED:
        return None
    return asset


def probe_asset(asset_id: int, progress: Progress = _noop) -> bool:
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
            facts = probe_file(path, name=_name(asset), expected_kind=asset.kind, max_pixels=settings.MAX_IMAGE_PIXELS,
                               max_bytes=settings.MAX_UPLOAD_BYTES)
    except MediaRejected as error:
        reject(asset, str(error))
        return False
    except MEDIA_ERRORS as error:
        fail(asset, f"{_name(asset)}: unreadable ({error})")
        return False
    metadata = {**asset.metadata, "probe": {"format": facts.format, **facts.metadata}}
    MediaAsset.objects.filter(pk=asset.pk).update(
        size_bytes=facts.size_bytes, checksum=facts.checksum, width=facts.width, height=facts.height,
        duration_s=facts.duration_s, metadata=metadata,
    )
    progress(1, 1, "probed")
    return True


def detect_asset_shots(asset_id: int, progress: Progress = _noop) -> bool:
    asset = _live(asset_id)
    if asset is None:
        return False
    if asset.kind == MediaAsset.Kind.IMAGE:
        specs = [dict(index=0, start_frame=0, end_frame=0, start_s=0.0, end_s=0.0, transition=Shot.Transition.START)]
    else:
        declared = int(asset.metadata.get("probe", {}).get("declared_frames") or 0)
        try:
            with local_file(asset) as path:
                result = detect_shots(path, progress=lambda done, total: progress(done, total, "shots"))
        except MEDIA_ERRORS as error:
            fail(asset, f"{_name(asset)}: shot detection could not read the video ({error})")
            return False
        if declared and result.frames < 0.9 * declared:
            fail(asset, f"{_name(asset)}: truncated or corrupt: only {result.frames} of {declared} declared frames decode")
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


def extract_keyframes(asset_id: int, progress: Progress = _noop) -> bool:
    asset = _live(asset_id)
    if asset is None:
        return False
    shots = list(Shot.objects.filter(asset=asset).order_by("index"))
    try:
        with local_file(asset) as path:
            if asset.kind == MediaAsset.Kind.IMAGE:
                image = image_to_bgr(load_image(path, _name(asset), settings.MAX_IMAGE_PIXELS))
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
        fail(asset, f"{_name(asset)}: keyframes could not be read ({error})")
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


def ensure_tags(names: set[str]) -> dict[str, Tag]:
    """Catalog tags by name, creating descriptor tags the vocabulary lacks (other taggers only use existing tags)."""
    found = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    for name in names - set(found):
        kind = Tag.Kind.DESCRIPTOR if name in DESCRIPTOR_TAGS else Tag.Kind.OTHER
        found[name], _ = Tag.objects.get_or_create(
            slug=slugify(name)[:100], defaults={"name": name, "description": DESCRIPTOR_TAGS.get(name, ""), "kind": kind}
        )
    return found


def _load_image(keyframe: Keyframe) -> np.ndarray | None:
    try:
        with keyframe.image.open("rb") as handle:
            data = np.frombuffer(handle.read(), dtype=np.uint8)
    except OSError:
        return None
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def _save_suggestions(title: Title, rows: dict[tuple[int | None, str, str], float], scope: dict) -> None:
    """Upsert (keyframe id, tag name, tagger) -> confidence; drop pending ones in `scope` not proposed again.

    Reviewed suggestions keep their status (a re-run must not undo a staff decision); only the
    confidence is refreshed.
    """
    tags = ensure_tags({name for _, name, _ in rows})
    existing = {(s.keyframe_id, s.tag.name, s.tagger): s for s in TagSuggestion.objects.filter(**scope).select_related("tag")}
    with transaction.atomic():
        for key, confidence in rows.items():
            suggestion = existing.pop(key, None)
            if suggestion is None:
                TagSuggestion.objects.create(
                    title=title, keyframe_id=key[0], tag=tags[key[1]], tagger=key[2], confidence=confidence
                )
            elif abs(suggestion.confidence - confidence) > 1e-6:
                TagSuggestion.objects.filter(pk=suggestion.pk).update(confidence=confidence)
        stale = [s.pk for s in existing.values() if s.status == TagSuggestion.Status.PENDING]
        TagSuggestion.objects.filter(pk__in=stale).delete()


def tag_asset(asset_id: int, progress: Progress = _noop) -> bool:
    asset = _live(asset_id)
    if asset is None:
        return False
    keyframes = list(Keyframe.objects.filter(shot__asset=asset).order_by("shot__index"))
    inputs = [KeyframeInput(image=_load_image(k), features=dict(k.features)) for k in keyframes]
    rows: dict[tuple[int | None, str, str], float] = {}
    taggers = enabled_taggers()
    for done, tagger in enumerate(taggers, start=1):
        for keyframe, found in zip(keyframes, tagger.tag_keyframes(inputs), strict=True):
            for suggested in found:
                rows[(keyframe.pk, suggested.tag, tagger.name)] = suggested.confidence
        progress(done, len(taggers), tagger.name)
    for keyframe, given in zip(keyframes, inputs, strict=True):
        if given.features != keyframe.features:  # e.g. CLIP added its image embedding
            Keyframe.objects.filter(pk=keyframe.pk).update(features=given.features)
    _save_suggestions(asset.title, rows, {"keyframe__shot__asset": asset})
    return True


def tag_title_text(title_id: int) -> bool:
    title = Title.objects.filter(pk=title_id).first()
    if title is None:
        return False
    rows: dict[tuple[int | None, str, str], float] = {}
    taggers = [tagger for tagger in enabled_taggers() if tagger.tags_titles]
    names = [tagger.name for tagger in taggers]
    for tagger in taggers:
        found: list[Suggested] = tagger.tag_title(title)
        for suggested in found:
            rows[(None, suggested.tag, tagger.name)] = suggested.confidence
    _save_suggestions(title, rows, {"title": title, "keyframe__isnull": True, "tagger__in": names})
    return True


def shot_weight(shot: Shot, kind: str) -> float:
    """How much a shot counts towards its title: its length in seconds; a still counts as a fixed length."""
    return shot.duration_s if kind == MediaAsset.Kind.VIDEO else settings.TAGGING_IMAGE_WEIGHT_S


def aggregate_title(title_id: int) -> dict[str, float]:
    """Title scores per tag: sum of shot length x confidence over all the title's shots, over their total length."""
    title = Title.objects.filter(pk=title_id).first()
    if title is None:
        return {}
    shots = list(
        Shot.objects.filter(asset__title=title, keyframe__isnull=False)
        .exclude(asset__status=MediaAsset.Status.FAILED).select_related("asset", "keyframe")
    )
    total = sum(shot_weight(shot, shot.asset.kind) for shot in shots)
    best: dict[tuple[int, str], float] = {}  # strongest tagger per keyframe and tag
    suggestions = TagSuggestion.objects.filter(title=title, keyframe__isnull=False).exclude(
        status=TagSuggestion.Status.REJECTED
    ).values_list("keyframe_id", "tag__name", "confidence")
    for keyframe_id, name, confidence in suggestions:
        best[(keyframe_id, name)] = max(confidence, best.get((keyframe_id, name), 0.0))
    weight = {shot.keyframe.pk: shot_weight(shot, shot.asset.kind) for shot in shots}
    scores: dict[str, float] = defaultdict(float)
    for (keyframe_id, name), confidence in best.items():
        scores[name] += weight.get(keyframe_id, 0.0) * confidence
    result = {name: round(min(1.0, score / total), 4) for name, score in scores.items() if total > 0}
    rows = {(None, name, SHOTS_TAGGER): score for name, score in result.items() if score > 0}
    _save_suggestions(title, rows, {"title": title, "keyframe__isnull": True, "tagger": SHOTS_TAGGER})
    sync_model_tags(title)
    return result


def sync_model_tags(title: Title) -> None:
    """Mirror title-level suggestions at or above the acceptance threshold into TitleTag(source="model").

    A tag staff approved or the catalogue imported keeps its row; the model only adds, updates and removes
    its own rows.
    """
    threshold = settings.TAGGING_MODEL_TAG_THRESHOLD
    accepted: dict[int, float] = {}
    rows = TagSuggestion.objects.filter(title=title, keyframe__isnull=True, confidence__gte=threshold).exclude(
        status=TagSuggestion.Status.REJECTED
    )
    rejected = set(
        TagSuggestion.objects.filter(title=title, keyframe__isnull=True, status=TagSuggestion.Status.REJECTED)
        .values_list("tag_id", flat=True)
    )
    for tag_id, confidence in rows.values_list("tag_id", "confidence"):
        if tag_id not in rejected:
            accepted[tag_id] = max(confidence, accepted.get(tag_id, 0.0))
    with transaction.atomic():
        TitleTag.objects.filter(title=title, source=TitleTag.Source.MODEL).exclude(tag_id__in=accepted).delete()
        for tag_id, confidence in accepted.items():
            # One row per (title, tag): a staff or imported row already states the tag and is left as it is.
            row, created = TitleTag.objects.get_or_create(
                title=title, tag_id=tag_id, defaults={"source": TitleTag.Source.MODEL, "confidence": round(confidence, 4)}
            )
            if not created and row.source == TitleTag.Source.MODEL and row.confidence != round(confidence, 4):
                TitleTag.objects.filter(pk=row.pk).update(confidence=round(confidence, 4))


def finish_asset(asset_id: int, progress: Progress = _noop) -> bool:
    """Aggregate the title, refresh its synopsis tags and model tags, and mark the asset ready."""
    asset = _live(asset_id)
    if asset is None:
        return False
    tag_title_text(asset.title_id)
    progress(1, 2, "synopsis tags")
    aggregate_title(asset.title_id)  # also syncs the model tags, synopsis ones included
    progress(2, 2, "aggregated")
    MediaAsset.objects.filter(pk=asset.pk).update(status=MediaAsset.Status.READY, error="")
    if asset.kind == MediaAsset.Kind.VIDEO:
        from .signals import video_processed

        video_processed.send(sender=MediaAsset, asset_id=asset.pk, title_id=asset.title_id)
    return True
