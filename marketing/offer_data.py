"""The offer-history and customer files behind uplift training (issue 15): named errors, the feature
encoder and the history reader. Numeric columns stay numbers; text columns become categories."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAX_CATEGORIES = 200

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
