"""Artwork candidates: staff uploads and frames proposed from a title's keyframes, scored and deduplicated."""

import logging

from django.db import transaction
from PIL import Image, UnidentifiedImageError

from catalog.models import MediaAsset, Title

from .models import ArtworkCandidate

log = logging.getLogger(__name__)


def assess_asset(asset: MediaAsset):
    """The asset's `aesthetics.Assessment`, or None when it is not a readable image."""
    return _assess_file(asset.file, f"asset {asset.pk}")


def _assess_file(file, label: str):
    from . import aesthetics  # OpenCV is loaded by the work that scores, not by every web process

    try:
        with file.open("rb") as handle, Image.open(handle) as image:
            image.load()
            return aesthetics.assess(image)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError) as error:
        log.warning("artwork: cannot score %s: %s", label, error)
        return None


def _duplicate_among(title_id: int, phash: str, exclude_asset_id: int | None = None) -> ArtworkCandidate | None:
    """The title's best-scored candidate that is a near-duplicate of `phash`, if any."""
    from . import aesthetics

    others = ArtworkCandidate.objects.filter(title_id=title_id).exclude(asset_id=exclude_asset_id).order_by("-score")
    return next((o for o in others if o.phash and aesthetics.near_duplicate(o.phash, phash)), None)


@transaction.atomic
def add_candidate(asset: MediaAsset, source: str = ArtworkCandidate.Source.UPLOAD,
                  assessed=None) -> ArtworkCandidate | None:
    """Score an image asset as a candidate of its title (idempotent per asset); marks near-duplicates.

    `assessed` is the asset's image already scored (a keyframe judged before it was copied)."""
    assessed = assessed or assess_asset(asset)
    if assessed is None:
        return None
    duplicate = _duplicate_among(asset.title_id, assessed.phash, exclude_asset_id=asset.pk)
    components = dict(assessed.components, duplicate_penalty=1.0 if duplicate else 0.0)
    score = assessed.score - (1.5 if duplicate else 0.0)
    candidate, _ = ArtworkCandidate.objects.update_or_create(asset=asset, defaults={
        "title_id": asset.title_id, "source": source, "score": round(score, 4), "components": components,
        "features": assessed.features, "phash": assessed.phash, "crops": assessed.crops, "duplicate_of": duplicate,
    })
    return candidate


def propose_from_keyframes(title: Title, *, limit: int = 12, video: MediaAsset | None = None) -> list[ArtworkCandidate]:
    """Copy the best keyframes (of the title, or of one video) into still assets and score them as candidates.

    Keyframes are ranked by the aesthetic score; black or blurred frames and near-duplicates of a candidate
    the title already has are never copied. Candidates start unapproved: staff approve what is served.
    """
    from django.core.files.base import ContentFile

    from tagging.models import COPIED_FROM_KEYFRAME, Keyframe  # tagging owns shots and keyframes: read only

    if limit <= 0:
        return []
    keyframes = Keyframe.objects.filter(shot__asset__title=title).exclude(image="")
    if video is not None:
        keyframes = keyframes.filter(shot__asset=video)
    # Tagging's quality bounds the work on a long feature; the aesthetic score then picks among these.
    pool = keyframes.order_by("-quality", "pk")[:max(4 * limit, 24)]
    scored = [(keyframe, _assess_file(keyframe.image, f"keyframe {keyframe.pk}")) for keyframe in pool]

    made = []
    for keyframe, assessed in usable_by_score(scored):
        if len(made) >= limit:
            break
        name = f"keyframe-{keyframe.pk}.jpg"
        asset = MediaAsset.objects.filter(title=title, role=MediaAsset.Role.STILL, file__endswith=name).first()
        if asset is None:
            if _duplicate_among(title.pk, assessed.phash):
                continue
            asset = MediaAsset(title=title, kind=MediaAsset.Kind.IMAGE, role=MediaAsset.Role.STILL,
                               status=MediaAsset.Status.READY, metadata={COPIED_FROM_KEYFRAME: keyframe.pk})
            with keyframe.image.open("rb") as handle:
                asset.file.save(name, ContentFile(handle.read()), save=True)
        candidate = add_candidate(asset, ArtworkCandidate.Source.KEYFRAME, assessed)
        if candidate:
            made.append(candidate)
    return made


def usable_by_score(scored: list) -> list:
    """(frame, Assessment) pairs best score first, without the unreadable, black or blurred ones: the order
    keyframes are proposed in (bench/artwork_candidates.py measures it on real footage)."""
    ranked = sorted(((k, a) for k, a in scored if a is not None), key=lambda pair: -pair[1].score)
    return [(k, a) for k, a in ranked if not (a.components["black_penalty"] or a.components["blur_penalty"])]


def top_candidates(title: Title, n: int = 3) -> list[ArtworkCandidate]:
    return list(ArtworkCandidate.objects.filter(title=title, duplicate_of__isnull=True).order_by("-score")[:n])


def approve(candidates, approved: bool = True) -> int:
    """Staff approval: only approved candidates are ever served."""
    from .policy_state import forget_live_state

    count = ArtworkCandidate.objects.filter(pk__in=[c.pk for c in candidates]).update(approved=approved)
    forget_live_state()
    return count
