"""Tag suggestions: run the enabled taggers on an asset's keyframes or a title's text, and store what they propose."""

from __future__ import annotations

import cv2
import numpy as np
from django.db import transaction
from django.utils.text import slugify

from catalog.models import Tag, Title
from jobs import Progress, no_progress

from .assets import live_asset
from .models import Keyframe, TagSuggestion
from .taggers import DESCRIPTOR_TAGS, KeyframeInput, Suggested, enabled_taggers


def ensure_tags(names: set[str]) -> dict[str, Tag]:
    """Catalog tags by name, creating descriptor tags the vocabulary lacks (other taggers only use existing tags)."""
    found = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    for name in names - set(found):
        kind = Tag.Kind.DESCRIPTOR if name in DESCRIPTOR_TAGS else Tag.Kind.OTHER
        found[name], _ = Tag.objects.get_or_create(
            slug=slugify(name)[:100], defaults={"name": name, "description": DESCRIPTOR_TAGS.get(name, ""), "kind": kind}
        )
    return found


def save_suggestions(title: Title, rows: dict[tuple[int | None, str, str], float], scope: dict) -> None:
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


def _load_image(keyframe: Keyframe) -> np.ndarray | None:
    try:
        with keyframe.image.open("rb") as handle:
            data = np.frombuffer(handle.read(), dtype=np.uint8)
    except OSError:
        return None
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def tag_asset(asset_id: int, progress: Progress = no_progress) -> bool:
    asset = live_asset(asset_id)
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
    save_suggestions(asset.title, rows, {"keyframe__shot__asset": asset})
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
    save_suggestions(title, rows, {"title": title, "keyframe__isnull": True, "tagger__in": names})
    return True
