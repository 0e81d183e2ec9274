"""The tagging app's public face: start the pipeline, re-tag a title, ingest a file, and staff review."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from catalog.formats import HEAD_BYTES, check_media, kind_of
from catalog.models import MediaAsset, Title, TitleTag
from jobs import enqueue_on_commit

from .models import SHOTS_TAGGER, Shot, TagSuggestion, TrainingLabel, is_keyframe_copy
from .signals import video_processed  # noqa: F401  (public: other features connect to it through here)

# `pipeline` (OpenCV, ~18 MB) is imported inside the functions that run it, so web processes that
# only list, upload or review media never load it.


def pipeline_signature(asset_id: int):
    """The Celery chain probe -> shots -> keyframes -> tag -> aggregate for one asset."""
    from celery import chain

    from . import tasks

    return chain(
        tasks.probe_asset.si(asset_id), tasks.detect_asset_shots.si(asset_id), tasks.extract_keyframes.si(asset_id),
        tasks.tag_asset.si(asset_id), tasks.aggregate_asset.si(asset_id),
    )


def enqueue_asset(asset_id: int) -> None:
    """Run the whole pipeline for an asset once the current transaction commits."""
    enqueue_on_commit(pipeline_signature(asset_id))


def enqueue_retag(title_id: int) -> str:
    """Queue re-tagging of a title (all its processed media and its synopsis); returns the Celery task id."""
    return enqueue_on_commit("tagging.tasks.retag_title", title_id)


def retag_title(title_id: int, progress=None) -> dict:
    """Re-run the taggers on every ready asset of the title, then re-aggregate; unprocessed assets get the full chain."""
    from . import pipeline

    title = Title.objects.filter(pk=title_id).first()
    if title is None:
        return {"title": title_id, "missing": True}
    assets = [asset for asset in title.media_assets.exclude(status=MediaAsset.Status.FAILED).order_by("id")
              if not is_keyframe_copy(asset)]  # a copied keyframe is tagged through its video
    retagged, queued = [], []
    for done, asset in enumerate(assets, start=1):
        if Shot.objects.filter(asset=asset, keyframe__isnull=False).exists():
            pipeline.tag_asset(asset.pk)
            retagged.append(asset.pk)
        else:
            enqueue_asset(asset.pk)
            queued.append(asset.pk)
        if progress:
            progress(done, len(assets), f"asset {asset.pk}")
    pipeline.tag_title_text(title.pk)
    scores = pipeline.aggregate_title(title.pk)
    # Queued assets are still running their own chains: say so, rather than look finished with no tags.
    note = (f"re-tagged {len(retagged)} processed asset(s); {len(queued)} asset(s) queued for the full "
            "pipeline, whose tags arrive when it finishes" if queued else f"re-tagged {len(retagged)} asset(s)")
    return {"title": title.pk, "retagged_assets": retagged, "queued_assets": queued, "tags": scores, "note": note}


def ingest_file(path: Path, title: Title, role: str | None = None) -> MediaAsset:
    """Create a MediaAsset from a local file (kind from its bytes, which must match an accepted extension);
    the post_save signal starts the pipeline."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    kind = kind_of(check_media(str(path), head))  # UnsupportedMedia (a ValueError) names the file and why
    role = role or (MediaAsset.Role.STILL if kind == MediaAsset.Kind.IMAGE else MediaAsset.Role.FEATURE)
    with path.open("rb") as handle, transaction.atomic():
        asset = MediaAsset(title=title, kind=kind, role=role, original_name=path.name)
        asset.file.save(path.name, File(handle), save=False)
        asset.save()
    return asset


# --- staff review -------------------------------------------------------------------------------

def _decide(suggestion_ids, user, status: str) -> int:
    titles: set[int] = set()
    labels_changed = False
    now = timezone.now()
    with transaction.atomic():
        suggestions = list(
            TagSuggestion.objects.select_for_update(of=("self",)).filter(pk__in=list(suggestion_ids))
            .select_related("keyframe").order_by("pk")
        )
        for suggestion in suggestions:
            suggestion.status, suggestion.reviewed_by, suggestion.reviewed_at = status, user, now
            suggestion.save(update_fields=["status", "reviewed_by", "reviewed_at", "updated_at"])
            titles.add(suggestion.title_id)
            approved = status == TagSuggestion.Status.APPROVED
            if approved:
                # The title's one row of this tag becomes staff's, whichever source stated it before.
                TitleTag.objects.update_or_create(
                    title_id=suggestion.title_id, tag_id=suggestion.tag_id,
                    defaults={"source": TitleTag.Source.STAFF, "confidence": 1.0},
                )
            elif suggestion.keyframe is None:
                # Staff judged the tag for the whole title: every pending title-level proposal of it goes.
                TagSuggestion.objects.filter(
                    title_id=suggestion.title_id, tag_id=suggestion.tag_id, keyframe__isnull=True,
                    status=TagSuggestion.Status.PENDING,
                ).update(status=status, reviewed_by=user, reviewed_at=now)
            if suggestion.keyframe is not None:
                TrainingLabel.objects.update_or_create(
                    keyframe=suggestion.keyframe, tag_id=suggestion.tag_id,
                    defaults={"positive": approved, "features": suggestion.keyframe.features},
                )
                labels_changed = True
        from . import pipeline

        for title_id in titles:
            pipeline.aggregate_title(title_id)
    if labels_changed:
        enqueue_on_commit("tagging.tasks.retrain_learned_tagger")
    return len(suggestions)


def approve(suggestion_ids, user=None) -> int:
    """Approve suggestions: each becomes a staff title tag and, for keyframes, a positive training label."""
    return _decide(suggestion_ids, user, TagSuggestion.Status.APPROVED)


def reject(suggestion_ids, user=None) -> int:
    """Reject suggestions: they stop counting towards title tags and become negative training labels."""
    return _decide(suggestion_ids, user, TagSuggestion.Status.REJECTED)


@dataclass
class TagEvidence:
    tag: str
    score: float  # title-level aggregate from shots (0 if none)
    title_tags: list[tuple[str, float]] = field(default_factory=list)  # (source, confidence) in the catalog
    text: list[tuple[str, float]] = field(default_factory=list)  # (tagger, confidence) from the synopsis
    shots: list[dict] = field(default_factory=list)  # the shots it came from, strongest first


def tag_provenance(title: Title) -> list[TagEvidence]:
    """For a title's tag page: each tag with its catalog entries and the shots and taggers it came from."""
    evidence: dict[str, TagEvidence] = {}

    def entry(name: str) -> TagEvidence:
        return evidence.setdefault(name, TagEvidence(tag=name, score=0.0))

    for tt in TitleTag.objects.filter(title=title).select_related("tag"):
        entry(tt.tag.name).title_tags.append((tt.source, tt.confidence))
    title_rows = TagSuggestion.objects.filter(title=title, keyframe__isnull=True).select_related("tag")
    for s in title_rows:
        if s.tagger == SHOTS_TAGGER:
            entry(s.tag.name).score = s.confidence
        else:
            entry(s.tag.name).text.append((s.tagger, s.confidence))
    by_shot: dict[tuple[str, int], dict] = defaultdict(dict)
    rows = (
        TagSuggestion.objects.filter(title=title, keyframe__isnull=False)
        .select_related("tag", "keyframe__shot__asset").order_by("keyframe__shot__asset_id", "keyframe__shot__index")
    )
    for s in rows:
        shot = s.keyframe.shot
        item = by_shot[(s.tag.name, s.keyframe_id)]
        if not item:
            item.update(asset=shot.asset_id, role=shot.asset.get_role_display(), index=shot.index,
                        start_s=shot.start_s, end_s=shot.end_s, thumbnail=s.keyframe.image.url,
                        taggers=[], status=s.status, confidence=0.0)
        item["taggers"].append(f"{s.tagger} {s.confidence:.2f}")
        item["confidence"] = max(item["confidence"], s.confidence)
    for (name, _), item in by_shot.items():
        entry(name).shots.append(item)
    for ev in evidence.values():
        ev.shots.sort(key=lambda item: -item["confidence"])
    return sorted(evidence.values(), key=lambda ev: (-max([ev.score] + [c for _, c in ev.title_tags]), ev.tag))


# --- shots for other features (artwork's preview windows) -----------------------------------------


@dataclass(frozen=True)
class ShotSummary:
    """One detected shot of a ready video with its keyframe's descriptors and the tags proposed for it."""

    asset_id: int
    index: int
    start_s: float
    end_s: float
    transition: str
    motion: float
    brightness: float
    faces: int
    largest_face: float
    text: float
    colourfulness: float
    black: bool  # its best frame is black, so the whole shot is (or it has no keyframe yet: unusable)
    tags: tuple[str, ...] = ()


def video_shots(title_id: int) -> dict[int, list[ShotSummary]]:
    """`{asset_id: shots in order}` for the title's ready videos (rejected tag suggestions left out)."""
    tags: dict[int, list[str]] = defaultdict(list)
    for keyframe_id, name in (
        TagSuggestion.objects.filter(title_id=title_id, keyframe__isnull=False)
        .exclude(status=TagSuggestion.Status.REJECTED)
        .values_list("keyframe_id", "tag__name")
    ):
        tags[keyframe_id].append(name)
    shots: dict[int, list[ShotSummary]] = defaultdict(list)
    rows = (
        Shot.objects.filter(
            asset__title_id=title_id, asset__kind=MediaAsset.Kind.VIDEO, asset__status=MediaAsset.Status.READY
        )
        .select_related("keyframe")
        .order_by("asset_id", "index")
    )
    for shot in rows:
        keyframe = getattr(shot, "keyframe", None)
        f = keyframe.features if keyframe else {}
        brightness = float(f.get("brightness", 0.0))
        shots[shot.asset_id].append(
            ShotSummary(
                asset_id=shot.asset_id,
                index=shot.index,
                start_s=shot.start_s,
                end_s=shot.end_s,
                transition=shot.transition,
                motion=float(keyframe.motion if keyframe else 0.0),
                brightness=brightness,
                faces=int(f.get("faces", 0)),
                largest_face=float(f.get("largest_face", 0.0)),
                text=float(f.get("text", 0.0)),
                colourfulness=float(f.get("colourfulness", 0.0)),
                black=keyframe is None or (brightness < 0.07 and float(f.get("contrast", 0.0)) < 0.05),
                tags=tuple(sorted(set(tags.get(keyframe.pk, ())))) if keyframe else (),
            )
        )
    return dict(shots)


# --- status for the staff dashboard ---------------------------------------------------------------

WORKING = (MediaAsset.Status.PENDING, MediaAsset.Status.PROCESSING)


def tagging_status(limit: int = 15) -> dict:
    """Media assets by state, and per recently changed title: its assets' states, its suggestions awaiting
    review and what that adds up to ("failed", "processing", "awaiting review", "tagged", "no tags yet")."""
    from django.db.models import Count, Max, Q

    assets = dict(MediaAsset.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    pending = TagSuggestion.objects.for_review().filter(status=TagSuggestion.Status.PENDING)
    titles = list(
        Title.objects.filter(media_assets__isnull=False)
        .annotate(
            assets=Count("media_assets", distinct=True),
            working=Count("media_assets", filter=Q(media_assets__status__in=WORKING), distinct=True),
            failed=Count(
                "media_assets", filter=Q(media_assets__status=MediaAsset.Status.FAILED), distinct=True
            ),
            changed=Max("media_assets__updated_at"),
        )
        .order_by("-changed", "pk")[:limit]
    )
    ids = [t.pk for t in titles]
    awaiting = dict(pending.filter(title_id__in=ids).values_list("title_id").annotate(n=Count("id")))
    tagged = set(TitleTag.objects.filter(title_id__in=ids).values_list("title_id", flat=True).distinct())

    def state(t: Title) -> str:
        if t.failed:
            return "failed"
        if t.working:
            return "processing"
        if awaiting.get(t.pk):
            return "awaiting review"
        return "tagged" if t.pk in tagged else "no tags yet"

    return {
        "assets": {label: assets.get(value, 0) for value, label in MediaAsset.Status.choices},
        "awaiting_review": pending.count(),
        "titles": [
            {
                "id": t.pk,
                "name": t.name,
                "assets": t.assets,
                "working": t.working,
                "failed": t.failed,
                "awaiting_review": awaiting.get(t.pk, 0),
                "changed": t.changed,
                "state": state(t),
            }
            for t in titles
        ],
    }
