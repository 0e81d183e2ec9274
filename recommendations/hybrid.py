"""The hybrid model: LightFM over behaviour plus item features (genres, weighted tags, year) and user features.

After fitting, only embeddings are kept (`Embeddings`): batch scoring, neighbours and cold start are
plain matrix products over them, and they are what the artefact file stores.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from .dataset import Dataset, Pairs, SignalWeights, fold_events

if TYPE_CHECKING:
    from jobs import Progress


@dataclass(frozen=True)
class HybridParams:
    loss: str = "warp"
    no_components: int = 64
    learning_rate: float = 0.05
    item_alpha: float = 1e-6
    user_alpha: float = 1e-6
    epochs: int = 30
    max_sampled: int = 30
    item_feature_weight: float = 0.3  # metadata features relative to the identity feature
    user_feature_weight: float = 0.3
    signals: SignalWeights = field(default_factory=SignalWeights)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict) -> HybridParams:
        raw = dict(raw)
        signals = SignalWeights(**raw.pop("signals", {}))
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        return cls(**known, signals=signals)


def with_identity(features: sp.csr_matrix, weight: float) -> sp.csr_matrix:
    """[identity | weight * features], rows normalised to sum 1 (LightFM's convention for hybrid features)."""
    n = features.shape[0]
    matrix = sp.hstack([sp.identity(n, dtype=np.float32, format="csr"), weight * features]).tocsr()
    sums = np.asarray(matrix.sum(axis=1)).ravel()
    sums[sums == 0] = 1
    return sp.csr_matrix(sp.diags(1 / sums) @ matrix, dtype=np.float32)


@dataclass
class Embeddings:
    """Everything serving needs from a trained model."""

    item_vectors: np.ndarray  # n_items x d
    item_bias: np.ndarray  # n_items
    user_vectors: np.ndarray  # n_users x d (the training users)
    user_feature_vectors: np.ndarray  # G x d, for profiles the model has not seen (cold start)
    user_feature_names: list[str]
    # Set when saved for serving: which Profile/Title pk each row is, and how popular each title was.
    user_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    item_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    item_popularity: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    # Metadata feature embeddings: a title added after training is the weighted mean of its features.
    item_feature_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    item_feature_bias: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    item_feature_names: list[str] = field(default_factory=list)

    def scores(self, user_vectors: np.ndarray) -> np.ndarray:
        return user_vectors @ self.item_vectors.T + self.item_bias

    def cold_user_vector(self, feature_names: list[str], liked_items: list[int]) -> np.ndarray | None:
        """A profile outside the model from its onboarding features and liked titles, as LightFM would sum them."""
        index = {name: i for i, name in enumerate(self.user_feature_names)}
        parts = [self.user_feature_vectors[index[name]] for name in feature_names if name in index]
        parts += [self.item_vectors[i] for i in liked_items]
        if not parts:
            return None
        return np.mean(parts, axis=0)

    def cold_item(self, features: dict[str, float]) -> tuple[np.ndarray, float] | None:
        """Vector and bias of a title the model has not seen, from its genre/tag/year features."""
        index = {name: i for i, name in enumerate(self.item_feature_names)}
        known = [(index[name], value) for name, value in features.items() if name in index and value > 0]
        if not known:
            return None
        rows = np.array([i for i, _ in known])
        weights = np.array([v for _, v in known], dtype=np.float32)
        weights /= weights.sum()
        return weights @ self.item_feature_vectors[rows], float(weights @ self.item_feature_bias[rows])

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            item_vectors=self.item_vectors,
            item_bias=self.item_bias,
            user_vectors=self.user_vectors,
            user_feature_vectors=self.user_feature_vectors,
            user_feature_names=np.array(self.user_feature_names, dtype=str),
            user_ids=self.user_ids,
            item_ids=self.item_ids,
            item_popularity=self.item_popularity,
            item_feature_vectors=self.item_feature_vectors,
            item_feature_bias=self.item_feature_bias,
            item_feature_names=np.array(self.item_feature_names, dtype=str),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Embeddings:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            return cls(
                item_vectors=npz["item_vectors"],
                item_bias=npz["item_bias"],
                user_vectors=npz["user_vectors"],
                user_feature_vectors=npz["user_feature_vectors"],
                user_feature_names=[str(n) for n in npz["user_feature_names"]],
                user_ids=npz["user_ids"],
                item_ids=npz["item_ids"],
                item_popularity=npz["item_popularity"],
                item_feature_vectors=npz["item_feature_vectors"],
                item_feature_bias=npz["item_feature_bias"],
                item_feature_names=[str(n) for n in npz["item_feature_names"]],
            )


class HybridRecommender:
    """LightFM with features; `fit` folds raw events with this model's own signal weights."""

    name = "hybrid"

    def __init__(self, params: HybridParams | None = None, *, seed: int = 0, threads: int = 2) -> None:
        self.params = params or HybridParams()
        self.seed = seed
        self.threads = threads
        self.embeddings: Embeddings | None = None

    def fit(self, data: Dataset, train: Pairs, progress: Progress | None = None) -> None:
        """Fit on the (user, item) pairs of `train`, re-weighting their raw events with this model's signal weights."""
        if len(data.events):
            n_items = data.n_items
            event_keys = data.events.user.astype(np.int64) * n_items + data.events.item
            train_keys = train.user.astype(np.int64) * n_items + train.item
            train = fold_events(data.events.take(np.isin(event_keys, train_keys)), self.params.signals)
        self._fit_pairs(data, train, progress)

    def fit_events(self, data: Dataset, progress: Progress | None = None) -> Pairs:
        pairs = fold_events(data.events, self.params.signals)
        self._fit_pairs(data, pairs, progress)
        return pairs

    def _fit_pairs(self, data: Dataset, train: Pairs, progress: Progress | None) -> None:
        from lightfm import LightFM

        p = self.params
        interactions, sample_weight = interaction_matrices(train, data.n_users, data.n_items, p.loss)
        item_features = with_identity(data.item_features, p.item_feature_weight)
        user_features = with_identity(data.user_features, p.user_feature_weight)
        model = LightFM(
            no_components=p.no_components,
            loss=p.loss,
            learning_rate=p.learning_rate,
            item_alpha=p.item_alpha,
            user_alpha=p.user_alpha,
            max_sampled=p.max_sampled,
            random_state=self.seed,
        )
        for epoch in range(p.epochs):
            model.fit_partial(
                interactions, user_features=user_features, item_features=item_features,
                sample_weight=sample_weight, epochs=1, num_threads=self.threads,
            )
            if progress:
                progress(epoch + 1, p.epochs, "training epochs")
        self.model = model
        self.item_features, self.user_features = item_features, user_features
        self.embeddings = embeddings_of(
            model, item_features, user_features,
            user_ids=data.user_ids, item_ids=data.item_ids,
            user_feature_names=list(data.user_feature_names), item_feature_names=list(data.item_feature_names),
            item_popularity=np.bincount(train.item[train.weight > 0], minlength=data.n_items).astype(np.float32),
        )

    def learner_state(self) -> LearnerState:
        """The fitted LightFM's own state, which an incremental update resumes from (`incremental.py`)."""
        return LearnerState.of(self.model, self.item_features, self.user_features)

    def score(self, users: np.ndarray) -> np.ndarray:
        assert self.embeddings is not None, "fit() first"
        return self.embeddings.scores(self.embeddings.user_vectors[users])


def interaction_matrices(
    train: Pairs, n_users: int, n_items: int, loss: str
) -> tuple[sp.coo_matrix, sp.coo_matrix | None]:
    """LightFM's inputs from folded pairs: the liked pairs as interactions, and their weights as sample weights."""
    positive = train.take(train.weight > 0)
    interactions = sp.coo_matrix(
        (np.ones(len(positive), dtype=np.float32), (positive.user, positive.item)), shape=(n_users, n_items)
    )
    weights = sp.coo_matrix(
        (positive.weight.astype(np.float32), (positive.user, positive.item)), shape=(n_users, n_items)
    )
    # LightFM needs sample weights only for the losses that accept them.
    return interactions, (weights if loss in ("warp", "logistic", "bpr") else None)


def embeddings_of(
    model, item_features: sp.csr_matrix, user_features: sp.csr_matrix, *, user_ids: np.ndarray,
    item_ids: np.ndarray, user_feature_names: list[str], item_feature_names: list[str], item_popularity: np.ndarray,
) -> Embeddings:
    """What serving keeps of a fitted LightFM: per-row vectors over the features, and the feature embeddings."""
    n_users, n_items = len(user_ids), len(item_ids)
    item_bias, item_vectors = model.get_item_representations(item_features)
    _, user_vectors = model.get_user_representations(user_features)
    return Embeddings(
        item_vectors=item_vectors.astype(np.float32),
        item_bias=item_bias.astype(np.float32),
        user_vectors=user_vectors.astype(np.float32),
        user_feature_vectors=model.user_embeddings[n_users:].astype(np.float32),
        user_feature_names=user_feature_names,
        user_ids=user_ids,
        item_ids=item_ids,
        item_popularity=item_popularity,
        item_feature_vectors=model.item_embeddings[n_items:].astype(np.float32),
        item_feature_bias=model.item_biases[n_items:].astype(np.float32),
        item_feature_names=item_feature_names,
    )


# LightFM's parameters and its per-parameter learning-rate state (adagrad's accumulated gradients,
# adadelta's momentum): resuming with these is what makes fit_partial continue the fit rather than restart it.
LIGHTFM_ARRAYS = tuple(
    f"{side}_{part}" for side in ("item", "user")
    for part in ("embeddings", "embedding_gradients", "embedding_momentum", "biases", "bias_gradients", "bias_momentum")
)


@dataclass
class LearnerState:
    """A fitted LightFM and the exact feature matrices it was fitted with, kept beside a version's embeddings.

    Its own file (not in `Embeddings`): it is several times the embeddings' size and only training reads it,
    while every web process loads the embeddings.
    """

    arrays: dict[str, np.ndarray]
    item_features: sp.csr_matrix
    user_features: sp.csr_matrix

    @classmethod
    def of(cls, model, item_features: sp.csr_matrix, user_features: sp.csr_matrix) -> LearnerState:
        return cls({name: getattr(model, name).copy() for name in LIGHTFM_ARRAYS}, item_features, user_features)

    def resume(self, params: HybridParams, *, seed: int = 0):
        """A new LightFM holding a copy of this state: fitting it further never touches this one."""
        from lightfm import LightFM

        model = LightFM(
            no_components=params.no_components, loss=params.loss, learning_rate=params.learning_rate,
            item_alpha=params.item_alpha, user_alpha=params.user_alpha, max_sampled=params.max_sampled,
            random_state=seed,
        )
        for name, array in self.arrays.items():
            setattr(model, name, array.copy())
        return model

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        matrices = {}
        for side, matrix in (("item", self.item_features), ("user", self.user_features)):
            matrices |= {f"{side}_features_data": matrix.data, f"{side}_features_indices": matrix.indices,
                         f"{side}_features_indptr": matrix.indptr,
                         f"{side}_features_shape": np.array(matrix.shape, dtype=np.int64)}
        np.savez_compressed(buffer, **self.arrays, **matrices)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, raw: bytes) -> LearnerState:
        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            def matrix(side: str) -> sp.csr_matrix:
                parts = (npz[f"{side}_features_data"], npz[f"{side}_features_indices"], npz[f"{side}_features_indptr"])
                return sp.csr_matrix(parts, shape=tuple(npz[f"{side}_features_shape"]))

            return cls({name: npz[name] for name in LIGHTFM_ARRAYS}, matrix("item"), matrix("user"))
