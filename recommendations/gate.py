"""Judging a new version before it may serve: every model on one held-out split, and the quality gate.

The version is judged on what it serves: the two-stage ranker when one could be trained, else the
hybrid. Every choice inside (EASE^R's lambda, user-kNN's k, the ranker's fit on the latest fifth of
each profile's training interactions) is made within the split's training part; the held-out part
is seen only by the final scoring.
"""

from __future__ import annotations

from .baselines import BASELINES, make_baseline
from .dataset import Dataset, Pairs
from .evaluation import evaluate_model, make_split
from .hybrid import HybridParams, HybridRecommender
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
