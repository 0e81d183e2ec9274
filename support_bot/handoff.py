"""When the bot hands off: a threshold on a "how in-scope is this" score, chosen for a target out-of-scope recall
at a bounded share of valid questions handed off, and the trade-off curve staff see beside it.

Scores are out-of-fold: valid questions are the knowledge base's own paraphrases, out-of-scope ones the
background set shipped with the bot (support_bot/data/oos_background.json); neither was seen by the model
that scored it. A question is handed off when its score is below the threshold.
"""

from __future__ import annotations

import numpy as np


def choose_threshold(valid: np.ndarray, out_of_scope: np.ndarray, *, target_recall: float,
                     max_false_handoff: float) -> tuple[float, dict]:
    """The lowest threshold that hands off `target_recall` of the out-of-scope scores, unless that hands off
    more than `max_false_handoff` of the valid ones: then the highest threshold within that bound (the bound
    wins, and the report says the recall target was missed)."""
    valid, out_of_scope = np.sort(np.asarray(valid, float)), np.sort(np.asarray(out_of_scope, float))
    if not len(valid):
        raise ValueError("no valid questions to calibrate the hand-off on")
    # Handing off below t: the smallest t past the ceil(target * n)-th out-of-scope score.
    if len(out_of_scope):
        k = min(len(out_of_scope), int(np.ceil(target_recall * len(out_of_scope) - 1e-9)))
        for_recall = float(np.nextafter(out_of_scope[k - 1], np.inf)) if k else float(valid[0])
    else:
        for_recall = -np.inf
    # At most floor(bound * n) valid scores strictly below t.
    m = int(np.floor(max_false_handoff * len(valid) + 1e-9))
    bounded = float(valid[m]) if m < len(valid) else float(np.nextafter(valid[-1], np.inf))
    threshold = min(for_recall, bounded) if np.isfinite(for_recall) else bounded
    report = rates(valid, out_of_scope, threshold)
    report.update(threshold=threshold, target_oos_recall=target_recall, max_false_handoff=max_false_handoff,
                  recall_target_met=bool(report["oos_recall"] >= target_recall - 1e-9))
    return threshold, report


def rates(valid: np.ndarray, out_of_scope: np.ndarray, threshold: float) -> dict:
    return {
        "false_handoff": float(np.mean(np.asarray(valid) < threshold)) if len(valid) else 0.0,
        "oos_recall": float(np.mean(np.asarray(out_of_scope) < threshold)) if len(out_of_scope) else 0.0,
    }


def tradeoff_curve(valid: np.ndarray, out_of_scope: np.ndarray, points: int = 21) -> list[list[float]]:
    """[threshold, out-of-scope recall, valid handed off] at evenly spaced quantiles of all scores."""
    scores = np.concatenate([np.asarray(valid, float), np.asarray(out_of_scope, float)])
    if not len(scores):
        return []
    curve = []
    for threshold in np.unique(np.quantile(scores, np.linspace(0.0, 1.0, points))):
        r = rates(valid, out_of_scope, float(threshold))
        curve.append([round(float(threshold), 4), round(r["oos_recall"], 4), round(r["false_handoff"], 4)])
    return curve
