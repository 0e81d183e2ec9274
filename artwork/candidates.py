"""Artwork candidates: staff uploads and frames proposed from a title's keyframes, scored and deduplicated."""

import logging

from django.db import transaction
from PIL import Image, UnidentifiedImageError

from catalog.models import MediaAsset, Title

from .models import ArtworkCandidate

log = logging.getLogger(__name__)


def assess_asset(asset: MediaAsset):
    """The asset's `aesthetics.Assessment`, or None when it is not a readable image."""
    from . import aesthetics  # OpenCV is loaded by the work that scores, not by every web process

    try:
        with asset.file.open("rb") as handle, Image.open(handle) as image:
            image.load()
            return aesthetics.assess(image)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError) as error:
        log.warning("artwork: cannot score asset %s: %s", asset.pk, error)
        return None


@transaction.atomic
def add_candidate(asset: MediaAsset, source: str = ArtworkCandidate.Source.UPLOAD) -> ArtworkCandidate | None:
    """Score an image asset as a candidate of its title (idempotent per asset); marks near-duplicates."""
    from . import aesthetics

    assessed = assess_asset(asset)
    if assessed is None:
        return None
    duplicate = None
    for other in ArtworkCandidate.objects.filter(title_id=asset.title_id).exclude(asset=asset).order_by("-score"):
        if other.phash and aesthetics.near_duplicate(other.phash, assessed.phash):
            duplicate = other
            break
    components = dict(assessed.components, duplicate_penalty=1.0 if duplicate else 0.0)
    score = assessed.score - (1.5 if duplicate else 0.0)
    candidate, _ = ArtworkCandidate.objects.update_or_create(asset=asset, defaults={
        "title_id": asset.title_id, "source": source, "score": round(score, 4), "components": components,
        "features": assessed.features, "phash": assessed.phash, "crops": assessed.crops, "duplicate_of": duplicate,
    })
    return candidate


def propose_from_keyframes(title: Title, *, limit: int = 12) -> list[ArtworkCandidate]:
    """Copy the title's best keyframes (by tagging's quality) into still assets and score them as candidates."""
    from django.core.files.base import ContentFile

    from tagging.models import Keyframe  # tagging's models are read-only here: it owns shots and keyframes

    made = []
    keyframes = Keyframe.objects.filter(shot__asset__title=title).order_by("-quality")[:limit]
    for keyframe in keyframes:
        name = f"keyframe-{keyframe.pk}.jpg"
        asset = MediaAsset.objects.filter(title=title, role=MediaAsset.Role.STILL, file__endswith=name).first()
        if asset is None:
            asset = MediaAsset(title=title, kind=MediaAsset.Kind.IMAGE, role=MediaAsset.Role.STILL,
                               status=MediaAsset.Status.READY)
            with keyframe.image.open("rb") as handle:
                asset.file.save(name, ContentFile(handle.read()), save=True)
        candidate = add_candidate(asset, ArtworkCandidate.Source.KEYFRAME)
        if candidate:
            made.append(candidate)
    return made


def top_candidates(title: Title, n: int = 3) -> list[ArtworkCandidate]:
    return list(ArtworkCandidate.objects.filter(title=title, duplicate_of__isnull=True).order_by("-score")[:n])


def approve(candidates, approved: bool = True) -> int:
    """Staff approval: only approved candidates are ever served."""
    from .policy_state import forget_live_state

    count = ArtworkCandidate.objects.filter(pk__in=[c.pk for c in candidates]).update(approved=approved)
    forget_live_state()
    return count
