"""Request-time ranking, the profile half: what a profile has seen, liked and may see, read in a few
prepared queries, and the active model's files loaded once per process.

The row pipeline is stored candidates (`sources`) -> these filters -> diversity, exploration and
reasons (`reranking`), assembled per row by `services.rows_for`. No model is fitted or called here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db.models import CharField
from django.db.models.functions import Cast

from accounts.models import Profile
from activity.models import Rating, ViewingEvent
from activity.opinions import is_disliked, is_liked, serving_dislike_at
from catalog.models import Title

from .artifacts import artifact_path
from .hybrid import Embeddings
from .models import Candidate, ItemNeighbour, ModelVersion
from .prepared import fetch_prepared

REASON_POPULAR = "Popular in your region"
REASON_PEERS = "Viewers like you rated it highly"
REASON_NEW = "New on Marquee"
REASON_EXPLORE = "A lesser-known pick you might enjoy"
REASON_PICKED = "Picked for you"
# A two-stage pick's reason names the generator that proposed it (`Candidate.generator`); item-kNN and
# EASE^R picks say "Because you watched <anchor>" (`reranking.because_of`), the hybrid's keep the usual ones.
ANCHORED_GENERATORS = ("item_knn", "ease")
GENERATOR_REASONS = {
    "user_knn": "Viewers like you watched it",  # user-kNN: the nearest profiles' titles, every interaction counted
    "popularity": "Popular on Marquee",  # the popularity generator counts every region's viewing
}


def setting(name: str, default):
    return getattr(settings, name, default)


@dataclass
class Scored:
    title_id: int
    score: float
    reason: str = ""
    generator: str = ""  # the two-stage generator that proposed it, for stored top picks of a ranker version
    anchor_id: int | None = None  # the liked title behind an item-to-item generator's proposal


@dataclass
class ProfileContext:
    """What the ranking needs to know about one profile, fetched in a handful of queries."""

    profile: Profile
    region_id: int | None
    allowed_ratings: frozenset[str] | None  # the profile's maturity limit (None: every rating)
    version: ModelVersion | None
    seen: set[int]
    disliked: set[int]
    liked_recent: list[int]  # newest first: completed views, good ratings, thumbs up
    favourite_genres: list[tuple[str, str]]  # (slug, name)
    favourite_titles: list[int]
    # How the profile came to like each liked or picked title, for a reason that is true of it:
    # "watched" (a viewing), "liked" (stars or a thumb, no viewing) or "picked" (onboarding).
    anchor_verbs: dict[int, str] = field(default_factory=dict)
    in_progress: list[tuple[int, float]] = field(default_factory=list)  # (title, completion), newest first
    genres: dict[int, set[str]] = field(default_factory=dict)  # title -> genre slugs, filled lazily
    genre_names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.excluded: set[int] = self.seen | self.disliked


# Timestamps are read as ISO text (they sort the same) to skip parsing a thousand datetimes per request.
def _views_of(profile_id):
    views = ViewingEvent.objects.filter(profile_id=profile_id, hidden_at__isnull=True).order_by()
    return views.annotate(when=Cast("started_at", CharField())).values_list("title_id", "completion", "when")


def _ratings_of(profile_id):
    ratings = Rating.objects.filter(profile_id=profile_id).order_by()
    return ratings.annotate(when=Cast("rated_at", CharField())).values_list("title_id", "stars", "thumb", "when")


def _favourite_titles_of(profile_id):
    return Profile.favourite_titles.through.objects.filter(profile_id=profile_id).order_by().values_list("title_id")


def _favourite_genres_of(profile_id):
    return Profile.favourite_genres.through.objects.filter(profile_id=profile_id).order_by().values_list(
        "genre__slug", "genre__name"
    )


def _candidates_of(profile_id, version_id, source):
    rows = Candidate.objects.filter(profile_id=profile_id, model_version_id=version_id, source=source)
    return rows.order_by("rank").values_list("title_id", "score", "generator", "anchor_id")


def _genres_of(title_ids):
    return Title.genres.through.objects.filter(title_id__in=title_ids).values_list("title_id", "genre__slug", "genre__name")


def _visible_query(with_region: bool, with_ratings: bool):
    """A prepared-query builder for the core's visibility rule, one per combination of the facts a
    profile has (a region of None or no maturity limit adds no SQL parameter)."""

    def build(*args):
        *facts, title_ids = args
        region_id = facts.pop(0) if with_region else None
        ratings = facts.pop(0) if with_ratings else None
        return Title.objects.visible_in(region_id, ratings).filter(pk__in=title_ids).values_list("pk")

    return build


_VISIBLE = {(region, ratings): _visible_query(region, ratings) for region in (False, True) for ratings in (False, True)}
NEWEST_SHOWN = 300  # how far down the newest visible titles "New for you" looks


def _newest_visible_query(with_region: bool, with_ratings: bool):
    """Like `_visible_query`: the newest titles the profile may see, newest first."""

    def build(*facts):
        facts = list(facts)
        region_id = facts.pop(0) if with_region else None
        ratings = facts.pop(0) if with_ratings else None
        newest = Title.objects.visible_in(region_id, ratings).order_by("-added_at", "-year", "-pk")
        return newest.values_list("pk")[:NEWEST_SHOWN]

    return build


_NEWEST_VISIBLE = {
    (region, ratings): _newest_visible_query(region, ratings) for region in (False, True) for ratings in (False, True)
}


def _neighbours_among(version_id, title_ids, neighbour_ids):
    rows = ItemNeighbour.objects.filter(model_version_id=version_id, title_id__in=title_ids, neighbour_id__in=neighbour_ids)
    return rows.values_list("title_id", "neighbour_id", "similarity")


def _names_of(title_ids):
    return Title.objects.filter(pk__in=title_ids).values_list("pk", "name")


def active_version() -> ModelVersion | None:
    return ModelVersion.objects.filter(is_active=True).first()


@lru_cache(maxsize=4)
def _embeddings_at(path: str, modified_ns: int) -> Embeddings:
    return Embeddings.from_bytes(Path(path).read_bytes())


@lru_cache(maxsize=4)
def _popularity_at(path: str, modified_ns: int) -> dict[int, float]:
    emb = _embeddings_at(path, modified_ns)
    return dict(zip(emb.item_ids.tolist(), emb.item_popularity.tolist(), strict=True))


def _artifact_key(version: ModelVersion | None) -> tuple[str, int] | None:
    """(path, mtime): a retrained or restored file is reloaded; otherwise it is read once per process."""
    if version is None or not version.artifact:
        return None
    path = artifact_path(version)
    try:
        return str(path), path.stat().st_mtime_ns
    except FileNotFoundError:
        return None


def embeddings(version: ModelVersion | None) -> Embeddings | None:
    key = _artifact_key(version)
    return _embeddings_at(*key) if key else None


def item_popularity(version: ModelVersion | None) -> dict[int, float]:
    key = _artifact_key(version)
    return _popularity_at(*key) if key else {}


def load_context(profile: Profile) -> ProfileContext:
    """Seen, disliked and recently liked titles in two raw fetches (this is the hot path of every row)."""
    dislike_at = serving_dislike_at()
    seen: set[int] = set()
    disliked: set[int] = set()
    liked: list[tuple] = []
    latest_view: dict[int, tuple[str, float]] = {}
    for title_id, completion, when in fetch_prepared(_views_of, profile.pk):
        seen.add(title_id)
        if is_liked(completion=completion):
            liked.append((when, title_id))
        if title_id not in latest_view or when > latest_view[title_id][0]:
            latest_view[title_id] = (when, completion)
    for title_id, stars, thumb, when in fetch_prepared(_ratings_of, profile.pk):
        if is_disliked(stars, thumb, dislike_at=dislike_at):
            disliked.add(title_id)
        else:
            seen.add(title_id)
            if is_liked(stars=stars, thumb=thumb, dislike_at=dislike_at):
                liked.append((when, title_id))
    liked.sort(reverse=True)
    liked_recent = list(dict.fromkeys(t for _, t in liked[:200] if t not in disliked))
    favourite_titles = [t for (t,) in fetch_prepared(_favourite_titles_of, profile.pk)]
    verbs = {t: "picked" for t in favourite_titles}
    verbs.update({t: "liked" for _, t in liked})
    verbs.update({t: "watched" for t in latest_view})
    # The latest session of each title decides: started and not finished (a finished one is history).
    in_progress = sorted(
        ((when, t, completion) for t, (when, completion) in latest_view.items()
         if 0 < completion < ViewingEvent.FINISHED_AT and t not in disliked),
        reverse=True,
    )
    return ProfileContext(
        profile=profile,
        region_id=profile.account.region_id,
        allowed_ratings=profile.allowed_ratings,
        version=active_version(),
        # Titles picked at onboarding are ones the viewer already knows: they seed tastes, not rows.
        seen=(seen | set(favourite_titles)) - disliked,
        disliked=disliked,
        liked_recent=liked_recent,
        favourite_genres=fetch_prepared(_favourite_genres_of, profile.pk),
        favourite_titles=favourite_titles,
        anchor_verbs=verbs,
        in_progress=[(t, completion) for _, t, completion in in_progress],
    )


def load_genres(ctx: ProfileContext, title_ids) -> None:
    missing = [t for t in title_ids if t not in ctx.genres]
    for t in missing:
        ctx.genres[t] = set()
    if not missing:
        return
    for title_id, slug, name in fetch_prepared(_genres_of, list(dict.fromkeys(missing))):
        ctx.genres[title_id].add(slug)
        ctx.genre_names[slug] = name


def available(ctx: ProfileContext, title_ids: list[int]) -> list[int]:
    """Keep order; drop seen and disliked titles and those the profile may not see (`Title.objects.visible_to`)."""
    excluded = ctx.excluded
    return visible(ctx, [t for t in title_ids if t not in excluded])


def first_available(ctx: ProfileContext, title_ids: list[int], want: int, page: int | None = None) -> list[int]:
    """The first `want` of `title_ids` that `available` keeps, checked a page at a time.

    A profile with a maturity limit may see a small share of the catalogue (a kids profile ~10% of
    it): one page is enough for most profiles, and a restricted one still gets full rows.
    """
    page = page or max(2 * want, 24)
    found: list[int] = []
    for start in range(0, len(title_ids), page):
        found += available(ctx, title_ids[start : start + page])
        if len(found) >= want:
            break
    return found[:want]


def _visibility_facts(ctx: ProfileContext) -> tuple[tuple[bool, bool], list]:
    facts: list = []
    if ctx.region_id is not None:
        facts.append(ctx.region_id)
    if ctx.allowed_ratings is not None:
        facts.append(sorted(ctx.allowed_ratings))
    return (ctx.region_id is not None, ctx.allowed_ratings is not None), facts


def newest_available(ctx: ProfileContext, want: int) -> list[int]:
    """The newest titles the profile may see and has not seen, newest first (one prepared query)."""
    shape, facts = _visibility_facts(ctx)
    return [t for (t,) in fetch_prepared(_NEWEST_VISIBLE[shape], *facts) if t not in ctx.excluded][:want]


def visible(ctx: ProfileContext, wanted: list[int]) -> list[int]:
    """Keep order; drop titles the profile may not see (the prepared form of `Title.objects.visible_to`)."""
    if not wanted:
        return []
    shape, facts = _visibility_facts(ctx)
    rows = fetch_prepared(_VISIBLE[shape], *facts, wanted)
    allowed = {t for (t,) in rows}
    return [t for t in wanted if t in allowed]


def taste_genres(ctx: ProfileContext, limit: int = 3) -> list[str]:
    """Genres the profile picked at onboarding first, then the ones most common among what it liked."""
    counts: dict[str, int] = {}
    recent = ctx.liked_recent[:50]
    load_genres(ctx, recent)
    for t in recent:
        for slug in ctx.genres.get(t, ()):
            counts[slug] = counts.get(slug, 0) + 1
    ordered = [slug for slug, _ in ctx.favourite_genres]
    ordered += [slug for slug, _ in sorted(counts.items(), key=lambda kv: -kv[1]) if slug not in ordered]
    for slug, name in ctx.favourite_genres:
        ctx.genre_names.setdefault(slug, name)
    return ordered[:limit]
