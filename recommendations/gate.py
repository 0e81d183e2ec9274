"""Judging a new version before it may serve: every model on one held-out split, and the quality gate.

The version is judged on what it serves: the two-stage ranker when one could be trained, else the
hybrid. Every choice inside (EASE^R's lambda, user-kNN's k, the ranker's fit on the latest fifth of
each profile's training interactions) is made within the split's training part; the held-out part
is seen only by the final scoring.

The daily incremental update is judged by the same rule (`passes_quality_gate`) on its own slice:
each changed profile's newest title first liked since the active model's fit, which neither the
active model nor the update trained on (`update_held_out`, `judge_update`).
"""

from __future__ import annotations

import numpy as np

from .baselines import BASELINES, make_baseline
from .dataset import Dataset, Events, Pairs
from .evaluation import evaluate_model, make_split, ranking_metrics, recommend_for
from .hybrid import Embeddings, HybridParams, HybridRecommender
from .models import ModelVersion


def passes_quality_gate(new_ndcg: float | None, active_ndcg: float | None, tolerance: float) -> bool:
    """A new model may replace the active one unless its held-out NDCG@10 is worse by more than `tolerance` (relative)."""
    if active_ndcg is None:
        return True
    if new_ndcg is None:
        return False
    return new_ndcg >= active_ndcg * (1.0 - tolerance)


def _two_stage_on(split, data: Dataset, params: HybridParams, config, hybrid: HybridRecommender | None,
                  *, seed: int, threads: int) -> dict:
    """The ranker over the generators on `split`; `hybrid`, already fitted on the split's training part, is
    reused as its final hybrid generator."""
    from .ranker import two_stage

    model = two_stage(params, config, emb=hybrid.embeddings if hybrid else None, seed=seed, threads=threads)
    return evaluate_model(model, data, split)


def evaluate_against_baselines(
    data: Dataset, pairs: Pairs, params: HybridParams, protocol: str = "time", *, threads: int = 2, seed: int = 0,
    active: ModelVersion | None = None, ranker: bool = True,
) -> dict[str, dict]:
    """Hybrid, two-stage ranker and every baseline on one split of `pairs`: {"hybrid": {...}, "two_stage": ...}.

    The ranker is left out (with the reason under "two_stage_note") when the split's training part is
    too small to carve its validation slice from. With `active`, its configuration is also fitted and
    scored on this same split, under "gate", so the quality gate compares the two models on today's
    data rather than against a score from the data the active model was judged on.
    """
    from .ranker import RankerConfig

    split = make_split(pairs, protocol, seed=seed)
    hybrid = HybridRecommender(params, seed=seed, threads=threads)
    results = {"hybrid": evaluate_model(hybrid, data, split)}
    for name in BASELINES:
        results[name] = evaluate_model(make_baseline(name, protocol, seed), data, split)
    config = RankerConfig.from_metrics(results)
    if ranker:
        try:
            results["two_stage"] = _two_stage_on(split, data, params, config, hybrid, seed=seed, threads=threads)
        except ValueError as error:
            results["two_stage_note"] = {"not trained": str(error)}
    if active is not None and active.hyperparams:
        served = active.served
        if active.hyperparams == params.as_dict() and served in results:
            # The same configuration on the same split is the model just scored.
            same = results[served]["ndcg@10"]
        elif served == "two_stage":
            same = _two_stage_on(split, data, HybridParams.from_dict(active.hyperparams), config, None,
                                 seed=seed, threads=threads)["ndcg@10"]
        else:
            same = evaluate_model(
                HybridRecommender(HybridParams.from_dict(active.hyperparams), seed=seed, threads=threads), data, split
            )["ndcg@10"]
        results["gate"] = {"active_version": active.version, "active_ndcg@10": same, "served": served}
    return results


def active_ndcg_for_gate(version: ModelVersion, active: ModelVersion) -> float | None:
    """The active model's held-out NDCG@10 on the new version's split when measured, else its own stored one."""
    gate = (version.metrics or {}).get("gate") or {}
    if gate.get("active_version") == active.version and gate.get("active_ndcg@10") is not None:
        return gate["active_ndcg@10"]
    return active.ndcg


def update_held_out(events: Events, pairs: Pairs, since: float) -> np.ndarray:
    """Mask over `pairs`: per profile, the newest relevant pair whose every event is after `since` (Unix s).

    Only titles first met after the active model's watermark count, so the active model has not trained
    on them either (a view that went on from 20% to 100% since the fit was in its data at 20%).
    """
    held = np.zeros(len(pairs), dtype=bool)
    if not len(pairs) or not len(events):
        return held
    width = int(max(events.item.max(), pairs.item.max())) + 1
    event_keys = events.user.astype(np.int64) * width + events.item
    keys, inverse = np.unique(event_keys, return_inverse=True)
    first = np.full(len(keys), np.inf)
    np.minimum.at(first, inverse, events.time)
    pair_keys = pairs.user.astype(np.int64) * width + pairs.item
    where = np.clip(np.searchsorted(keys, pair_keys), 0, len(keys) - 1)
    first_seen = np.where(keys[where] == pair_keys, first[where], -np.inf)
    eligible = np.flatnonzero(pairs.relevant & (first_seen > since))
    if not len(eligible):
        return held
    # The last eligible pair of each profile by (time, title): lexsort sorts by the last key first.
    order = eligible[np.lexsort((pairs.item[eligible], pairs.time[eligible], pairs.user[eligible]))]
    users = pairs.user[order]
    last = np.r_[users[1:] != users[:-1], True]
    held[order[last]] = True
    return held


def held_out_ndcg(emb: Embeddings, fitted: Pairs, held_out: Pairs) -> float:
    """NDCG@10 of the embeddings' own ranking on `held_out`, every other pair of those profiles masked as seen."""
    from .ranker import EmbeddingScorer

    shape = (len(emb.user_ids), len(emb.item_ids))
    seen = fitted.matrix(*shape, positive_only=False, binary=True)
    relevant = held_out.matrix(*shape, positive_only=False, binary=True)
    users = np.unique(held_out.user).astype(np.int64)
    recs = recommend_for(EmbeddingScorer(emb), users, seen, 10)
    return ranking_metrics(recs, users, relevant, 10)["ndcg@10"]


def judge_update(active: Embeddings, updated: Embeddings, fitted: Pairs, held_out: Pairs, tolerance: float) -> dict:
    """Both models on the same held-out slice, and whether the update may replace the active model."""
    active_ndcg = held_out_ndcg(active, fitted, held_out)
    new_ndcg = held_out_ndcg(updated, fitted, held_out)
    return {
        "ndcg@10": new_ndcg, "active_ndcg@10": active_ndcg, "tolerance": tolerance,
        "held_out_profiles": int(len(np.unique(held_out.user))), "held_out_pairs": int(len(held_out)),
        "passed": passes_quality_gate(new_ndcg, active_ndcg, tolerance),
    }
