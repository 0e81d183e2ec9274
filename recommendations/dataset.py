"""Behaviour and catalogue as plain arrays: signals per (profile, title), item and user feature matrices.

Everything downstream (training, evaluation, the bench) works on `Dataset`, which is built either
from the database (`behaviour.dataset_from_database`) or straight from a MovieLens folder (`from_movielens`), so a
model is judged on exactly the arrays it is trained on, without Django in the loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from activity.opinions import COMPLETED_AT, DEFAULT_DISLIKE_AT, is_disliked, is_relevant
from catalog.movielens_files import (  # the one MovieLens reader (its error re-exported here)
    MOVIES_HEADER,
    RATINGS_HEADER,
    TAGS_HEADER,
    MovieLensFormatError,
    genre_names,
    normalize_tag,
    read_rows,
    split_title,
)

# Signal kinds: the raw events before they are folded into one weight per (profile, title).
VIEW, RATING, THUMB, MY_LIST, SEARCH = 0, 1, 2, 3, 4

# Tags from the tagging models are guesses; staff and imported tags are curated, so they count more.
TAG_SOURCE_WEIGHT = {"staff": 1.0, "imported": 0.8, "model": 0.4}


@dataclass(frozen=True)
class SignalWeights:
    """How much each kind of behaviour says about taste. Chosen by evaluation (see tuning.py)."""

    view: float = 1.0  # times completion
    rating: float = 1.0  # times how far above `dislike_at` the stars are
    thumb: float = 1.0
    my_list: float = 0.5
    search: float = 0.3
    dislike_at: float = DEFAULT_DISLIKE_AT  # stars at or below this are negative evidence
    completed_at: float = COMPLETED_AT  # completion at or above this is a completed view
    half_life_days: float = 0.0  # 0 = no time decay

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Events:
    """Raw behaviour, one row per event, aligned arrays (user/item are dense indexes)."""

    user: np.ndarray
    item: np.ndarray
    kind: np.ndarray
    value: np.ndarray  # completion, stars, thumb (+1/-1), or 1
    time: np.ndarray  # Unix seconds

    @classmethod
    def empty(cls) -> Events:
        return cls(*(np.zeros(0, dtype=t) for t in (np.int32, np.int32, np.int8, np.float32, np.float64)))

    def __len__(self) -> int:
        return len(self.user)

    def take(self, mask: np.ndarray) -> Events:
        return Events(self.user[mask], self.item[mask], self.kind[mask], self.value[mask], self.time[mask])


@dataclass
class Pairs:
    """One row per (user, item) with net evidence: weight > 0 liked, < 0 disliked."""

    user: np.ndarray
    item: np.ndarray
    weight: np.ndarray
    relevant: np.ndarray  # a hit (`activity.opinions.is_relevant`) and not disliked
    time: np.ndarray  # latest event

    def __len__(self) -> int:
        return len(self.user)

    def take(self, mask: np.ndarray) -> Pairs:
        return Pairs(self.user[mask], self.item[mask], self.weight[mask], self.relevant[mask], self.time[mask])

    def matrix(self, n_users: int, n_items: int, *, positive_only: bool = True, binary: bool = False) -> sp.csr_matrix:
        keep = self.weight > 0 if positive_only else np.ones(len(self), dtype=bool)
        data = np.ones(keep.sum(), dtype=np.float32) if binary else self.weight[keep].astype(np.float32)
        return sp.csr_matrix((data, (self.user[keep], self.item[keep])), shape=(n_users, n_items))


def fold_events(events: Events, weights: SignalWeights, *, now: float | None = None) -> Pairs:
    """Fold raw events into one net weight per (user, item).

    An explicit low rating or thumbs-down makes the pair negative whatever else happened
    (people finish films they end up disliking); otherwise positive signals add up.
    """
    if len(events) == 0:
        z = np.zeros(0)
        return Pairs(z.astype(np.int32), z.astype(np.int32), z.astype(np.float32), z.astype(bool), z)
    kind, value = events.kind, events.value.astype(np.float64)
    w = np.zeros(len(events))
    is_view, is_rating, is_thumb = kind == VIEW, kind == RATING, kind == THUMB
    w[is_view] = weights.view * np.clip(value[is_view], 0, 1)
    span = max(5.0 - weights.dislike_at, 0.5)
    w[is_rating] = weights.rating * (value[is_rating] - weights.dislike_at) / span
    w[is_thumb] = weights.thumb * value[is_thumb]
    w[kind == MY_LIST] = weights.my_list
    w[kind == SEARCH] = weights.search
    # The one definition of disliked and of a hit (activity.opinions), on NaN-padded columns per kind.
    stars, thumb = np.where(is_rating, value, np.nan), np.where(is_thumb, value, np.nan)
    negative = is_disliked(stars, thumb, dislike_at=weights.dislike_at)
    relevant = is_relevant(stars, thumb, np.where(is_view, value, np.nan), completed_at=weights.completed_at)
    if weights.half_life_days > 0:
        # Age is measured from each profile's own latest event (or `now`), so a profile that was away
        # for a year keeps its tastes; what decays is old behaviour relative to its recent behaviour.
        if now is None:
            latest_by_user = np.full(int(events.user.max()) + 1, -np.inf)
            np.maximum.at(latest_by_user, events.user, events.time)
            reference = latest_by_user[events.user]
        else:
            reference = np.full(len(events), now)
        age_days = np.maximum(reference - events.time, 0) / 86400.0
        w = w * np.power(0.5, age_days / weights.half_life_days)

    key = events.user.astype(np.int64) * (int(events.item.max()) + 1) + events.item
    uniq, inverse = np.unique(key, return_inverse=True)
    n = len(uniq)
    positive_sum = np.bincount(inverse, weights=np.where(negative, 0.0, np.maximum(w, 0)), minlength=n)
    negative_any = np.bincount(inverse, weights=negative.astype(float), minlength=n) > 0
    relevant_any = np.bincount(inverse, weights=relevant.astype(float), minlength=n) > 0
    latest = np.full(n, -np.inf)
    np.maximum.at(latest, inverse, events.time)
    first = np.zeros(n, dtype=np.int64)
    first[inverse[::-1]] = np.arange(len(events))[::-1]
    net = np.where(negative_any, -1.0, positive_sum)
    # A pair with only zero-weight evidence (a 0% view) is neither liked nor disliked: keep it as seen.
    return Pairs(
        events.user[first].astype(np.int32),
        events.item[first].astype(np.int32),
        net.astype(np.float32),
        relevant_any & ~negative_any,
        latest,
    )


@dataclass
class Dataset:
    """Profiles, titles, their behaviour and features, indexed densely 0..n-1."""

    user_ids: np.ndarray  # external id per user index (Profile pk, or MovieLens userId in the bench)
    item_ids: np.ndarray  # external id per item index (Title pk, or MovieLens movieId)
    events: Events
    item_features: sp.csr_matrix  # n_items x F, without the identity block
    item_feature_names: list[str]
    user_features: sp.csr_matrix  # n_users x G, without the identity block
    user_feature_names: list[str]
    item_names: list[str] = field(default_factory=list)

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def with_events(self, events: Events) -> Dataset:
        return replace(self, events=events)

    def item_descriptors(self) -> sp.csr_matrix:
        """Row-normalised genre/tag vectors, for intra-list diversity and content fallbacks."""
        keep = [i for i, name in enumerate(self.item_feature_names) if name.startswith(("genre:", "tag:"))]
        matrix = self.item_features[:, keep].tocsr().astype(np.float32)
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
        norms[norms == 0] = 1
        return sp.csr_matrix(sp.diags(1 / norms) @ matrix)


def year_bucket(year: int | None) -> str | None:
    if not year:
        return None
    return f"year:{(year // 10) * 10}s" if year >= 1950 else "year:pre1950"


class FeatureBuilder:
    """Collects (row, feature name, value) triples into a sparse matrix with a stable vocabulary."""

    def __init__(self, n_rows: int) -> None:
        self.n_rows = n_rows
        self.names: dict[str, int] = {}
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []

    def add(self, row: int, name: str | None, value: float = 1.0) -> None:
        if name is None or value <= 0:
            return
        col = self.names.setdefault(name, len(self.names))
        self.rows.append(row)
        self.cols.append(col)
        self.vals.append(value)

    def build(self) -> tuple[sp.csr_matrix, list[str]]:
        matrix = sp.csr_matrix(
            (np.asarray(self.vals, dtype=np.float32), (self.rows, self.cols)), shape=(self.n_rows, len(self.names))
        )
        matrix.sum_duplicates()
        # Repeated tags (many users tagging the same word) saturate rather than dominate.
        matrix.data = np.minimum(matrix.data, 1.0)
        return matrix, list(self.names)


# -- MovieLens folder (the bench, and the export round trip) ----------------------------------------
def from_movielens(directory: str | Path) -> Dataset:
    """Read ratings/movies/tags CSVs into a Dataset (ratings become RATING events)."""
    directory = Path(directory)
    ratings_path = directory / "ratings.csv"
    if not ratings_path.is_file():
        raise FileNotFoundError(f"{ratings_path}: ratings.csv is required")
    users, items, stars, times = [], [], [], []
    for line, (u, m, r, t) in read_rows(ratings_path, RATINGS_HEADER):
        try:
            users.append(int(u))
            items.append(int(m))
            stars.append(float(r))
            times.append(float(t))
        except ValueError as error:
            raise MovieLensFormatError(f"{ratings_path}:{line}: {error}") from None
    movies: dict[int, tuple[str, list[str], int | None]] = {}
    if (directory / "movies.csv").is_file():
        for _line, (m, title, genres) in read_rows(directory / "movies.csv", MOVIES_HEADER):
            movies[int(m)] = (title, genre_names(genres), split_title(title)[1])
    item_ids = np.array(sorted(set(items) | set(movies)), dtype=np.int64)
    user_ids = np.array(sorted(set(users)), dtype=np.int64)
    item_index = {m: i for i, m in enumerate(item_ids.tolist())}
    user_index = {u: i for i, u in enumerate(user_ids.tolist())}

    features = FeatureBuilder(len(item_ids))
    for m, (_title, genres, year) in movies.items():
        row = item_index[m]
        for genre in genres:
            features.add(row, f"genre:{genre.lower()}")
        features.add(row, year_bucket(year))
    if (directory / "tags.csv").is_file():
        for _line, (_u, m, tag, _t) in read_rows(directory / "tags.csv", TAGS_HEADER):
            if int(m) in item_index:
                features.add(item_index[int(m)], "tag:" + normalize_tag(tag), TAG_SOURCE_WEIGHT["imported"])
    item_features, item_feature_names = features.build()

    events = Events(
        np.array([user_index[u] for u in users], dtype=np.int32),
        np.array([item_index[m] for m in items], dtype=np.int32),
        np.full(len(users), RATING, dtype=np.int8),
        np.array(stars, dtype=np.float32),
        np.array(times, dtype=np.float64),
    )
    return Dataset(
        user_ids=user_ids,
        item_ids=item_ids,
        events=events,
        item_features=item_features,
        item_feature_names=item_feature_names,
        user_features=sp.csr_matrix((len(user_ids), 0), dtype=np.float32),
        user_feature_names=[],
        item_names=[movies.get(m, (str(m),))[0] for m in item_ids.tolist()],
    )

