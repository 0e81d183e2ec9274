"""Hyperparameter search over a validation split carved from the training part, never from the test part."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from .dataset import MY_LIST, RATING, SEARCH, VIEW, Dataset, Pairs, SignalWeights
from .evaluation import Split, evaluate_model, make_split
from .hybrid import HybridParams, HybridRecommender

if TYPE_CHECKING:
    from jobs import Progress

# The space searched; the first trial is always the current defaults so a search can only help.
# BPR, learning rates above 0.05 and item_alpha 1e-5 were tried on MovieLens and never came close.
SPACE = {
    "no_components": [48, 64, 96],
    "learning_rate": [0.03, 0.05],
    "item_alpha": [0.0, 1e-6],
    "epochs": [20, 30, 40],
    "item_feature_weight": [0.3, 0.6, 1.0],
    "user_feature_weight": [0.3, 1.0],
}
SIGNAL_SPACE = {
    # view, my_list and search weights matter only where those signals exist (not in MovieLens).
    "view": [0.5, 1.0, 2.0],
    "my_list": [0.25, 0.5, 1.0],
    "search": [0.1, 0.3, 0.6],
    "dislike_at": [1.5, 2.0, 2.5],
    "half_life_days": [0.0, 365.0, 1095.0],
}


def describe(params: HybridParams, base: HybridParams) -> str:
    """What differs from `base`, e.g. "epochs=40, half_life_days=365.0" (or "defaults")."""
    changes = [f"{k}={v}" for k, v in params.as_dict().items() if k != "signals" and v != getattr(base, k)]
    changes += [f"{k}={v}" for k, v in params.signals.as_dict().items() if v != getattr(base.signals, k)]
    return ", ".join(changes) or "defaults"


@dataclass
class TrialResult:
    params: HybridParams
    metrics: dict
    seconds: float

    @property
    def ndcg(self) -> float:
        return self.metrics.get("ndcg@10", 0.0)


def searchable(data: Dataset) -> list[tuple[str, str]]:
    """The dimensions worth a trial: a signal's weight only if the data holds that signal."""
    kinds = set(np.unique(data.events.kind).tolist())
    needs = {"view": VIEW, "my_list": MY_LIST, "search": SEARCH, "dislike_at": RATING}
    signals = [n for n in SIGNAL_SPACE if n not in needs or needs[n] in kinds]
    model = [n for n in SPACE if n != "user_feature_weight" or data.user_features.shape[1] > 0]
    return [("model", n) for n in model] + [("signals", n) for n in signals]


def neighbour_of(rng: random.Random, params: HybridParams, dimensions: list[tuple[str, str]]) -> HybridParams:
    """`params` with one hyperparameter or signal weight moved to another value of the space."""
    while True:
        group, name = rng.choice(dimensions)
        current = getattr(params if group == "model" else params.signals, name)
        options = [v for v in (SPACE if group == "model" else SIGNAL_SPACE)[name] if v != current]
        if options:
            break
    value = rng.choice(options)
    if group == "model":
        return replace(params, **{name: value})
    return replace(params, signals=replace(params.signals, **{name: value}))


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
    progress: Progress | None = None,
    on_trial: Callable[[TrialResult], None] | None = None,
) -> list[TrialResult]:
    """Local search from `base` (see below); returns trials best first. `train` must exclude every test interaction."""
    base = base or HybridParams(signals=SignalWeights())
    split = validation_split(train, protocol)
    rng = random.Random(seed)
    dimensions = searchable(data)
    results: list[TrialResult] = []
    tried: set[str] = set()
    best: TrialResult | None = None
    # Local search: each trial moves one setting away from the best so far. With a budget of a few
    # trials this beats random sampling, whose far-off configurations rarely come close to the defaults.
    for number in range(1, max(trials, 1) + 1):
        params = base if best is None else neighbour_of(rng, best.params, dimensions)
        for _ in range(20):
            if repr(params) not in tried:
                break
            params = neighbour_of(rng, best.params if best else base, dimensions)
        tried.add(repr(params))
        started = time.perf_counter()
        metrics = evaluate_model(HybridRecommender(params, seed=seed, threads=threads), data, split)
        result = TrialResult(params, metrics, time.perf_counter() - started)
        results.append(result)
        if best is None or result.ndcg > best.ndcg:
            best = result
        if on_trial:
            on_trial(result)
        if progress:
            progress(number, trials, f"trial {number}: ndcg@10 {result.ndcg:.4f} ({describe(params, base)})")
    return sorted(results, key=lambda r: -r.ndcg)
