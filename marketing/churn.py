"""Churn risk (issue 15): who will have no viewing in the next 30 days.

Snapshots every 30 days: features as of a snapshot (features.py, activity strictly before it), label =
no viewing in the 30 days after it, or a recorded (not withdrawn) cancellation ending then
(accounts.membership.cancelled_accounts). Time split: the latest fully labelled snapshot is the test set,
earlier ones train. HistGradientBoosting is compared with logistic regression and with "days since last
view" alone (through a one-feature logistic fit for its probabilities). Scores of every subscriber are
stored for segments ("risk above 0.6"), with the top factors of high-risk accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from .features import CATEGORICAL, NUMERIC, account_features, churned_after
from .models import ChurnModelRun, ChurnScore
from .offer_data import Encoder

HORIZON_DAYS = 30
HIGH_RISK = 0.6


@dataclass
class Snapshot:
    as_of: datetime
    ids: list[int]
    numeric: np.ndarray
    categorical: np.ndarray
    y: np.ndarray | None


def snapshot(as_of: datetime, *, labelled: bool = True) -> Snapshot:
    """Features as of `as_of` (activity before it only) and, when asked, the label from the 30 days after."""
    ids, feats = account_features(None, as_of)
    numeric = np.column_stack([feats[n] for n in NUMERIC]) if ids else np.zeros((0, len(NUMERIC)))
    categorical = np.column_stack([feats[c] for c in CATEGORICAL]) if ids else np.zeros((0, len(CATEGORICAL)), dtype=object)
    y = churned_after(ids, as_of, HORIZON_DAYS) if labelled else None
    return Snapshot(as_of, ids, numeric, categorical, y)


class GradientBoostingChurn:
    """HistGradientBoosting over the numeric features and plan/region as native categories."""

    def fit(self, num: np.ndarray, cat: np.ndarray, y: np.ndarray) -> GradientBoostingChurn:
        self.encoder = Encoder.fit({c: [str(v) for v in cat[:, j]] for j, c in enumerate(CATEGORICAL)})
        mask = [False] * num.shape[1] + [True] * cat.shape[1]
        self.model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.06, categorical_features=mask,
                                                    random_state=0).fit(self._X(num, cat), y)
        return self

    def _X(self, num, cat):
        codes = self.encoder.transform({c: [str(v) for v in cat[:, j]] for j, c in enumerate(CATEGORICAL)})
        return np.column_stack([num, codes])

    def predict(self, num: np.ndarray, cat: np.ndarray) -> np.ndarray:
        return self.model.predict_proba(self._X(num, cat))[:, 1]


def _gb(num, cat, y) -> GradientBoostingChurn:
    return GradientBoostingChurn().fit(num, cat, y)


def _gb_predict(model: GradientBoostingChurn, num, cat) -> np.ndarray:
    return model.predict(num, cat)


def _logistic(num, cat, y):
    n = num.shape[1]
    pre = ColumnTransformer([("num", StandardScaler(), list(range(n))),
                             ("cat", OneHotEncoder(handle_unknown="ignore"), list(range(n, n + cat.shape[1])))])
    return make_pipeline(pre, LogisticRegression(max_iter=1000)).fit(np.column_stack([num, cat]).astype(object), y)


def _logistic_predict(model, num, cat):
    return model.predict_proba(np.column_stack([num, cat]).astype(object))[:, 1]


RECENCY = NUMERIC.index("days_since_last_view")


def _metrics(y: np.ndarray, p: np.ndarray) -> dict:
    both = len(np.unique(y)) == 2
    bins = np.clip((p * 10).astype(int), 0, 9)
    reliability = [
        {"bin": b / 10, "predicted": float(p[bins == b].mean()), "observed": float(y[bins == b].mean()),
         "count": int((bins == b).sum())}
        for b in range(10) if (bins == b).any()
    ]
    return {
        "roc_auc": float(roc_auc_score(y, p)) if both else None,
        "pr_auc": float(average_precision_score(y, p)) if both else None,
        "brier": float(brier_score_loss(y, p)),
        "reliability": reliability,
    }


def evaluate(train: list[Snapshot], test: Snapshot) -> dict:
    """Fit the three on the earlier snapshots, measure on the latest."""
    num = np.vstack([s.numeric for s in train])
    cat = np.vstack([s.categorical for s in train])
    y = np.concatenate([s.y for s in train])
    out = {"train_rows": int(len(y)), "test_rows": int(len(test.y)), "train_churn_rate": float(y.mean()) if len(y) else 0,
           "test_churn_rate": float(test.y.mean()) if len(test.y) else 0,
           "train_snapshots": [s.as_of.isoformat() for s in train], "test_snapshot": test.as_of.isoformat()}
    if len(np.unique(y)) < 2 or not len(test.y):
        out["error"] = "the training snapshots have one class only: nothing to learn"
        return out
    gb = _gb(num, cat, y)
    out["gradient_boosting"] = _metrics(test.y, _gb_predict(gb, test.numeric, test.categorical))
    lr = _logistic(num, cat, y)
    out["logistic_regression"] = _metrics(test.y, _logistic_predict(lr, test.numeric, test.categorical))
    recency = LogisticRegression().fit(num[:, [RECENCY]], y)
    out["days_since_last_view"] = _metrics(test.y, recency.predict_proba(test.numeric[:, [RECENCY]])[:, 1])
    return out


def snapshots_for(now: datetime, count: int = 3) -> list[datetime]:
    """The latest `count` fully labelled snapshot times, oldest first (the last one is the test set)."""
    latest = now - timedelta(days=HORIZON_DAYS)
    return [latest - timedelta(days=HORIZON_DAYS * k) for k in reversed(range(count))]


def top_factors(model, num: np.ndarray, cat: np.ndarray, reference: np.ndarray, k: int = 3) -> list[list[str]]:
    """Per row, the features whose typical value (the training median) would lower the risk most."""
    base = _gb_predict(model, num, cat)
    drops = np.zeros((len(num), len(NUMERIC)))
    for j in range(len(NUMERIC)):
        changed = num.copy()
        changed[:, j] = reference[j]
        drops[:, j] = base - _gb_predict(model, changed, cat)
    out = []
    for i in range(len(num)):
        order = np.argsort(-drops[i])[:k]
        out.append([f"{NUMERIC[j]}={num[i, j]:.1f} (+{drops[i, j]:.2f})" for j in order if drops[i, j] > 0])
    return out


def refresh_scores(*, now: datetime | None = None, snapshots: int = 3) -> ChurnModelRun:
    """Evaluate on the time split, refit on every labelled snapshot, score everyone as of now and store."""
    now = now or timezone.now()
    labelled = [snapshot(t) for t in snapshots_for(now, snapshots)]
    report = evaluate(labelled[:-1], labelled[-1])
    run = ChurnModelRun.objects.create(metrics=report, created_at=now)
    if "error" in report:
        return run
    num = np.vstack([s.numeric for s in labelled])
    cat = np.vstack([s.categorical for s in labelled])
    y = np.concatenate([s.y for s in labelled])
    if len(np.unique(y)) < 2:
        return run
    model = _gb(num, cat, y)
    current = snapshot(now, labelled=False)
    if not current.ids:
        return run
    risk = _gb_predict(model, current.numeric, current.categorical)
    high = np.flatnonzero(risk > HIGH_RISK)[:2000]
    factors = dict(zip(high.tolist(), top_factors(model, current.numeric[high], current.categorical[high],
                                                  np.median(num, axis=0)), strict=True))
    version = f"churn-{run.pk}"
    with transaction.atomic():
        ChurnScore.objects.all().delete()
        ChurnScore.objects.bulk_create(
            [ChurnScore(account_id=a, score=float(risk[i]), top_factors=factors.get(i, []), model_version=version,
                        scored_at=now) for i, a in enumerate(current.ids)],
            batch_size=5000,
        )
    return run
