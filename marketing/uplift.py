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

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression

MAX_CATEGORIES = 200
MIN_PROPENSITY = 0.01


# --- Named errors of the history and customer files ---------------------------------------------------


class OfferDataError(Exception):
    """A history or customers file that cannot be used; the message names the problem."""


class UnknownColumnError(OfferDataError):
    pass


class TooFewArmsError(OfferDataError):
    pass


class NonBinaryResponseError(OfferDataError):
    pass


class MissingFeatureError(OfferDataError):
    pass


# --- Features -----------------------------------------------------------------------------------------


def _number(v: str) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


@dataclass
class Encoder:
    """Numeric columns as they are (blank: missing), text columns as categories (unknown: missing)."""

    names: list[str]
    categories: dict[str, list[str]] = field(default_factory=dict)
    # Columns with at most one distinct value carry nothing (and break histogram binning): encoded as 0.
    constant: set[str] = field(default_factory=set)

    @classmethod
    def fit(cls, columns: dict[str, list]) -> Encoder:
        enc = cls(list(columns))
        for name, values in columns.items():
            filled = [v for v in values if v not in ("", None) and not (isinstance(v, float) and math.isnan(v))]
            if len({str(v) for v in filled}) <= 1:
                enc.constant.add(name)
                continue
            if any(isinstance(v, str) and _number(v) is None for v in filled):
                counts: dict[str, int] = {}
                for v in filled:
                    counts[str(v)] = counts.get(str(v), 0) + 1
                enc.categories[name] = sorted(counts, key=lambda c: (-counts[c], c))[:MAX_CATEGORIES]
        return enc

    def transform(self, columns: dict[str, list]) -> np.ndarray:
        missing = [n for n in self.names if n not in columns]
        if missing:
            raise MissingFeatureError(f"missing feature column(s): {', '.join(missing)}")
        n = len(next(iter(columns.values()))) if columns else 0
        X = np.full((n, len(self.names)), np.nan)
        for j, name in enumerate(self.names):
            values = columns[name]
            if name in self.constant:
                X[:, j] = 0.0
            elif name in self.categories:
                code = {c: i for i, c in enumerate(self.categories[name])}
                X[:, j] = [code.get(str(v), np.nan) for v in values]
            else:
                X[:, j] = [np.nan if v in ("", None) else (_number(v) if isinstance(v, str) else float(v)) for v in values]
        return X

    @property
    def categorical_mask(self) -> np.ndarray:
        return np.array([n in self.categories and n not in self.constant for n in self.names], dtype=bool)


# --- History --------------------------------------------------------------------------------------------


@dataclass
class History:
    ids: list[str]
    columns: dict[str, list]  # feature columns only
    arm: np.ndarray  # 0 = holdout, k = offers[k - 1]
    offers: list[str]
    y: np.ndarray
    propensity: np.ndarray  # probability of the arm received


def read_history(path: str | Path, *, id_column: str, offer_column: str, holdout: str, response_column: str,
                 propensity_column: str | None = None) -> History:
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        for role, name in (("--id-column", id_column), ("--offer-column", offer_column),
                           ("--response-column", response_column)):
            if name not in header:
                raise UnknownColumnError(f"unknown column {name!r} ({role}); the file has: {', '.join(header)}")
        rows = list(reader)
    feature_names = [h for h in header if h not in {id_column, offer_column, response_column, propensity_column}]
    offers = sorted({r[offer_column] for r in rows} - {holdout})
    if len(offers) < 2 or not any(r[offer_column] == holdout for r in rows):
        raise TooFewArmsError(
            f"offer column {offer_column!r} needs at least two offers plus the holdout {holdout!r}; "
            f"found offers {offers} and {sum(r[offer_column] == holdout for r in rows)} holdout row(s)"
        )
    y = []
    for line, r in enumerate(rows, start=2):
        value = (r[response_column] or "").strip()
        if value not in ("0", "1", "0.0", "1.0"):
            raise NonBinaryResponseError(
                f"response column {response_column!r} must be 0 or 1; line {line} has {r[response_column]!r}"
            )
        y.append(int(float(value)))
    arm_of = {o: k + 1 for k, o in enumerate(offers)} | {holdout: 0}
    arm = np.array([arm_of[r[offer_column]] for r in rows])
    if propensity_column and propensity_column in header:
        propensity = np.array([_number(r[propensity_column]) or 1.0 for r in rows])
    else:
        # No logged propensities: the file is a randomized test, so each arm's share estimates its probability.
        shares = np.bincount(arm, minlength=len(offers) + 1) / len(arm)
        propensity = shares[arm]
    return History(
        ids=[r[id_column] for r in rows], columns={n: [r[n] for r in rows] for n in feature_names},
        arm=arm, offers=offers, y=np.array(y), propensity=propensity,
    )


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
