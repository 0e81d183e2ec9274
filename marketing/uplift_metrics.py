"""Uplift evaluation (issue 15): Qini curve and coefficient, uplift per decile, and the off-policy value of
a choice of offers. Checked against scikit-uplift in tests/test_marketing_uplift.py."""

from __future__ import annotations

import numpy as np

MIN_PROPENSITY = 0.01

# --- Evaluation -------------------------------------------------------------------------------------


def _best_first(score: np.ndarray) -> np.ndarray:
    """Highest score first; equal scores in reverse input order, the order scikit-uplift uses, so that the
    decile split matches the library's exactly (the Qini curve does not depend on it, see below)."""
    return np.argsort(np.asarray(score), kind="mergesort")[::-1]


def qini_curve(score: np.ndarray, treated: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Qini curve: x = people targeted (best first), q = treated responders − control responders × Nt/Nc.

    One point per distinct score: people with equal scores are targeted together, so a tie's order cannot
    move the curve (per-person points made it depend on the input order). Checked against scikit-uplift's
    `qini_curve` in tests/test_marketing_uplift.py and bench/marketing_models.py."""
    score = np.asarray(score)
    order = _best_first(score)
    t, yy = np.asarray(treated)[order].astype(float), np.asarray(y)[order].astype(float)
    ends = np.r_[np.flatnonzero(np.diff(score[order])), len(t) - 1] if len(t) else np.zeros(0, dtype=int)
    nt, nc = np.cumsum(t)[ends], np.cumsum(1 - t)[ends]
    yt, yc = np.cumsum(t * yy)[ends], np.cumsum((1 - t) * yy)[ends]
    q = yt - np.divide(yc * nt, nc, out=np.zeros_like(yc), where=nc > 0)
    return np.concatenate([[0], ends + 1]), np.concatenate([[0.0], q])


def qini_coefficient(score, treated, y) -> float:
    """Area between the Qini curve and the random-targeting line, per person (trapezoids).

    Not normalised: scikit-uplift's `qini_auc_score` is this area divided by the perfect model's."""
    x, q = qini_curve(np.asarray(score), np.asarray(treated), np.asarray(y))
    if len(x) < 2:
        return 0.0
    random_line = q[-1] * x / x[-1]
    diff = q - random_line
    return float(np.sum((diff[1:] + diff[:-1]) / 2 * np.diff(x)) / x[-1])


def decile_uplift(score, treated, y, bins: int = 10) -> list[float]:
    """Response rate of the treated minus the control's in each tenth of people, best first (scikit-uplift's
    `uplift_by_percentile`, strategy "overall")."""
    treated, y = np.asarray(treated), np.asarray(y)
    out = []
    for part in np.array_split(_best_first(score), bins):
        t, yy = treated[part], y[part]
        rt = yy[t == 1].mean() if (t == 1).any() else 0.0
        rc = yy[t == 0].mean() if (t == 0).any() else 0.0
        out.append(float(rt - rc))
    return out


def policy_value(choice: np.ndarray, arm: np.ndarray, y: np.ndarray, propensity: np.ndarray) -> float:
    """Self-normalized IPW estimate of the response rate if everyone got `choice` (0 = nothing)."""
    w = (arm == choice) / np.clip(propensity, MIN_PROPENSITY, 1.0)
    return float((w * y).sum() / w.sum()) if w.sum() else 0.0
