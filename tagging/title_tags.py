"""A title's tags from its shots: length-weighted scores per tag, and the model's own TitleTag rows."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.db import transaction

from catalog.models import MediaAsset, Title, TitleTag

from .models import SHOTS_TAGGER, Shot, TagSuggestion
from .suggestions import save_suggestions


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
    save_suggestions(title, rows, {"title": title, "keyframe__isnull": True, "tagger": SHOTS_TAGGER})
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
