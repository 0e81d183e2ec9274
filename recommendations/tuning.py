"""Hyperparameter search over a validation split carved from the training part, never from the test part."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from .dataset import Dataset, Pairs, SignalWeights
from .evaluation import Split, evaluate_model, make_split
from .hybrid import HybridParams, HybridRecommender

# The space searched; the first trial is always the current defaults so a search can only help.
SPACE = {
    "loss": ["warp", "warp", "bpr"],
    "no_components": [32, 48, 64, 96],
    "learning_rate": [0.03, 0.05, 0.08],
    "item_alpha": [0.0, 1e-6, 1e-5],
    "epochs": [20, 30, 40],
    "item_feature_weight": [0.1, 0.3, 0.6, 1.0],
    "user_feature_weight": [0.3, 1.0],
    "max_sampled": [10, 30],
}
SIGNAL_SPACE = {
    "view": [0.5, 1.0, 2.0],
    "my_list": [0.25, 0.5, 1.0],
    "search": [0.1, 0.3, 0.6],
    "dislike_at": [1.5, 2.0, 2.5],
    "half_life_days": [0.0, 0.0, 365.0, 1095.0],
}


@dataclass
class TrialResult:
    params: HybridParams
    metrics: dict
    seconds: float

    @property
    def ndcg(self) -> float:
        return self.metrics.get("ndcg@10", 0.0)


def sample_params(rng: random.Random, base: HybridParams) -> HybridParams:
    chosen = {name: rng.choice(values) for name, values in SPACE.items()}
    signals = replace(base.signals, **{name: rng.choice(values) for name, values in SIGNAL_SPACE.items()})
    return replace(base, **chosen, signals=signals)


def validation_split(train: Pairs, protocol: str, seed: int = 1) -> Split:
    """The same protocol applied again inside the training part: fit on the first part, validate on the rest."""
    return make_split(train, protocol, seed=seed)


def search(
    data: Dataset,
    train: Pairs,
    protocol: str,
    *,
    trials: int,
    seed: int = 0,
    base: HybridParams | None = None,
    threads: int = 2,
    progress: Callable[[int, int, str], None] | None = None,
    on_trial: Callable[[TrialResult], None] | None = None,
) -> list[TrialResult]:
    """Random search; returns trials best first. `train` must exclude every test interaction."""
    base = base or HybridParams(signals=SignalWeights())
    split = validation_split(train, protocol)
    rng = random.Random(seed)
    candidates = [base] + [sample_params(rng, base) for _ in range(max(trials - 1, 0))]
    results = []
    for number, params in enumerate(candidates, start=1):
        started = time.perf_counter()
        metrics = evaluate_model(HybridRecommender(params, seed=seed, threads=threads), data, split)
        result = TrialResult(params, metrics, time.perf_counter() - started)
        results.append(result)
        if on_trial:
            on_trial(result)
        if progress:
            progress(number, len(candidates), f"trial {number}: ndcg@10 {result.ndcg:.4f}")
    return sorted(results, key=lambda r: -r.ndcg)
