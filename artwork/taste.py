"""The profile's taste as the linear bandit's context: a small fixed-size vector of genre and tag affinities.

Pure arithmetic (no database), so serving, the learner and bench/artwork.py's simulator build the vector the
same way; `artwork.viewer.taste_context` reads a profile's history and the recommender's view of it.

Layout (TASTE_DIM numbers, each block a distribution that sums to 1, or all zeros when nothing is known):
- TASTE_GENRES plus one slot for any other genre: the share of the profile's viewing per genre, each view
  weighted by how far it was watched and split evenly over the title's genres. The recommender's own view
  of the profile (its embedding scored against each genre's embedding) counts as `embedding_weight` views
  spread by that distribution, so a short history leans on the recommender and a long one on itself.
- TASTE_TAG_BUCKETS hashed slots: the same shares over the watched titles' tags (weighted by confidence).

A profile with no history and no embedding gets NEUTRAL_TASTE (all zeros): the linear policy then scores it
by its intercept block alone, which is what it has learned for everyone.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

# A fixed vocabulary, so the vector's meaning does not depend on a database's primary keys: MovieLens's
# genres and the demo world's. Hashing 20 genres into 16 slots put 7 of them together (issue 13, session 2).
TASTE_GENRES = (
    "action", "adventure", "animation", "children", "comedy", "crime", "documentary", "drama", "family",
    "fantasy", "film-noir", "horror", "imax", "musical", "mystery", "romance", "sci-fi", "thriller", "war",
    "western",
)
OTHER_GENRE = len(TASTE_GENRES)
TASTE_TAG_BUCKETS = 8
GENRE_SLOTS = len(TASTE_GENRES) + 1
TASTE_DIM = GENRE_SLOTS + TASTE_TAG_BUCKETS
# The recommender's genre distribution counts as this many views: chosen by replay on the validation titles
# (bench/artwork.py --parts held-out, grid 0/1/3/10/30; 3 to 30 are level within noise there, and the value
# rests on the simulator's recommender being an independent noisy view of the taste; docs/benchmarks.md).
EMBEDDING_WEIGHT = 30.0
NEUTRAL_TASTE = np.zeros(TASTE_DIM)
_GENRE_INDEX = {slug: i for i, slug in enumerate(TASTE_GENRES)}


@dataclass(frozen=True)
class Context:
    """What the policies see of one profile: its taste segment (the per-segment Thompson policy's key) and
    its taste vector (the linear policy's context)."""

    segment: str
    taste: tuple[float, ...] = tuple(NEUTRAL_TASTE)

    def __post_init__(self):
        taste = tuple(float(x) for x in self.taste)  # hashable: compiled states cache per taste
        if len(taste) != TASTE_DIM:
            raise ValueError(f"taste vector of {len(taste)} numbers, expected TASTE_DIM={TASTE_DIM}")
        object.__setattr__(self, "taste", taste)

    @property
    def vector(self) -> np.ndarray:
        return np.asarray(self.taste, dtype=float)


def genre_slot(slug: str) -> int:
    return _GENRE_INDEX.get(slug.lower(), OTHER_GENRE)


def tag_slot(slug: str) -> int:
    return int(hashlib.blake2b(slug.lower().encode(), digest_size=2).hexdigest(), 16) % TASTE_TAG_BUCKETS


def _shares(weights: np.ndarray) -> np.ndarray:
    total = weights.sum()
    return weights / total if total > 0 else np.zeros_like(weights)


def embedding_genres(scores: Mapping[str, float]) -> dict[str, float]:
    """The recommender's scores of a profile against each genre, as a distribution over the known genres:
    a softmax of the standardised scores (the scores' scale differs between model versions; their order
    and spread relative to each other is what carries the taste)."""
    known = {slug.lower(): float(s) for slug, s in scores.items() if slug.lower() in _GENRE_INDEX}
    if len(known) < 2:
        return {}
    values = np.array(list(known.values()))
    spread = values.std()
    if spread <= 0:
        return {}
    logits = (values - values.mean()) / spread
    p = np.exp(logits - logits.max())
    p /= p.sum()
    return dict(zip(known, p.tolist(), strict=True))


def taste_vector(
    genre_views: Mapping[str, float],
    tag_views: Mapping[str, float],
    embedding: Mapping[str, float] | None = None,
    *,
    embedding_weight: float = EMBEDDING_WEIGHT,
) -> np.ndarray:
    """The taste vector (TASTE_DIM) from view weights per genre slug and per tag slug, and optionally the
    recommender's genre distribution (`embedding_genres`)."""
    genres = np.zeros(GENRE_SLOTS)
    for slug, weight in genre_views.items():
        if weight < 0:
            raise ValueError(f"genre {slug!r}: negative view weight {weight}")
        genres[genre_slot(slug)] += weight
    if embedding and embedding_weight > 0:
        for slug, share in embedding.items():
            genres[genre_slot(slug)] += embedding_weight * share
    tags = np.zeros(TASTE_TAG_BUCKETS)
    for slug, weight in tag_views.items():
        if weight < 0:
            raise ValueError(f"tag {slug!r}: negative view weight {weight}")
        tags[tag_slot(slug)] += weight
    return np.concatenate([_shares(genres), _shares(tags)])


def history_weights(
    views: list[tuple[int, float]], genres: Mapping[int, list[str]], tags: Mapping[int, list[tuple[str, float]]]
) -> tuple[dict[str, float], dict[str, float]]:
    """View weights per genre and per tag from (title id, completion) views: each view counts by how far it
    was watched (at least a tenth: starting a title says something), split evenly over its genres and, by
    confidence, over its tags."""
    genre_views: dict[str, float] = {}
    tag_views: dict[str, float] = {}
    for title_id, completion in views:
        weight = max(min(float(completion), 1.0), 0.1)
        title_genres = genres.get(title_id, ())
        for slug in title_genres:
            genre_views[slug] = genre_views.get(slug, 0.0) + weight / len(title_genres)
        title_tags = tags.get(title_id, ())
        total = sum(c for _, c in title_tags)
        for slug, confidence in title_tags:
            if total > 0:
                tag_views[slug] = tag_views.get(slug, 0.0) + weight * confidence / total
    return genre_views, tag_views
