"""A simulated subscriber base with known, heterogeneous offer effects (benchmarks and tests only).

Some subscribers respond to discounts, some to new-season news, some to nothing, and some are put off by
any message; the type is hidden but shows in the observable columns, as it would in real data.
"""

from __future__ import annotations

import numpy as np

OFFERS = ["discount", "new_season", "upgrade"]
TYPES = ["bargain", "fan", "indifferent", "annoyed"]


def population(n: int, rng: np.random.Generator) -> dict:
    kind = rng.choice(len(TYPES), size=n, p=[0.3, 0.3, 0.25, 0.15])
    price_views = np.where(kind == 0, rng.poisson(6, n), rng.poisson(1.5, n)).astype(float)
    series_hours = np.where(kind == 1, rng.gamma(6, 2, n), rng.gamma(2, 2, n))
    emails_opened = np.where(kind == 3, rng.binomial(10, 0.05, n), rng.binomial(10, 0.4, n)).astype(float)
    plan = np.where(rng.random(n) < 0.5, "basic", "premium").astype(object)
    tenure = rng.integers(1, 1500, n).astype(float)
    return {
        "kind": kind,
        "columns": {"price_page_views": price_views, "series_hours": series_hours, "emails_opened": emails_opened,
                    "plan": plan, "tenure_days": tenure},
    }


def response_probability(kind: np.ndarray, arm: np.ndarray) -> np.ndarray:
    """P(respond) for each subscriber under arm (0 nothing, 1 discount, 2 new season, 3 upgrade)."""
    base = np.full(len(kind), 0.10)
    effect = np.zeros(len(kind))
    effect += np.where((kind == 0) & (arm == 1), 0.20, 0)
    effect += np.where((kind == 1) & (arm == 2), 0.20, 0)
    effect += np.where((kind == 0) & (arm == 3), 0.03, 0)
    effect += np.where((kind == 1) & (arm == 1), 0.02, 0)
    effect += np.where((kind == 3) & (arm > 0), -0.08, 0)
    return np.clip(base + effect, 0, 1)


def randomized_history(n: int, rng: np.random.Generator, holdout: float = 0.25):
    pop = population(n, rng)
    k = len(OFFERS)
    arm = np.where(rng.random(n) < holdout, 0, rng.integers(1, k + 1, n))
    propensity = np.where(arm == 0, holdout, (1 - holdout) / k)
    y = (rng.random(n) < response_probability(pop["kind"], arm)).astype(int)
    return pop, arm, y, propensity


def write_csv(path, pop: dict, arm=None, y=None, *, holdout_label: str = "control") -> None:
    import csv

    cols = pop["columns"]
    names = list(cols)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", *names, *(["offer", "responded"] if arm is not None else [])])
        for i in range(len(pop["kind"])):
            row = [f"c{i}", *(cols[c][i] for c in names)]
            if arm is not None:
                row += [OFFERS[arm[i] - 1] if arm[i] else holdout_label, int(y[i])]
            w.writerow(row)
