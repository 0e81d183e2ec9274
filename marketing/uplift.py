"""Offer choice by uplift (issue 15): which offer raises each subscriber's response most, or none.

Learners on gradient boosting (scikit-learn's HistGradientBoosting), from randomized history (holdout
plus logged random or exploring assignment):
- T-learner: one response model per arm, each fitted with inverse-propensity weights;
- DR-learner: cross-fitted T-learner outcomes plus IPW residuals give a doubly robust pseudo-outcome
  per offer, regressed on the features.
The learner is selected by mean Qini over offers on held-out randomized rows (own implementation, checked
against scikit-uplift's on generated data with and without ties in tests/test_marketing_uplift.py and
bench/marketing_models.py; the library is a dev dependency only). The policy sends the offer with the largest positive predicted
uplift, or nothing; a share still explores uniformly over offers and "nothing", with its propensity.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression

# Re-exported: saved policies pickle their Encoder as marketing.uplift.Encoder.
from .offer_data import Encoder, History
from .uplift_metrics import MIN_PROPENSITY, decile_uplift, policy_value, qini_coefficient, qini_curve

# --- Learners -----------------------------------------------------------------------------------------


class _Constant:
    def __init__(self, p: float):
        self.p = p

    def predict_proba(self, X):
        return np.column_stack([np.full(len(X), 1 - self.p), np.full(len(X), self.p)])

    def predict(self, X):
        return np.full(len(X), self.p)


def _classifier(X, y, w, mask, seed):
    if len(np.unique(y)) < 2 or len(y) < 20:
        return _Constant(float(np.average(y, weights=w)) if len(y) else 0.0)
    model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.06, min_samples_leaf=40,
                                           categorical_features=mask, random_state=seed)
    return model.fit(X, y, sample_weight=w)


def _weights(propensity: np.ndarray) -> np.ndarray:
    return 1.0 / np.clip(propensity, MIN_PROPENSITY, 1.0)


class TLearner:
    name = "t_learner"

    def __init__(self, n_arms: int, mask, seed: int = 0, base: str = "gb"):
        self.n_arms, self.mask, self.seed, self.base = n_arms, mask, seed, base

    def fit(self, X, arm, y, propensity) -> TLearner:
        w = _weights(propensity)
        self.models = []
        for a in range(self.n_arms):
            sel = arm == a
            if self.base == "logistic":
                Xa = np.nan_to_num(X[sel])
                self.models.append(LogisticRegression(max_iter=500).fit(Xa, y[sel], sample_weight=w[sel])
                                   if len(np.unique(y[sel])) == 2 else _Constant(float(y[sel].mean()) if sel.any() else 0))
            else:
                self.models.append(_classifier(X[sel], y[sel], w[sel], self.mask, self.seed + a))
        return self

    def outcomes(self, X) -> np.ndarray:
        Xin = np.nan_to_num(X) if self.base == "logistic" else X
        return np.column_stack([m.predict_proba(Xin)[:, 1] for m in self.models])

    def uplift(self, X) -> np.ndarray:
        mu = self.outcomes(X)
        return mu[:, 1:] - mu[:, :1]


class DRLearner:
    name = "dr_learner"

    def __init__(self, n_arms: int, mask, seed: int = 0, folds: int = 2):
        self.n_arms, self.mask, self.seed, self.folds = n_arms, mask, seed, folds

    def fit(self, X, arm, y, propensity) -> DRLearner:
        rng = np.random.default_rng(self.seed)
        fold = rng.integers(0, self.folds, len(y))
        mu = np.zeros((len(y), self.n_arms))
        for k in range(self.folds):  # cross-fitting: no row's outcome model saw that row
            t = TLearner(self.n_arms, self.mask, self.seed + k).fit(X[fold != k], arm[fold != k], y[fold != k],
                                                                  propensity[fold != k])
            mu[fold == k] = t.outcomes(X[fold == k])
        p = np.clip(propensity, MIN_PROPENSITY, 1.0)
        self.models = []
        for a in range(1, self.n_arms):
            pseudo = mu[:, a] - mu[:, 0] + (arm == a) * (y - mu[:, a]) / p - (arm == 0) * (y - mu[:, 0]) / p
            if np.allclose(pseudo, pseudo[0]):
                self.models.append(_Constant(float(pseudo[0])))
                continue
            model = HistGradientBoostingRegressor(max_iter=150, learning_rate=0.06, min_samples_leaf=60,
                                                  categorical_features=self.mask, random_state=self.seed + a)
            self.models.append(model.fit(X, pseudo))
        return self

    def uplift(self, X) -> np.ndarray:
        return np.column_stack([m.predict(X) for m in self.models])


LEARNERS = {"t_learner": TLearner, "dr_learner": DRLearner}


# --- The trained model --------------------------------------------------------------------------------


@dataclass
class OfferPolicy:
    encoder: Encoder
    offers: list[str]
    learner: object
    learner_name: str
    metrics: dict

    def uplifts(self, columns: dict[str, list]) -> np.ndarray:
        return self.learner.uplift(self.encoder.transform(columns))

    def choose(self, columns: dict[str, list], *, explore: float = 0.0, rng: np.random.Generator | None = None):
        """(arm per row, 0 = nothing; its propensity; whether it was explored; the uplift matrix)."""
        uplift = self.uplifts(columns)
        best = np.argmax(uplift, axis=1) + 1 if uplift.size else np.zeros(len(uplift), dtype=int)
        greedy = np.where(uplift.max(axis=1) > 0, best, 0) if uplift.size else best
        k = len(self.offers) + 1
        rng = rng or np.random.default_rng()
        explored = rng.random(len(greedy)) < explore
        random_arm = rng.integers(0, k, len(greedy))
        arm = np.where(explored, random_arm, greedy)
        propensity = np.where(arm == greedy, 1 - explore, 0.0) + explore / k
        return arm, propensity, explored, uplift

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, path)

    @staticmethod
    def load(path: str | Path) -> OfferPolicy:
        return joblib.load(path)


def train(history: History, *, seed: int = 0, validation: float = 0.3) -> OfferPolicy:
    """Fit both learners on a randomized split, select by mean Qini on the held-out part, refit on all."""
    encoder = Encoder.fit(history.columns)
    X = encoder.transform(history.columns)
    mask = encoder.categorical_mask if encoder.categorical_mask.any() else None
    n_arms = len(history.offers) + 1
    rng = np.random.default_rng(seed)
    held = rng.random(len(history.y)) < validation
    tr = ~held
    metrics: dict = {"learners": {}, "offers": {}, "rows": int(len(history.y))}
    fitted = {}
    for name, cls in LEARNERS.items():
        model = cls(n_arms, mask, seed).fit(X[tr], history.arm[tr], history.y[tr], history.propensity[tr])
        fitted[name] = model
        u = model.uplift(X[held])
        per_offer = {}
        for k, offer in enumerate(history.offers):
            sel = np.isin(history.arm[held], [0, k + 1])
            per_offer[offer] = qini_coefficient(u[sel, k], history.arm[held][sel] == k + 1, history.y[held][sel])
        metrics["learners"][name] = {"qini": per_offer, "mean_qini": float(np.mean(list(per_offer.values())))}
    best = max(fitted, key=lambda n: metrics["learners"][n]["mean_qini"])
    u = fitted[best].uplift(X[held])
    arm_h, y_h, p_h = history.arm[held], history.y[held], history.propensity[held]
    for k, offer in enumerate(history.offers):
        sel = np.isin(arm_h, [0, k + 1])
        x, q = qini_curve(u[sel, k], arm_h[sel] == k + 1, y_h[sel])
        step = max(1, len(x) // 50)
        metrics["offers"][offer] = {
            "qini": metrics["learners"][best]["qini"][offer],
            "decile_uplift": decile_uplift(u[sel, k], arm_h[sel] == k + 1, y_h[sel]),
            "qini_curve": [[float(a), float(b)] for a, b in zip(x[::step], q[::step], strict=True)],
        }
    greedy = np.where(u.max(axis=1) > 0, np.argmax(u, axis=1) + 1, 0)
    singles = {o: policy_value(np.full(len(y_h), k + 1), arm_h, y_h, p_h) for k, o in enumerate(history.offers)}
    metrics["policy_value"] = {
        "model policy": policy_value(greedy, arm_h, y_h, p_h),
        "best single offer": max(singles.values()),
        "random offer": float(np.mean(list(singles.values()))),
        "nothing": policy_value(np.zeros(len(y_h), dtype=int), arm_h, y_h, p_h),
    }
    metrics["selected"] = best
    final = LEARNERS[best](n_arms, mask, seed).fit(X, history.arm, history.y, history.propensity)
    return OfferPolicy(encoder, history.offers, final, best, metrics)


# --- The campaign's per-recipient offer step ------------------------------------------------------------


def active_platform_policy():
    """The active offer model trained on the platform's own campaign logs, with its row, or None."""
    from .models import OfferModel

    row = OfferModel.objects.filter(is_active=True, source="platform").first()
    if row is None or not Path(row.artifact).exists():
        return None
    return row, OfferPolicy.load(row.artifact)


def platform_columns(account_ids: list[int], as_of) -> dict[str, list]:
    from .features import CATEGORICAL, NUMERIC, account_features

    ids, feats = account_features(account_ids, as_of)
    index = {a: i for i, a in enumerate(ids)}
    cols = {}
    for name in NUMERIC + CATEGORICAL:
        values = feats[name]
        cols[name] = [values[index[a]] if a in index else ("" if name in CATEGORICAL else np.nan) for a in account_ids]
    return cols


def choose_for_campaign(campaign, account_ids, offers, rng):
    """The active platform model's (offer, propensity, policy) per treated account, or None without a model.

    Offers are matched by code; the propensity is of the whole arm (holdout share included), so it is
    the probability this account got what it got.
    """
    if not account_ids or not offers:
        return None
    found = active_platform_policy()
    if found is None:
        return None
    _, policy = found
    by_code = {o.code: o for o in offers}
    if not set(policy.offers) & set(by_code):
        return None
    from django.utils import timezone

    arm, propensity, explored, _ = policy.choose(platform_columns(list(account_ids), timezone.now()),
                                                 explore=campaign.exploration_share, rng=rng)
    treated = 1.0 - campaign.holdout_share
    out = []
    for a, p, e in zip(arm, propensity, explored, strict=True):
        code = policy.offers[a - 1] if a else None
        out.append((by_code.get(code) if code else None, float(treated * p), "explore" if e else "model"))
    return out
