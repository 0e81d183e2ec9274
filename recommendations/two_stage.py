"""Two-stage ranking on arrays: candidate generators propose, a learned ranker orders their union.

Stage 1: each generator (the hybrid, EASE^R, item-kNN, user-kNN, popularity) proposes its top
`per_generator` unseen titles for a user. Stage 2: a gradient-boosted ranker scores every proposed
title from per-(user, title) features: each generator's score and rank, the title's popularity and
age, the genre/tag match with the user's history, and the user's activity level.

The ranker learns from a validation slice carved out of the training part (by default the latest
fifth of each user's training interactions; the bench's stratified protocol carves a random quarter): generators are fitted on what precedes the slice, and
a candidate is positive when it is in the slice. The generators are then refitted on the whole
training part (or replaced by `final_generators`, e.g. the version's own embeddings, which were
fitted on it already); the final evaluation's held-out part is never seen by any of it.

bench/recommend.py measures this class; `ranker.py` fits it inside a ModelVersion's training and
stores its top picks with the generator that proposed each one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from .baselines import EASE, ItemKNN, Popularity, UserKNN
from .dataset import Dataset, Pairs
from .evaluation import make_split, top_k

if TYPE_CHECKING:
    from jobs import Progress

GENERATORS = ("hybrid", "ease", "item_knn", "user_knn", "popularity")
COVERAGE_WEIGHTS = (0.0, 0.1, 0.2, 0.35, 0.5)
# Exposure discount: a title's score is divided by (1 + 100 x the share of profiles whose undiscounted
# top 10 holds it) ** weight, so the few titles that crowd everyone's list give way to the next ones.
EXPOSURE_WEIGHTS = (0.0, 0.1, 0.2, 0.35, 0.5, 1.0)
EXPOSURE_SAMPLE = 2_000  # profiles whose top 10s estimate the shares (a fit's cost stays bounded)
VALIDATION_SHARE = 0.2  # of the ranker slice's profiles, held back to choose the coverage weight
UNRANKED = 1_000  # the rank feature of a title a generator did not propose


class TwoStageRecommender:
    """`fit(data, train)` then `score(users)`: -inf for titles no generator proposed."""

    name = "two_stage"

    def __init__(
        self, make_generators: Callable[[], dict[str, object]], *, per_generator: int = 50, seed: int = 0,
        protocol: str = "time", final_generators: Callable[[], dict[str, object]] | None = None,
        coverage_weights: tuple[float, ...] = COVERAGE_WEIGHTS, coverage_tolerance: float = 0.02,
        exposure_weights: tuple[float, ...] = EXPOSURE_WEIGHTS,
    ):
        self.make_generators = make_generators
        # The ranker's probability is divided by (1 + title's interactions) ** coverage weight and by
        # (1 + 100 x its exposure share) ** exposure weight. On validation profiles the ranker did not
        # learn from, every pair of weights is scored; of the pairs within `coverage_tolerance` of the
        # best NDCG@10 the one with the widest catalogue coverage is kept (`choose_discounts`).
        self.coverage_weights, self.coverage_tolerance = tuple(coverage_weights), coverage_tolerance
        self.exposure_weights = tuple(exposure_weights)
        self.coverage_weight = self.exposure_weight = 0.0
        self.exposure = np.zeros(0, dtype=np.float32)  # log1p(100 x share) per title, from the fit
        # (coverage weight, exposure weight) -> (validation NDCG@10, validation coverage)
        self.coverage_validation: dict[tuple[float, float], tuple[float, float]] = {}
        self.previous_choice: tuple[float, float] = (0.0, 0.0)  # the rule before the exposure discount
        self.final_generators = final_generators or make_generators
        self.per_generator = per_generator
        self.seed = seed
        self.protocol = protocol  # how the ranker's slice is carved from the training part: "time" in production

    @property
    def chosen(self) -> dict[str, float]:
        """What was chosen on validation (evaluate_model reports it)."""
        return {"coverage_weight": self.coverage_weight, "exposure_weight": self.exposure_weight}

    # -- features ---------------------------------------------------------------------------------
    def _context(self, data: Dataset, train: Pairs) -> None:
        self.seen = train.matrix(data.n_users, data.n_items, positive_only=False, binary=True)
        counts = np.bincount(train.item, minlength=data.n_items).astype(np.float32)
        self.log_popularity = np.log1p(counts)
        first = np.full(data.n_items, np.inf)
        np.minimum.at(first, train.item, train.time)
        latest = float(train.time.max()) if len(train) else 0.0
        # Age: days since the title's first interaction in the training data (a proxy for release).
        self.age_days = np.where(np.isfinite(first), (latest - first) / 86400.0, -1.0).astype(np.float32)
        self.descriptors = data.item_descriptors()
        liked = train.matrix(data.n_users, data.n_items, positive_only=True, binary=True)
        taste = liked @ self.descriptors
        norms = np.sqrt(np.asarray(taste.multiply(taste).sum(axis=1))).ravel()
        norms[norms == 0] = 1
        self.taste = sp.csr_matrix(sp.diags(1 / norms) @ taste)
        self.activity = np.log1p(np.diff(self.seen.indptr)).astype(np.float32)

    def _candidates(
        self, users: np.ndarray, exclude: sp.csr_matrix | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(row user position, item, feature matrix, proposer) for the union of the generators' proposals.

        `exclude` (rows for `users`) masks more titles than the training history: what was seen since,
        or is above a maturity limit. The proposer is the index in `self.generators` of the generator
        that ranked the title highest.
        """
        scores = {}
        masks = [self.seen[users]] + ([exclude] if exclude is not None else [])
        for name, model in self.generators.items():
            block = np.asarray(model.score(users), dtype=np.float32)
            for mask in masks:
                rows = np.repeat(np.arange(len(users)), np.diff(mask.indptr))
                block[rows, mask.indices] = -np.inf  # generators propose unseen titles only
            scores[name] = block
        proposed = np.zeros((len(users), self.seen.shape[1]), dtype=bool)
        ranks = {}
        for name, block in scores.items():
            best = top_k(block, self.per_generator)
            rank = np.full(block.shape, UNRANKED, dtype=np.float32)
            np.put_along_axis(rank, best, np.arange(1, best.shape[1] + 1, dtype=np.float32)[None, :], axis=1)
            finite = np.isfinite(np.take_along_axis(block, best, axis=1))
            np.put_along_axis(proposed, best, finite | np.take_along_axis(proposed, best, axis=1), axis=1)
            ranks[name] = rank
        row, item = np.nonzero(proposed)
        match = np.asarray(self.taste[users[row]].multiply(self.descriptors[item]).sum(axis=1)).ravel()
        columns = []
        for name in self.generators:
            # Scores relative to the user's best unseen score: their scale moves between the fit on the
            # validation slice's past and the refit on the whole training part; ranks and ratios do not.
            block = scores[name]
            top = np.max(np.where(np.isfinite(block), block, -np.inf), axis=1)
            top = np.where(np.isfinite(top) & (np.abs(top) > 1e-12), np.abs(top), 1.0)
            columns += [block[row, item] / top[row], ranks[name][row, item]]
        columns += [self.log_popularity[item], self.age_days[item], match, self.activity[users[row]]]
        proposer = np.argmin(np.stack([ranks[name][row, item] for name in self.generators]), axis=0)
        return row, item, np.column_stack(columns).astype(np.float32), proposer

    # -- fitting ----------------------------------------------------------------------------------
    def _fit_generators(self, data: Dataset, train: Pairs, *, final: bool = False) -> None:
        self.generators = (self.final_generators if final else self.make_generators)()
        for model in self.generators.values():
            model.fit(data, train)
        self._context(data, train)

    def fit(self, data: Dataset, train: Pairs, progress: Progress | None = None) -> None:
        inner = make_split(train, self.protocol, seed=self.seed)
        inner_train, inner_slice = inner.train, inner.relevant
        self._fit_generators(data, inner_train)
        users = np.unique(inner_slice.user)
        target = inner_slice.matrix(data.n_users, data.n_items, positive_only=False, binary=True)
        features, labels, owners = [], [], []
        for start in range(0, len(users), 256):
            batch = users[start : start + 256]
            row, item, x, _ = self._candidates(batch)
            features.append(x)
            labels.append(np.asarray(target[batch[row], item]).ravel() > 0)
            owners.append(batch[row])
        x, y, owner = np.concatenate(features), np.concatenate(labels), np.concatenate(owners)
        if not y.any() or y.all():
            raise ValueError("the ranker's validation slice holds no positive and negative candidates to learn from")
        held = np.random.default_rng(self.seed).random(len(users)) < VALIDATION_SHARE
        if len(self.coverage_weights) > 1 and held.any() and not held.all():
            learn = ~np.isin(owner, users[held])
            if y[learn].any() and not y[learn].all():
                self.ranker = self._boost(x[learn], y[learn])
                self._choose_coverage_weight(users[held], target)
        self.ranker = self._boost(x, y)  # on every profile of the slice, with the weights chosen above
        self.training_rows, self.training_positives = int(len(y)), int(y.sum())
        self._fit_generators(data, train, final=True)
        if self.exposure_weight:
            self.fit_exposure()
        else:
            self.exposure = np.zeros(data.n_items, dtype=np.float32)  # unused: not the validation's shares

    def fit_exposure(self) -> None:
        """The exposure shares over the final generators' undiscounted top 10s, as they will serve, on at
        most EXPOSURE_SAMPLE of the training profiles (one scoring pass; skipped when the weight is 0)."""
        profiles = np.flatnonzero(np.diff(self.seen.indptr) > 0)
        if len(profiles) > EXPOSURE_SAMPLE:
            profiles = np.sort(np.random.default_rng(self.seed).choice(profiles, EXPOSURE_SAMPLE, replace=False))
        self.exposure = self._exposure_of(np.concatenate(
            [self.raw_scores(profiles[i : i + 256])[0] for i in range(0, len(profiles), 256)]
        ))

    def _boost(self, x: np.ndarray, y: np.ndarray):
        from sklearn.ensemble import HistGradientBoostingClassifier

        # Pointwise log-loss: scikit-learn's boosting has no ranking objective; NDCG is judged on its order.
        return HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, max_leaf_nodes=31, early_stopping=True, validation_fraction=0.15,
            random_state=self.seed,
        ).fit(x, y)

    @staticmethod
    def _exposure_of(raw: np.ndarray) -> np.ndarray:
        """log1p(100 x share of these rows whose undiscounted top 10 holds the title), per title."""
        counts = np.bincount(top_k(raw, 10).ravel(), minlength=raw.shape[1])
        return np.log1p(100.0 * counts / max(len(raw), 1)).astype(np.float32)

    def discount(self, coverage_weight: float, exposure_weight: float) -> np.ndarray | float:
        if not coverage_weight and not exposure_weight:
            return 1.0
        return np.exp(-coverage_weight * self.log_popularity - exposure_weight * self.exposure)

    def _choose_coverage_weight(self, users: np.ndarray, target: sp.csr_matrix) -> None:
        from .evaluation import ranking_metrics

        raw, _ = self.raw_scores(users)
        self.exposure = self._exposure_of(raw)  # these profiles' shares, as the final fit's are its profiles'
        self.coverage_validation = {}
        for weight in self.coverage_weights:
            for exposure_weight in self.exposure_weights:
                recs = top_k(raw * self.discount(weight, exposure_weight), 10)
                self.coverage_validation[(weight, exposure_weight)] = (
                    ranking_metrics(recs, users, target, 10)["ndcg@10"], len(np.unique(recs)) / raw.shape[1]
                )
        self.coverage_weight, self.exposure_weight = choose_discounts(self.coverage_validation, self.coverage_tolerance)
        self.previous_choice = choose_discounts(
            {k: v for k, v in self.coverage_validation.items() if k[1] == 0}, self.coverage_tolerance, widest=False
        )

    def restore(self, ranker, data: Dataset, train: Pairs, coverage_weight: float = 0.0, exposure_weight: float = 0.0,
                exposure: np.ndarray | None = None) -> None:
        """A ranker fitted earlier, over the final generators refitted on the same `train` (a stored version)."""
        self.ranker, self.coverage_weight, self.exposure_weight = ranker, coverage_weight, exposure_weight
        self._fit_generators(data, train, final=True)
        self.exposure = np.zeros(self.seen.shape[1], dtype=np.float32) if exposure is None else exposure

    def score(self, users: np.ndarray, exclude: sp.csr_matrix | None = None) -> np.ndarray:
        return self.score_with_proposers(users, exclude)[0]

    def score_with_proposers(
        self, users: np.ndarray, exclude: sp.csr_matrix | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(scores, proposer index per score: -1 where nobody proposed), both users x items."""
        raw, proposers = self.raw_scores(users, exclude)
        return raw * self.discount(self.coverage_weight, self.exposure_weight), proposers

    def raw_scores(self, users: np.ndarray, exclude: sp.csr_matrix | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The ranker's probabilities before the discounts (-inf where nobody proposed), and the proposers."""
        out = np.full((len(users), self.seen.shape[1]), -np.inf, dtype=np.float32)
        proposers = np.full(out.shape, -1, dtype=np.int8)
        row, item, x, proposer = self._candidates(users, exclude)
        if len(row):
            out[row, item] = self.ranker.predict_proba(x)[:, 1]
            proposers[row, item] = proposer
        return out, proposers


def choose_discounts(validation: dict[tuple[float, float], tuple[float, float]], tolerance: float, *,
                     widest: bool = True) -> tuple[float, float]:
    """(coverage weight, exposure weight) from {weights: (validation NDCG@10, validation coverage)}.

    Only pairs within `tolerance` (relative) of the best NDCG@10 qualify: of those, the widest coverage
    (ties to the smaller weights), or with `widest=False` the largest weights (the rule before exposure).
    """
    best = max(ndcg for ndcg, _ in validation.values())
    within = {k: v for k, v in validation.items() if v[0] >= best * (1 - tolerance)}
    if not widest:
        return max(within)
    return max(within, key=lambda k: (within[k][1], -k[1], -k[0]))


def default_generators(hybrid: Callable[[], object], ease_lambda: float, knn_neighbours: int) -> Callable[[], dict]:
    """Generator factory with hyperparameters already chosen on the training part (no re-search inside)."""

    def make() -> dict[str, object]:
        return {
            "hybrid": hybrid(),
            "ease": EASE(lambdas=(ease_lambda,)),
            "item_knn": ItemKNN(),
            "user_knn": UserKNN(neighbours=(knn_neighbours,)),
            "popularity": Popularity(),
        }

    return make
