"""The learned tagger: per-tag logistic regression on keyframe features from staff labels, Platt-calibrated.

A model is stored as plain numbers (scaling, weights, calibration) in `LearnedTagger.params`, so any
worker on any machine can use it without unpickling. A new version becomes active only if its
cross-validated log loss beats always predicting the base rate; otherwise the previous one stays.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Max

from jobs import Progress, exclusive_job

from .descriptors import COLOUR_NAMES
from .models import LearnedTagger, TrainingLabel
from .taggers import KeyframeInput, Suggested

SCALARS = ["brightness", "contrast", "saturation", "blue_cast", "colourfulness", "faces", "largest_face", "people",
           "motion", "text"]
FEATURE_NAMES = SCALARS + [f"colour:{name}" for name in COLOUR_NAMES]
LOCK_NAME = "tagging.retrain_learned_tagger"


def feature_vector(features: dict, clip_dim: int = 0) -> np.ndarray | None:
    """The model input for one keyframe; None when the model needs CLIP and the keyframe has none."""
    base = [float(features.get(name, 0.0)) for name in SCALARS]
    colours = features.get("colours", {})
    base += [float(colours.get(name, 0.0)) for name in COLOUR_NAMES]
    if clip_dim:
        clip = features.get("clip")
        if not clip or len(clip) != clip_dim:
            return None
        base += [float(v) for v in clip]
    return np.asarray(base, dtype=np.float64)


def _log_loss(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def fit(features: list[dict], labels: list[bool]) -> tuple[dict, float, float]:
    """(params, cross-validated log loss, base-rate log loss) for one tag's labelled keyframes."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    clip_dims = {len(f.get("clip") or []) for f in features}
    clip_dim = clip_dims.pop() if len(clip_dims) == 1 else 0
    X = np.vstack([feature_vector(f, clip_dim) for f in features])
    y = np.asarray(labels, dtype=int)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    Xs = (X - mean) / scale
    folds = StratifiedKFold(n_splits=int(min(5, y.sum(), len(y) - y.sum())), shuffle=True, random_state=0)
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    scores = cross_val_predict(model, Xs, y, cv=folds, method="decision_function").reshape(-1, 1)
    # Platt scaling on out-of-fold scores; its own out-of-fold output measures calibrated quality.
    platt = LogisticRegression(C=1e4, max_iter=2000)
    calibrated = cross_val_predict(platt, scores, y, cv=folds, method="predict_proba")[:, 1]
    platt.fit(scores, y)
    model.fit(Xs, y)
    base_rate = y.mean()
    params = {
        "features": FEATURE_NAMES, "clip_dim": clip_dim, "mean": mean.round(6).tolist(),
        "scale": scale.round(6).tolist(), "weights": model.coef_[0].round(6).tolist(),
        "bias": float(model.intercept_[0]), "platt_slope": float(platt.coef_[0, 0]),
        "platt_intercept": float(platt.intercept_[0]),
    }
    return params, _log_loss(y, calibrated), _log_loss(y, np.full(len(y), base_rate))


def predict(params: dict, features: dict) -> float | None:
    x = feature_vector(features, params["clip_dim"])
    if x is None:
        return None
    raw = float(((x - np.asarray(params["mean"])) / np.asarray(params["scale"])) @ np.asarray(params["weights"]))
    z = params["platt_slope"] * (raw + params["bias"]) + params["platt_intercept"]
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def retrain(progress: Progress | None = None) -> dict[str, str]:
    """Train every tag with enough labels; tag name -> what happened. Raises JobAlreadyRunning if one is training."""
    # The lock lives here, not in the task or the command, so every caller gets it.
    with exclusive_job(LOCK_NAME):
        return _retrain(progress)


def _retrain(progress: Progress | None) -> dict[str, str]:
    minimum = settings.TAGGING_LEARNED_MIN_LABELS
    by_tag: dict[int, list[TrainingLabel]] = defaultdict(list)
    for label in TrainingLabel.objects.select_related("tag").order_by("id"):
        by_tag[label.tag_id].append(label)
    outcome: dict[str, str] = {}
    for done, labels in enumerate(by_tag.values(), start=1):
        tag = labels[0].tag
        positives = sum(1 for label in labels if label.positive)
        negatives = len(labels) - positives
        if positives < minimum or negatives < minimum:
            outcome[tag.name] = f"skipped: {positives} approvals, {negatives} rejections (need {minimum} each)"
        else:
            params, cv_loss, base_loss = fit([label.features for label in labels], [label.positive for label in labels])
            better = cv_loss < base_loss
            with transaction.atomic():
                version = (LearnedTagger.objects.filter(tag=tag).aggregate(v=Max("version"))["v"] or 0) + 1
                if better:
                    LearnedTagger.objects.filter(tag=tag, is_active=True).update(is_active=False)
                LearnedTagger.objects.create(
                    tag=tag, version=version, is_active=better, params=params, positives=positives,
                    negatives=negatives, cv_log_loss=round(cv_loss, 5), baseline_log_loss=round(base_loss, 5),
                )
            verdict = "activated" if better else "kept previous (no better than the base rate)"
            outcome[tag.name] = f"v{version} {verdict}: log loss {cv_loss:.3f} vs base rate {base_loss:.3f}"
        if progress:
            progress(done, len(by_tag), tag.name)
    return outcome


def learned_tags(keyframes: list[KeyframeInput]) -> list[list[Suggested]]:
    active = list(LearnedTagger.objects.filter(is_active=True).select_related("tag"))
    threshold = settings.TAGGING_LEARNED_MIN_CONFIDENCE
    out: list[list[Suggested]] = []
    for keyframe in keyframes:
        found = []
        for model in active:
            probability = predict(model.params, keyframe.features)
            if probability is not None and probability >= threshold:
                found.append(Suggested(model.tag.name, round(probability, 4)))
        out.append(found)
    return out
