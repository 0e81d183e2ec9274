"""The obvious alternatives the hybrid must beat: popularity, item-kNN, user-kNN, EASE^R, LightFM defaults.

EASE^R and user-kNN choose their one hyperparameter on a validation split carved out of the training
part they are given (the same protocol applied again), so the bar is set without seeing the test part.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from .dataset import Dataset, Pairs

if TYPE_CHECKING:
    from jobs import Progress


class Popularity:
    """Most-interacted titles first, the same list for everyone."""

    name = "popularity"

    def fit(self, data: Dataset, train: Pairs, progress: Progress | None = None) -> None:
        self.counts = np.bincount(train.item, minlength=data.n_items).astype(np.float32)

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.counts, (len(users), len(self.counts))).copy()


class ItemKNN:
    """Item-based collaborative filtering: cosine similarity of item columns, top-k neighbours kept."""

    name = "item_knn"

    def __init__(self, neighbours: int = 100) -> None:
        self.neighbours = neighbours

    def fit(self, data: Dataset, train: Pairs, progress: Progress | None = None) -> None:
        # Every interaction counts, as in the textbook baseline (no signal weighting).
        self.user_items = train.matrix(data.n_users, data.n_items, positive_only=False, binary=True)
        norms = np.sqrt(np.asarray(self.user_items.sum(axis=0)).ravel())
        norms[norms == 0] = 1
        normalised = self.user_items @ sp.diags(1 / norms)
        similarity = (normalised.T @ normalised).toarray().astype(np.float32)
        np.fill_diagonal(similarity, 0)
        if self.neighbours < similarity.shape[0]:
            cut = np.argpartition(-similarity, self.neighbours, axis=1)[:, self.neighbours :]
            np.put_along_axis(similarity, cut, 0, axis=1)
        self.similarity = sp.csr_matrix(similarity)

    def score(self, users: np.ndarray) -> np.ndarray:
        return (self.user_items[users] @ self.similarity).toarray()


class LightFMDefaults:
    """LightFM exactly as the library ships it: `LightFM()` and `fit()` with defaults, no features."""

    name = "lightfm_default"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, data: Dataset, train: Pairs, progress: Progress | None = None) -> None:
        from lightfm import LightFM

        self.model = LightFM(random_state=self.seed)
        self.model.fit(train.matrix(data.n_users, data.n_items, positive_only=False, binary=True).tocoo())
        self.user_bias, self.user_vectors = self.model.get_user_representations()
        self.item_bias, self.item_vectors = self.model.get_item_representations()

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.user_vectors[users] @ self.item_vectors.T + self.item_bias


def _validation_ndcg(model, data: Dataset, train: Pairs, protocol: str, seed: int) -> tuple[object, object]:
    """(inner split, function scoring the model fitted on the inner train) for hyperparameter choice."""
    from .evaluation import make_split, ranking_metrics, recommend_for  # evaluation imports dataset only

    inner = make_split(train, protocol, seed=seed)
    seen = inner.train.matrix(data.n_users, data.n_items, positive_only=False, binary=True)
    relevant = inner.relevant.matrix(data.n_users, data.n_items, positive_only=False, binary=True)
    users = np.flatnonzero(np.asarray(relevant.sum(axis=1)).ravel() > 0)

    def score() -> float:
        if len(users) == 0:
            return 0.0
        return ranking_metrics(recommend_for(model, users, seen, 10), users, relevant, 10)["ndcg@10"]

    return inner, score


class EASE:
    """EASE^R (Steck 2019): closed-form item-item ridge regression with a zero diagonal.

    B = I - P diag(1/diag(P)), P = (X'X + lambda I)^-1, over the items with any training interaction.
    Lambda is picked from `lambdas` on an inner validation split of the training part.
    """

    name = "ease"

    def __init__(self, lambdas: tuple[float, ...] = (100.0, 400.0, 1600.0), protocol: str = "time", seed: int = 0):
        self.lambdas, self.protocol, self.seed = tuple(lambdas), protocol, seed
        self.chosen: dict[str, float] = {}

    def _fit_one(self, data: Dataset, train: Pairs, lam: float) -> None:
        from scipy.linalg import lapack

        self.user_items = train.matrix(data.n_users, data.n_items, positive_only=False, binary=True).astype(np.float32)
        self.items = np.flatnonzero(np.asarray(self.user_items.sum(axis=0)).ravel() > 0)
        x = self.user_items[:, self.items]
        gram = (x.T @ x).toarray().astype(np.float32)
        gram[np.diag_indices_from(gram)] += lam
        # Cholesky inverse in float32: the gram is symmetric positive definite, and this halves time and memory.
        factor, info = lapack.spotrf(gram, lower=False, overwrite_a=True)
        if info != 0:
            raise np.linalg.LinAlgError(f"EASE: Cholesky failed ({info})")
        inverse, info = lapack.spotri(factor, lower=False, overwrite_c=True)
        inverse = np.triu(inverse) + np.triu(inverse, 1).T
        weights = -inverse / np.diag(inverse)
        np.fill_diagonal(weights, 0)
        self.weights = weights.astype(np.float32)
        self.lam = lam

    def fit(self, data: Dataset, train: Pairs, progress: Progress | None = None) -> None:
        if len(self.lambdas) > 1:
            inner, validate = _validation_ndcg(self, data, train, self.protocol, self.seed)
            scores = {}
            for lam in self.lambdas:
                self._fit_one(data, inner.train, lam)
                scores[lam] = validate()
            self.chosen = {"lambda": max(scores, key=scores.get)}
        else:
            self.chosen = {"lambda": self.lambdas[0]}
        self._fit_one(data, train, self.chosen["lambda"])

    def score(self, users: np.ndarray) -> np.ndarray:
        out = np.zeros((len(users), self.user_items.shape[1]), dtype=np.float32)
        out[:, self.items] = self.user_items[users][:, self.items] @ self.weights
        return out


class UserKNN:
    """User-based collaborative filtering: cosine similarity of user rows, the top-k neighbours' titles summed.

    k is picked from `neighbours` on an inner validation split of the training part.
    """

    name = "user_knn"

    def __init__(self, neighbours: tuple[int, ...] = (20, 50, 100), protocol: str = "time", seed: int = 0):
        self.neighbours, self.protocol, self.seed = tuple(neighbours), protocol, seed
        self.chosen: dict[str, float] = {}

    def _fit_one(self, data: Dataset, train: Pairs, k: int) -> None:
        self.user_items = train.matrix(data.n_users, data.n_items, positive_only=False, binary=True).astype(np.float32)
        norms = np.sqrt(np.asarray(self.user_items.sum(axis=1)).ravel())
        norms[norms == 0] = 1
        self.normalised = (sp.diags(1 / norms) @ self.user_items).tocsr()
        self.k = k

    def fit(self, data: Dataset, train: Pairs, progress: Progress | None = None) -> None:
        if len(self.neighbours) > 1:
            inner, validate = _validation_ndcg(self, data, train, self.protocol, self.seed)
            scores = {}
            for k in self.neighbours:
                self._fit_one(data, inner.train, k)
                scores[k] = validate()
            self.chosen = {"neighbours": max(scores, key=scores.get)}
        else:
            self.chosen = {"neighbours": self.neighbours[0]}
        self._fit_one(data, train, self.chosen["neighbours"])

    def score(self, users: np.ndarray) -> np.ndarray:
        # A chunk of users against all users: memory is chunk x n_users, never n_users^2.
        similarity = (self.normalised[users] @ self.normalised.T).toarray()
        similarity[np.arange(len(users)), users] = 0  # a user is not their own neighbour
        k = min(self.k, similarity.shape[1] - 1)
        if 0 < k < similarity.shape[1]:
            cut = np.argpartition(-similarity, k, axis=1)[:, k:]
            np.put_along_axis(similarity, cut, 0, axis=1)
        return (sp.csr_matrix(similarity) @ self.user_items).toarray()


BASELINES: dict[str, Callable[..., object]] = {
    "popularity": Popularity,
    "item_knn": ItemKNN,
    "user_knn": UserKNN,
    "ease": EASE,
    "lightfm_default": LightFMDefaults,
}

BASELINE_LABELS: dict[str, str] = {
    "popularity": "Popularity",
    "item_knn": "Item-kNN",
    "user_knn": "User-kNN",
    "ease": "EASE^R",
    "lightfm_default": "LightFM defaults",
}
"""The one list of baseline names and their display labels (admin chart, dashboard, bench)."""


def make_baseline(name: str, protocol: str = "time", seed: int = 0) -> object:
    """A fresh baseline; those with a hyperparameter choose it on the same protocol's inner validation split."""
    if name in ("ease", "user_knn"):
        return BASELINES[name](protocol=protocol, seed=seed)
    if name == "lightfm_default":
        return BASELINES[name](seed=seed)
    return BASELINES[name]()


def best_baseline(metrics: dict[str, dict], key: str = "ndcg@10") -> str | None:
    """Name of the baseline with the highest `key` among those present in `metrics`, else None."""
    present = {n: m[key] for n, m in metrics.items() if n in BASELINES and isinstance(m, dict) and key in m}
    return max(present, key=present.get) if present else None
