"""The production two-stage ranker: fitted inside a version's training, stored beside its embeddings, and
the source of the version's stored top picks, each kept with the generator that proposed it.

The generators are the version's own LightFM embeddings (the hybrid), EASE^R, item-kNN, user-kNN and
popularity (`two_stage.TwoStageRecommender`); the ranker learns on the latest fifth of each profile's
training interactions. For the item-to-item generators (item-kNN, EASE^R) the liked title that added
most to the candidate's score is kept as its anchor, so "Because you watched X" names a title that
really proposed it. Imported by training and the batch-scoring tasks only, never by the request path.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from django.conf import settings

from .dataset import Dataset, Events, Pairs
from .evaluation import top_k
from .hybrid import Embeddings, HybridParams, HybridRecommender
from .models import ModelVersion
from .two_stage import TwoStageRecommender, default_generators

ANCHORED = ("item_knn", "ease")  # generators whose score is a sum over the profile's own titles


class RankerUnavailable(Exception):
    """Too little data to learn a ranker from; the version serves the hybrid's own ranking."""


@dataclass(frozen=True)
class RankerConfig:
    """The generators' hyperparameters: EASE^R's lambda and user-kNN's k come from the evaluation's
    baselines, which chose them on a validation split inside the training part."""

    ease_lambda: float = 400.0
    knn_neighbours: int = 50
    per_generator: int = 50

    @classmethod
    def from_metrics(cls, metrics: dict) -> RankerConfig:
        chosen = {name: (metrics.get(name) or {}).get("chosen") or {} for name in ("ease", "user_knn")}
        return cls(
            ease_lambda=float(chosen["ease"].get("lambda", cls.ease_lambda)),
            knn_neighbours=int(chosen["user_knn"].get("neighbours", cls.knn_neighbours)),
        )


class EmbeddingScorer:
    """The hybrid generator from embeddings already fitted on the whole training data (the version's own)."""

    name = "hybrid"

    def __init__(self, emb: Embeddings) -> None:
        self.emb = emb

    def fit(self, data: Dataset, train: Pairs, progress=None) -> None:
        return None

    def score(self, users: np.ndarray) -> np.ndarray:
        return self.emb.scores(self.emb.user_vectors[users])


def two_stage(
    params: HybridParams, config: RankerConfig, *, emb: Embeddings | None = None, seed: int = 0, threads: int = 2
) -> TwoStageRecommender:
    """The ranker over the five generators; with `emb`, the final hybrid generator is those embeddings."""
    inner = default_generators(lambda: HybridRecommender(params, seed=seed, threads=threads), config.ease_lambda,
                               config.knn_neighbours)
    final = None
    if emb is not None:
        final = default_generators(lambda: EmbeddingScorer(emb), config.ease_lambda, config.knn_neighbours)
    return TwoStageRecommender(
        inner, final_generators=final, per_generator=config.per_generator, seed=seed, protocol="time"
    )


def fit_ranker(
    data: Dataset, pairs: Pairs, params: HybridParams, emb: Embeddings, config: RankerConfig, *, threads: int = 2
) -> TwoStageRecommender:
    model = two_stage(params, config, emb=emb, threads=threads)
    try:
        model.fit(data, pairs)
    except ValueError as error:  # an empty validation slice, or one class only
        raise RankerUnavailable(str(error)) from error
    return model


def ranker_path(version: ModelVersion) -> Path:
    return Path(settings.MODEL_ARTIFACT_DIR) / version.ranker


def save_ranker(version: ModelVersion, model: TwoStageRecommender, data: Dataset, pairs: Pairs,
                config: RankerConfig) -> str:
    """Write the fitted ranker with what rebuilds its generators (training pairs, title features) atomically.

    EASE^R's dense weights (titles squared) are not stored: they are a closed form of the pairs, and a
    scoring worker recomputes them once per version (`load_ranker`).
    """
    state = {
        "ranker": model.ranker, "coverage_weight": model.coverage_weight, "config": asdict(config), "pairs": pairs,
        "exposure_weight": model.exposure_weight, "exposure": model.exposure,
        "data": data.with_events(Events.empty()),
    }
    return _dump(version, state)


def _dump(version: ModelVersion, state: dict) -> str:
    import joblib

    directory = Path(settings.MODEL_ARTIFACT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"recommender-v{version.version}-ranker.joblib"
    temporary = directory / f".{name}.{uuid.uuid4().hex}.tmp"
    joblib.dump(state, temporary)
    os.replace(temporary, directory / name)
    return name


def carry_ranker(source: ModelVersion, version: ModelVersion, users: np.ndarray, pairs: Pairs) -> str:
    """`source`'s fitted ranker stored again for `version`, with `users`' training pairs replaced by `pairs`.

    For an incremental update: the learned ranker is kept as the gate judged it, while its generators
    (rebuilt from the pairs when loaded) and its seen-title mask include those profiles' new behaviour.
    Indexes are the source's (an incremental update keeps every profile and title where it was).
    """
    import joblib

    state = joblib.load(ranker_path(source))
    old: Pairs = state["pairs"]
    kept = old.take(~np.isin(old.user, users))
    state["pairs"] = Pairs(*(np.concatenate([getattr(kept, f), getattr(pairs, f)]) for f in
                             ("user", "item", "weight", "relevant", "time")))
    return _dump(version, state)


_loaded: dict[tuple[int, str], TwoStageRecommender] = {}  # one version's rebuilt ranker per process


def load_ranker(version: ModelVersion, emb: Embeddings) -> TwoStageRecommender | None:
    """The version's ranker with its generators rebuilt (once per process and version), or None without one."""
    import joblib

    if not version.ranker:
        return None
    key = (version.pk, version.ranker)
    if key not in _loaded:
        state = joblib.load(ranker_path(version))
        model = two_stage(HybridParams.from_dict(version.hyperparams), RankerConfig(**state["config"]), emb=emb)
        # Files written before the exposure discount have neither key: no exposure discount.
        model.restore(state["ranker"], state["data"], state["pairs"], state["coverage_weight"],
                      state.get("exposure_weight", 0.0), state.get("exposure"))
        _loaded.clear()
        _loaded[key] = model
    return _loaded[key]


def anchors(model: TwoStageRecommender, generator: str, user: int, items: np.ndarray,
            liked: sp.csr_matrix) -> np.ndarray:
    """Per item, the liked title (index) adding most to `generator`'s score of it for `user`; -1 where none adds."""
    out = np.full(len(items), -1, dtype=np.int64)
    mine = liked[user].indices
    if not len(mine) or not len(items):
        return out
    if generator == "item_knn":
        contributions = model.generators["item_knn"].similarity[mine][:, items].toarray()
    else:
        ease = model.generators["ease"]
        local = np.full(model.seen.shape[1], -1, dtype=np.int64)
        local[ease.items] = np.arange(len(ease.items))
        rows, cols = local[mine], local[items]
        contributions = np.zeros((len(mine), len(items)), dtype=np.float32)
        ok_rows, ok_cols = rows >= 0, cols >= 0
        contributions[np.ix_(ok_rows, ok_cols)] = ease.weights[np.ix_(rows[ok_rows], cols[ok_cols])]
    best = np.argmax(contributions, axis=0)
    found = contributions[best, np.arange(len(items))] > 0
    out[found] = mine[best[found]]
    return out


def ranked_lists(
    model: TwoStageRecommender, users: np.ndarray, exclude: sp.csr_matrix, liked: sp.csr_matrix, n: int,
    chunk: int = 256,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, list[list[str]], np.ndarray]]:
    """Yield (users, top-n items, scores, proposing generator per item, anchor item or -1) chunk by chunk.

    `exclude` and `liked` are indexed by user index like `users`; only unseen, unexcluded titles some
    generator proposed are ranked.
    """
    names = list(model.generators)
    for start in range(0, len(users), chunk):
        batch = users[start : start + chunk]
        scores, proposers = model.score_with_proposers(batch, exclude[batch])
        best = top_k(scores, min(n, scores.shape[1]))
        best_scores = np.take_along_axis(scores, best, axis=1)
        best_proposers = np.take_along_axis(proposers, best, axis=1)
        generators = [[names[p] if p >= 0 else "" for p in row] for row in best_proposers]
        anchor = np.full(best.shape, -1, dtype=np.int64)
        for row, user in enumerate(batch):
            for generator in ANCHORED:
                if generator not in model.generators:
                    continue
                where = np.flatnonzero((best_proposers[row] == names.index(generator)) & np.isfinite(best_scores[row]))
                anchor[row, where] = anchors(model, generator, int(user), best[row, where], liked)
        yield batch, best, best_scores, generators, anchor
