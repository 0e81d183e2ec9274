"""Offline evaluation: the two split protocols and the ranking, coverage and beyond-accuracy metrics.

Works on `Pairs` arrays only, so the same code judges the hybrid and every baseline on the same split.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import scipy.sparse as sp

from .dataset import Dataset, Pairs

if TYPE_CHECKING:
    from jobs import Progress

METRIC_KEYS = [
    "ndcg@10", "precision@10", "recall@10", "map@10", "coverage", "novelty", "diversity", "long_tail_share",
]
PROTOCOLS = ("time", "stratified")


class Recommender(Protocol):
    name: str

    def fit(self, data: Dataset, train: Pairs, progress: Progress | None = None) -> None: ...

    def score(self, users: np.ndarray) -> np.ndarray: ...


@dataclass
class Split:
    protocol: str
    train: Pairs
    test: Pairs
    relevant: Pairs  # the held-out pairs that count as hits


def split_by_time(pairs: Pairs, fraction: float = 0.2) -> tuple[Pairs, Pairs]:
    """Hold out the last `fraction` of each user's interactions by time (users with < 5 keep them all)."""
    order = np.lexsort((pairs.item, pairs.time, pairs.user))
    users = pairs.user[order]
    counts = np.bincount(users)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.arange(len(order)) - starts[users]
    held = np.floor(counts * fraction).astype(np.int64)
    is_test = np.zeros(len(pairs), dtype=bool)
    is_test[order] = position >= counts[users] - held[users]
    return pairs.take(~is_test), pairs.take(is_test)


def split_stratified(pairs: Pairs, fraction: float = 0.25, seed: int = 0) -> tuple[Pairs, Pairs]:
    """Hold out a random `fraction` of each user's interactions (users with < 4 keep them all)."""
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(len(pairs)), pairs.user))
    users = pairs.user[order]
    counts = np.bincount(users)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    position = np.arange(len(order)) - starts[users]
    held = np.floor(counts * fraction).astype(np.int64)
    is_test = np.zeros(len(pairs), dtype=bool)
    is_test[order] = position < held[users]
    return pairs.take(~is_test), pairs.take(is_test)


def make_split(pairs: Pairs, protocol: str, seed: int = 0) -> Split:
    if protocol == "time":
        train, test = split_by_time(pairs)
        return Split(protocol, train, test, test.take(test.relevant))
    if protocol == "stratified":
        train, test = split_stratified(pairs, seed=seed)
        return Split(protocol, train, test, test)
    raise ValueError(f"unknown protocol {protocol!r}; expected one of {', '.join(PROTOCOLS)}")


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the k best scores per row, best first (argpartition, then sort only those k)."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def recommend_for(model: Recommender, users: np.ndarray, seen: sp.csr_matrix, k: int, chunk: int = 512) -> np.ndarray:
    """Top-k unseen items for each user, scored in chunks so memory stays chunk x n_items."""
    out = np.zeros((len(users), k), dtype=np.int64)
    for start in range(0, len(users), chunk):
        batch = users[start : start + chunk]
        scores = np.asarray(model.score(batch), dtype=np.float32)
        mask = seen[batch]
        rows = np.repeat(np.arange(len(batch)), np.diff(mask.indptr))
        scores[rows, mask.indices] = -np.inf
        out[start : start + len(batch)] = top_k(scores, k)
    return out


def long_tail_items(train: Pairs, n_items: int, head_share: float = 0.5) -> np.ndarray:
    """Boolean mask of long-tail items: outside the most popular items that hold `head_share` of interactions."""
    counts = np.bincount(train.item, minlength=n_items)
    order = np.argsort(-counts, kind="stable")
    cumulative = np.cumsum(counts[order]) / max(counts.sum(), 1)
    head = order[: int(np.searchsorted(cumulative, head_share)) + 1]
    tail = np.ones(n_items, dtype=bool)
    tail[head] = False
    return tail


def _hits(recs: np.ndarray, users: np.ndarray, relevant: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Per user: which of the recommended titles are relevant, and how many relevant titles there are."""
    hits = np.zeros(recs.shape, dtype=bool)
    for start in range(0, len(users), 1024):
        dense = relevant[users[start : start + 1024]].toarray() > 0
        hits[start : start + 1024] = np.take_along_axis(dense, recs[start : start + 1024], axis=1)
    return hits, np.asarray(relevant[users].sum(axis=1)).ravel()


def _ndcg_of(hits: np.ndarray, n_rel: np.ndarray, k: int) -> np.ndarray:
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.array([discounts[: min(int(n), k)].sum() for n in n_rel])
    return (hits * discounts).sum(axis=1) / ideal


def ndcg_per_user(recs: np.ndarray, users: np.ndarray, relevant: sp.csr_matrix, k: int = 10) -> np.ndarray:
    """NDCG@k of each user's recommendations (row i of `recs` is `users[i]`'s); their mean is ranking_metrics'."""
    return _ndcg_of(*_hits(recs, users, relevant), k)


def ranking_metrics(recs: np.ndarray, users: np.ndarray, relevant: sp.csr_matrix, k: int = 10) -> dict[str, float]:
    hits, n_rel = _hits(recs, users, relevant)
    cum_hits = np.cumsum(hits, axis=1)
    precision_at = cum_hits / np.arange(1, k + 1)
    ap = (precision_at * hits).sum(axis=1) / np.minimum(n_rel, k)
    return {
        "ndcg@10": float(np.mean(_ndcg_of(hits, n_rel, k))),
        "precision@10": float(np.mean(hits.sum(axis=1) / k)),
        "recall@10": float(np.mean(hits.sum(axis=1) / n_rel)),
        "map@10": float(np.mean(ap)),
    }


def beyond_accuracy(recs: np.ndarray, data: Dataset, train: Pairs) -> dict[str, float]:
    n_users, n_items = data.n_users, data.n_items
    popularity = np.bincount(train.item, minlength=n_items).astype(np.float64)
    self_information = -np.log2(np.maximum(popularity, 1) / max(n_users, 1))
    descriptors = data.item_descriptors()
    diversity = []
    for row in recs:
        vectors = descriptors[row]
        gram = (vectors @ vectors.T).toarray()
        n = len(row)
        diversity.append((n * n - gram.sum() - (n - np.trace(gram))) / max(n * (n - 1), 1))
    tail = long_tail_items(train, n_items)
    return {
        "coverage": float(len(np.unique(recs)) / n_items),
        "novelty": float(self_information[recs].mean()),
        "diversity": float(np.mean(diversity)),
        "long_tail_share": float(tail[recs].mean()),
    }


def evaluate_model(model: Recommender, data: Dataset, split: Split, k: int = 10) -> dict[str, float]:
    """Fit on the split's training part, rank unseen items, score against its held-out relevant items."""
    started = time.perf_counter()
    model.fit(data, split.train)
    train_seconds = time.perf_counter() - started
    result = score_fitted(model, data, split, k) | {"train_seconds": round(train_seconds, 2)}
    if getattr(model, "chosen", None):  # hyperparameters a baseline chose on its inner validation split
        result["chosen"] = dict(model.chosen)
    return result


def score_fitted(model: Recommender, data: Dataset, split: Split, k: int = 10) -> dict[str, float]:
    seen = split.train.matrix(data.n_users, data.n_items, positive_only=False, binary=True)
    relevant = split.relevant.matrix(data.n_users, data.n_items, positive_only=False, binary=True)
    users = np.flatnonzero(np.asarray(relevant.sum(axis=1)).ravel() > 0)
    if len(users) == 0:
        raise ValueError(f"{split.protocol} split has no user with a relevant held-out item")
    recs = recommend_for(model, users, seen, k)
    return ranking_metrics(recs, users, relevant, k) | beyond_accuracy(recs, data, split.train) | {
        "users": int(len(users))
    }


TABLE_COLUMNS = [
    ("ndcg@10", "NDCG@10", 8), ("precision@10", "P@10", 7), ("recall@10", "R@10", 7), ("map@10", "MAP@10", 7),
    ("coverage", "cover", 6), ("novelty", "novelty", 7), ("diversity", "divers", 6), ("long_tail_share", "tail", 6),
    ("train_seconds", "train s", 8),
]


def format_table(results: dict[str, dict[str, dict]], reference: str = "hybrid") -> str:
    """results[protocol][model] -> metrics; one block per protocol plus the hybrid/best-baseline NDCG ratio."""
    lines = []
    for protocol, models in results.items():
        header = f"{protocol + ' split':<18}" + "".join(f"{label:>{w + 2}}" for _, label, w in TABLE_COLUMNS)
        lines += [header, "-" * len(header)]
        for name, metrics in models.items():
            cells = "".join(
                f"{metrics.get(key, float('nan')):>{w + 2}.{1 if key == 'train_seconds' else 4}f}"
                for key, _, w in TABLE_COLUMNS
            )
            lines.append(f"{name:<18}{cells}")
        baselines = {n: m for n, m in models.items() if n != reference and not n.startswith(reference)}
        if reference in models and baselines:
            best = max(baselines, key=lambda n: baselines[n]["ndcg@10"])
            ratio = models[reference]["ndcg@10"] / max(baselines[best]["ndcg@10"], 1e-12)
            lines.append(f"{reference} NDCG@10 / best baseline ({best}): {ratio:.3f}")
        lines.append("")
    return "\n".join(lines)
