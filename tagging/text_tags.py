"""Synopsis tags: MiniLM similarity of a title's synopsis to tag descriptions, with a threshold fitted on known tags."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from django.conf import settings

from catalog.embeddings import embed_texts
from catalog.models import Tag, Title, TitleTag

from .models import SynopsisCalibration
from .taggers import Suggested


def vocabulary() -> list[Tag]:
    return list(Tag.objects.filter(is_active=True).exclude(description="").order_by("id"))


def tag_text(tag: Tag) -> str:
    return f"{tag.name}: {tag.description}"


@lru_cache(maxsize=4)
def _tag_embeddings(texts: tuple[str, ...]) -> np.ndarray:
    # The vocabulary rarely changes; keyed by its texts, an edited description is re-embedded.
    return embed_texts(list(texts))


def similarities(synopses: list[str], tags: list[Tag]) -> np.ndarray:
    """Cosine similarity (rows: synopses, columns: tags); both sides are L2-normalised embeddings."""
    if not synopses or not tags:
        return np.zeros((len(synopses), len(tags)), dtype=np.float32)
    return embed_texts(synopses) @ _tag_embeddings(tuple(tag_text(tag) for tag in tags)).T


TARGET_PRECISION = 0.8  # settings.TAGGING_SYNOPSIS_TARGET_PRECISION overrides
PRECISION_BOUND_Z = 1.28  # the threshold's precision must reach the target at its one-sided 90 % lower bound


def wilson_lower(hits: float, n: float, z: float) -> float:
    """Lower end of the Wilson score interval of a proportion `hits / n` (z = 1.28: one-sided 90 %)."""
    if n <= 0:
        return 0.0
    p = hits / n
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def threshold_for_precision(
    scores: np.ndarray, labels: np.ndarray, target: float, *, z: float = 0.0
) -> tuple[float, float, float] | None:
    """(threshold, precision, recall) of the lowest threshold whose precision is at least `target`; None if none is.

    The lowest such threshold keeps the most recall while a suggestion is still right `target` of the time.
    With `z` > 0 the precision's Wilson lower bound must reach `target` instead: the threshold that only
    just reaches it on the fitting titles falls short on others about half the time.
    """
    order = np.argsort(-scores, kind="stable")
    ranked, hits = scores[order], np.cumsum(labels[order])
    predicted = np.arange(1, len(ranked) + 1)
    best = None
    for k in range(len(ranked)):
        if k + 1 < len(ranked) and ranked[k + 1] == ranked[k]:
            continue  # a threshold takes every tie at once
        precision = hits[k] / predicted[k]
        bound = wilson_lower(hits[k], predicted[k], z) if z > 0 else precision
        if bound >= target and hits[k] > 0:
            best = (float(ranked[k]), float(precision), float(hits[k] / max(labels.sum(), 1)))
    return best


def calibrate(max_titles: int = 2000, *, min_positives: int = 5) -> SynopsisCalibration | None:
    """Fit the threshold and a Platt scaling on titles whose tags are known (imported or staff).

    The threshold is the lowest whose precision reaches the target (TAGGING_SYNOPSIS_TARGET_PRECISION,
    0.8); when no threshold reaches it, the one with the best F1.

    None when there are too few known tags to fit on; the default threshold stays in use.
    """
    tags = vocabulary()
    titles = list(
        Title.objects.exclude(synopsis="")
        .filter(title_tags__source__in=[TitleTag.Source.IMPORTED, TitleTag.Source.STAFF])
        .distinct().order_by("id")[:max_titles]
    )
    if not tags or not titles:
        return None
    known = set(
        TitleTag.objects.filter(title__in=titles, source__in=[TitleTag.Source.IMPORTED, TitleTag.Source.STAFF])
        .values_list("title_id", "tag_id")
    )
    sims = similarities([t.synopsis for t in titles], tags)
    labels = np.array([[(t.id, g.id) in known for g in tags] for t in titles]).ravel()
    scores = sims.ravel().astype(np.float64)
    if labels.sum() < min_positives or labels.sum() == len(labels):
        return None
    best_f1, best_threshold = 0.0, float(np.median(scores))
    for threshold in np.unique(np.round(scores, 3)):
        predicted = scores >= threshold
        tp = float((predicted & labels).sum())
        if tp == 0:
            continue
        precision, recall = tp / predicted.sum(), tp / labels.sum()
        f1 = 2 * precision * recall / (precision + recall)
        if f1 > best_f1:
            best_f1, best_threshold = f1, float(threshold)
    target = getattr(settings, "TAGGING_SYNOPSIS_TARGET_PRECISION", TARGET_PRECISION)
    chosen = threshold_for_precision(scores, labels, target, z=PRECISION_BOUND_Z)
    if chosen is not None:
        best_threshold, precision, recall = chosen
        best_f1 = 2 * precision * recall / (precision + recall)
    from sklearn.linear_model import LogisticRegression

    platt = LogisticRegression(C=100.0).fit(scores.reshape(-1, 1), labels)
    return SynopsisCalibration.objects.create(
        threshold=best_threshold, slope=float(platt.coef_[0, 0]), intercept=float(platt.intercept_[0]),
        pairs=len(labels), positives=int(labels.sum()), f1=round(best_f1, 4),
    )


def synopsis_tags(title: Title) -> list[Suggested]:
    if not title.synopsis.strip():
        return []
    tags = vocabulary()
    if not tags:
        return []
    calibration = SynopsisCalibration.objects.order_by("-created_at", "-id").first()
    threshold = calibration.threshold if calibration else settings.TAGGING_SYNOPSIS_THRESHOLD
    out = []
    for tag, sim in zip(tags, similarities([title.synopsis], tags)[0], strict=True):
        if sim < threshold:
            continue
        if calibration:
            confidence = 1.0 / (1.0 + math.exp(-(calibration.slope * float(sim) + calibration.intercept)))
        else:  # uncalibrated: map [threshold, 1] onto [0.5, 1]
            confidence = 0.5 + 0.5 * (float(sim) - threshold) / max(1e-6, 1 - threshold)
        out.append(Suggested(tag.name, round(min(1.0, max(0.0, confidence)), 4)))
    return out
