"""The obvious alternatives the hybrid must beat: popularity, item-kNN (cosine), LightFM with library defaults."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from .dataset import Dataset, Pairs


class Popularity:
    """Most-interacted titles first, the same list for everyone."""

    name = "popularity"

    def fit(self, data: Dataset, train: Pairs, progress: Callable | None = None) -> None:
        self.counts = np.bincount(train.item, minlength=data.n_items).astype(np.float32)

    def score(self, users: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.counts, (len(users), len(self.counts))).copy()


class ItemKNN:
    """Item-based collaborative filtering: cosine similarity of item columns, top-k neighbours kept."""

    name = "item_knn"

    def __init__(self, neighbours: int = 100) -> None:
        self.neighbours = neighbours

    def fit(self, data: Dataset, train: Pairs, progress: Callable | None = None) -> None:
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

    def fit(self, data: Dataset, train: Pairs, progress: Callable | None = None) -> None:
        from lightfm import LightFM

        self.model = LightFM(random_state=self.seed)
        self.model.fit(train.matrix(data.n_users, data.n_items, positive_only=False, binary=True).tocoo())
        self.user_bias, self.user_vectors = self.model.get_user_representations()
        self.item_bias, self.item_vectors = self.model.get_item_representations()

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.user_vectors[users] @ self.item_vectors.T + self.item_bias


BASELINES: dict[str, Callable[[], object]] = {
    "popularity": Popularity,
    "item_knn": ItemKNN,
    "lightfm_default": LightFMDefaults,
}
