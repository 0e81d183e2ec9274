"""What a profile's activity says about a title: disliked, liked, or a hit. Defined once, here.

Every reader of ratings, thumbs and views (the recommender's ranking, training, dataset and trending)
asks these functions instead of writing thresholds of its own.

`is_disliked` and `is_relevant` take numbers (None = not given) or NumPy arrays (NaN = not given), so
the dataset's vectorised folding and a request's loop share one rule.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q

# Stars at or below this are negative evidence. Tunable per model (`SignalWeights.dislike_at`) and for
# serving (`RECOMMENDER_DISLIKE_AT`); both start from this default.
DEFAULT_DISLIKE_AT = 2.0
# A like, strong enough to seed "because you watched": at least these stars, half the title watched,
# or a thumb up. Between DISLIKE_AT and LIKED_STARS a rating means "seen", not "liked".
LIKED_STARS = 3.5
LIKED_COMPLETION = 0.5
# What the offline evaluation counts as a hit: a clearly good rating, a thumb up, or a completed view.
RELEVANT_STARS = 4.0
COMPLETED_AT = 0.9


def serving_dislike_at() -> float:
    """The serving threshold (settings), for readers that are not tied to a model's tuned weights."""
    return float(getattr(settings, "RECOMMENDER_DISLIKE_AT", DEFAULT_DISLIKE_AT))


def _at_least(value: Any, bar: float) -> Any:
    return value is not None and value >= bar


def is_disliked(stars: Any = None, thumb: Any = None, *, dislike_at: float | None = None) -> Any:
    """Rated at or below the dislike threshold, or a thumb down. It outweighs everything else the profile did."""
    bar = serving_dislike_at() if dislike_at is None else dislike_at
    return (stars is not None and stars <= bar) | (thumb is not None and thumb < 0)


def is_liked(
    *,
    stars: float | None = None,
    thumb: int | None = None,
    completion: float | None = None,
    dislike_at: float | None = None,
) -> bool:
    """A like: LIKED_STARS or more, a thumb up, or LIKED_COMPLETION watched; never a disliked rating."""
    if is_disliked(stars, thumb, dislike_at=dislike_at):
        return False
    return bool(
        _at_least(completion, LIKED_COMPLETION)
        or _at_least(stars, LIKED_STARS)
        or (thumb is not None and thumb > 0)
    )


def is_relevant(
    stars: Any = None, thumb: Any = None, completion: Any = None, *, completed_at: float = COMPLETED_AT
) -> Any:
    """A hit for offline evaluation (the caller also drops pairs that are disliked)."""
    return (
        _at_least(stars, RELEVANT_STARS)
        | (thumb is not None and thumb > 0)
        | _at_least(completion, completed_at)
    )


def disliked_ratings(*, dislike_at: float | None = None) -> Q:
    """`is_disliked` as a filter on `Rating` rows (exclude it to keep likes and neutral ratings)."""
    bar = serving_dislike_at() if dislike_at is None else dislike_at
    return Q(stars__lte=bar) | Q(thumb__lt=0)
