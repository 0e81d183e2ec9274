"""Every score of a batch of questions: the ranking over entries, and the candidate hand-off scores
(nearest example, centroid, out-of-scope class, combined, Mahalanobis, k-th nearest) over the KB's geometry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .entry_classifier import _Classifier

# Scores computed for every question; "stacked" is a logistic regression over them (see training._fit_stacker).
SCORE_RULES = ("nearest", "centroid", "oos_class", "combined", "mahalanobis", "knn")
HANDOFF_RULES = (*SCORE_RULES, "stacked")
KNN_K = 5  # the k-th most similar KB example (any entry) for the "knn" score


def _nearest_by_entry(sims: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Max cosine similarity between each query and each entry's examples (examples sorted by entry)."""
    return np.clip(np.maximum.reduceat(sims, starts, axis=1), 0.0, 1.0)


def _centroids(emb: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros((n, emb.shape[1]), dtype=np.float32)
    for label in range(n):
        members = emb[labels == label]
        if len(members):
            mean = members.mean(axis=0)
            out[label] = mean / max(np.linalg.norm(mean), 1e-9)
    return out


@dataclass
class _Space:
    """The KB examples' geometry that every similarity and distance score reads."""

    example_emb: np.ndarray  # sorted by entry
    starts: np.ndarray  # first row of each entry in example_emb
    centroids: np.ndarray  # unit-length entry means
    means: np.ndarray | None = None  # raw entry means and the shared precision matrix (Mahalanobis)
    precision: np.ndarray | None = None


def _space(emb: np.ndarray, labels: np.ndarray, n: int, *, pad: bool) -> _Space:
    """`pad`: give every entry a zero row, so an entry with no examples in a fold still has a column."""
    from sklearn.covariance import LedoitWolf

    ex_emb, ex_lab = emb, labels
    if pad:
        ex_lab = np.concatenate([labels, np.arange(n)])
        ex_emb = np.vstack([emb, np.zeros((n, emb.shape[1]), dtype=np.float32)])
    order = np.argsort(ex_lab, kind="stable")
    means = np.zeros((n, emb.shape[1]), dtype=np.float64)
    for label in range(n):
        if (labels == label).any():
            means[label] = emb[labels == label].mean(axis=0)
    # 384 dimensions from a few hundred questions: the covariance needs shrinkage to be invertible.
    precision = LedoitWolf(assume_centered=True).fit(emb - means[labels]).precision_
    return _Space(ex_emb[order], np.searchsorted(ex_lab[order], np.arange(n)), _centroids(emb, labels, n),
                  means.astype(np.float32), precision.astype(np.float32))


def _mahalanobis(emb: np.ndarray, space: _Space) -> np.ndarray:
    """Smallest squared Mahalanobis distance from each query to an entry mean (shared covariance)."""
    projected = emb @ space.precision
    mean_projected = space.means @ space.precision
    d = (np.sum(projected * emb, axis=1)[:, None] - 2 * emb @ mean_projected.T
         + np.sum(mean_projected * space.means, axis=1)[None, :])
    return d.min(axis=1)


def _combine(weights: dict[str, float], classifier: np.ndarray, nearest: np.ndarray) -> np.ndarray:
    return weights["classifier"] * classifier + weights["nearest"] * nearest


def _top_two(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if scores.shape[1] == 1:
        idx = np.zeros((scores.shape[0], 2), dtype=int)
        return idx, np.column_stack([scores[:, 0], np.zeros(scores.shape[0])])
    idx = np.argsort(-scores, axis=1)[:, :2]
    return idx, np.take_along_axis(scores, idx, axis=1)


@dataclass
class _Parts:
    """Every score of a batch of questions: ranking over entries and the candidate hand-off scores."""

    combined: np.ndarray  # (n, entries)
    handoff: dict[str, np.ndarray]  # rule -> (n,)


def _score(classifier: _Classifier, weights: dict[str, float], texts: list[str], emb: np.ndarray,
           space: _Space, n_entries: int, oos_class: bool) -> _Parts:
    proba = classifier.proba(texts, emb, n_entries + int(oos_class))
    if oos_class:  # the last column is "out of scope": rank the entries on the rest, renormalised
        p_oos = proba[:, -1]
        proba = proba[:, :-1] / np.clip(1.0 - p_oos, 1e-9, None)[:, None]
    else:
        p_oos = np.zeros(len(texts))
    sims = emb @ space.example_emb.T
    nearest = _nearest_by_entry(sims, space.starts)
    combined = _combine(weights, proba, nearest)
    k = min(KNN_K, sims.shape[1])
    handoff = {
        "nearest": nearest.max(axis=1),
        "centroid": (emb @ space.centroids.T).max(axis=1),
        "oos_class": 1.0 - p_oos,
        "combined": combined.max(axis=1),
        "knn": -np.partition(-sims, k - 1, axis=1)[:, k - 1],
    }
    if space.precision is not None:
        handoff["mahalanobis"] = -_mahalanobis(emb, space)
    return _Parts(combined, handoff)
