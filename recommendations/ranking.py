"""Request-time ranking: stored candidates -> filters -> diversity (MMR) -> bounded exploration -> reasons, per row.

No model is fitted or called here: rows come from the candidates and neighbours batch scoring stored,
plus the active model's embeddings (loaded once per process) for profiles that joined after training.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import CharField, Max
from django.db.models.functions import Cast

from accounts.models import Profile
from activity.models import MyListEntry, Rating, ViewingEvent
from activity.opinions import disliked_ratings, is_disliked, is_liked, serving_dislike_at
from catalog.models import Title

from .artifacts import artifact_path
from .behaviour import profile_feature_names, title_features
from .hybrid import Embeddings
from .models import Candidate, ItemNeighbour, ModelVersion

REASON_POPULAR = "Popular in your region"
REASON_PEERS = "Viewers like you rated it highly"
REASON_NEW = "New on Marquee"
REASON_EXPLORE = "A lesser-known pick you might enjoy"
REASON_PICKED = "Picked for you"


def setting(name: str, default):
    return getattr(settings, name, default)


@dataclass
class Scored:
    title_id: int
    score: float
    reason: str = ""


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


@dataclass(frozen=True)
class _Prepared:
    sql: str
    params: tuple
    slots: tuple[int, ...]  # where each call's values go in params


_prepared: dict[tuple, _Prepared] = {}


def _placeholder(value, index: int):
    """A parameter value no real row holds, of the argument's type: it marks where the argument lands in the SQL."""
    return f"\x00marquee-argument-{index}" if isinstance(value, str) else -987_654_321 - index


def fetch_prepared(build, *args) -> list[tuple]:
    """The rows of the values_list queryset `build(*args)`, through the cursor (no per-row ORM overhead),
    with the queryset compiled to SQL once per process, not per call.

    Compiling a queryset costs ~0.3-0.7 ms, as much as running one of these small indexed queries, and
    every row request runs several whose shape depends only on ids. A list argument (an `__in` filter)
    is compiled once per length. `build` must be a module-level function that puts each argument (each
    element of a list) into the SQL as one parameter, unchanged (checked); an empty list is refused.
    """
    shape = tuple(len(arg) if isinstance(arg, list) else -1 for arg in args)
    key = (build, connection.vendor, shape)
    prepared = _prepared.get(key)
    flat = [value for arg in args for value in (arg if isinstance(arg, list) else [arg])]
    if prepared is None:
        if 0 in shape:
            raise ValueError(f"{build.__name__}: an empty list matches nothing; leave the query out")
        placeholders, used = [], 0
        for arg in args:
            values = arg if isinstance(arg, list) else [arg]
            placeholders.append([_placeholder(v, used + i) for i, v in enumerate(values)])
            used += len(values)
        query = build(*(group if isinstance(arg, list) else group[0] for arg, group in zip(args, placeholders, strict=True)))
        sql, params = query.query.sql_with_params()
        slots = []
        for placeholder in (p for group in placeholders for p in group):
            found = [i for i, param in enumerate(params) if param == placeholder]
            if len(found) != 1:
                raise ValueError(f"{build.__name__}: each argument must appear once as a plain SQL parameter")
            slots.append(found[0])
        if len(_prepared) >= 2000:  # one entry per list length met: bounded in practice, bounded here anyway
            _prepared.clear()
        prepared = _prepared[key] = _Prepared(sql, tuple(params), tuple(slots))
    params = list(prepared.params)
    for slot, value in zip(prepared.slots, flat, strict=True):
        params[slot] = value
    with connection.cursor() as cursor:
        cursor.execute(prepared.sql, params)
        return cursor.fetchall()


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
    return rows.order_by("rank").values_list("title_id", "score")


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


# -- candidate sources ---------------------------------------------------------------------------
def stored_candidates(ctx: ProfileContext, source: str) -> list[Scored]:
    if ctx.version is None:
        return []
    return [Scored(t, s) for t, s in fetch_prepared(_candidates_of, ctx.profile.pk, ctx.version.pk, str(source))]


def user_vector(ctx: ProfileContext, emb: Embeddings) -> np.ndarray | None:
    """The profile's vector: learned if the model saw it, else built from its onboarding features and likes."""
    users = np.flatnonzero(emb.user_ids == ctx.profile.pk)
    if len(users) and ctx.liked_recent:
        return emb.user_vectors[users[0]]
    index = {int(pk): i for i, pk in enumerate(emb.item_ids.tolist())}
    region_code = ctx.profile.account.region.code if ctx.region_id else None
    names = profile_feature_names(region_code, [s for s, _ in ctx.favourite_genres], ctx.favourite_titles)
    liked = [index[t] for t in ctx.favourite_titles + ctx.liked_recent[:20] if t in index]
    return emb.cold_user_vector(names, liked)


def model_scores(ctx: ProfileContext, title_ids: list[int]) -> dict[int, float]:
    """Scores from the active model's embeddings, including titles added after training (from their features)."""
    emb = embeddings(ctx.version)
    vector = user_vector(ctx, emb) if emb is not None else None
    if vector is None:
        return {}
    index = {int(pk): i for i, pk in enumerate(emb.item_ids.tolist())}
    known = [t for t in title_ids if t in index]
    scores = {}
    if known:
        rows = np.array([index[t] for t in known])
        values = emb.item_vectors[rows] @ vector + emb.item_bias[rows]
        scores = dict(zip(known, values.tolist(), strict=True))
    unknown = [t for t in title_ids if t not in index]
    if unknown:
        for title_id, features in title_features(unknown).items():
            if (cold := emb.cold_item(features)) is not None:
                scores[title_id] = float(cold[0] @ vector + cold[1])
    return scores


def cold_start_candidates(ctx: ProfileContext, n: int = 100) -> list[Scored]:
    """A profile the active model has not seen: its onboarding features through the model's embeddings.

    Without any model yet: titles in the chosen genres and the neighbours of the chosen titles, by popularity.
    A profile with a maturity limit gets ten times as many, since most of the catalogue is filtered out later.
    """
    if ctx.allowed_ratings is not None:
        n *= 10
    emb = embeddings(ctx.version)
    if emb is not None and len(emb.item_ids):
        vector = user_vector(ctx, emb)
        if vector is not None:
            index = {int(pk): i for i, pk in enumerate(emb.item_ids.tolist())}
            scores = emb.scores(vector[None, :])[0]
            for t in ctx.excluded:
                if t in index:
                    scores[index[t]] = -np.inf
            best = np.argsort(-scores)[:n]
            return [Scored(int(emb.item_ids[i]), float(scores[i])) for i in best if np.isfinite(scores[i])]
    slugs = [s for s, _ in ctx.favourite_genres]
    popular = popularity_scores(None)
    pool: dict[int, float] = {}
    if slugs:
        for t in Title.objects.filter(genres__slug__in=slugs).values_list("pk", flat=True).distinct()[:2000]:
            pool[t] = popular.get(t, 0.0)
    for title in ctx.favourite_titles:
        for item in content_neighbours(title, 20):
            pool[item.title_id] = max(pool.get(item.title_id, 0.0), popular.get(item.title_id, 0.0) + item.score)
    ranked = sorted(pool.items(), key=lambda kv: -kv[1])[:n]
    return [Scored(t, s) for t, s in ranked]


def popularity_scores(region_id: int | None) -> dict[int, float]:
    """Time-decayed popularity (views, good ratings, list adds) in a region; all regions when it has no activity.

    The window ends at the newest activity rather than now, so an imported history still trends.
    """
    key = f"recommendations:trending:{region_id or 'all'}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    half_life = timedelta(days=setting("RECOMMENDER_TRENDING_HALF_LIFE_DAYS", 7))
    window = timedelta(days=setting("RECOMMENDER_TRENDING_WINDOW_DAYS", 60))
    scores: dict[int, float] = {}
    sources = [
        (ViewingEvent.objects.filter(hidden_at__isnull=True), "started_at"),
        (Rating.objects.exclude(disliked_ratings()), "rated_at"),
        (MyListEntry.objects.all(), "added_at"),
    ]
    for queryset, stamp in sources:
        if region_id is not None:
            queryset = queryset.filter(profile__account__region_id=region_id)
        newest = queryset.aggregate(m=Max(stamp))["m"]
        if newest is None:
            continue
        for title_id, when in queryset.filter(**{f"{stamp}__gte": newest - window}).values_list("title_id", stamp):
            age = (newest - when) / half_life
            scores[title_id] = scores.get(title_id, 0.0) + math.pow(0.5, age)
    if not scores and region_id is not None:
        scores = popularity_scores(None)
    cache.set(key, scores, setting("RECOMMENDER_TRENDING_CACHE_SECONDS", 600))
    return scores


def content_neighbours(title_id: int, limit: int) -> list[Scored]:
    """Titles sharing the most genres and tags with `title_id` (used when no model has neighbours for it)."""
    genre_ids = list(Title.genres.through.objects.filter(title_id=title_id).values_list("genre_id", flat=True))
    tag_ids = list(Title.tags.through.objects.filter(title_id=title_id).values_list("tag_id", flat=True))
    overlap: dict[int, float] = {}
    for other in Title.genres.through.objects.filter(genre_id__in=genre_ids).exclude(title_id=title_id).values_list(
        "title_id", flat=True
    )[:20000]:
        overlap[other] = overlap.get(other, 0.0) + 1.0
    for other in Title.tags.through.objects.filter(tag_id__in=tag_ids).exclude(title_id=title_id).values_list(
        "title_id", flat=True
    )[:20000]:
        overlap[other] = overlap.get(other, 0.0) + 0.5
    size = len(genre_ids) + 0.5 * len(tag_ids) or 1.0
    ranked = sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [Scored(t, s / size) for t, s in ranked]


def model_neighbours(version: ModelVersion | None, title_id: int, limit: int) -> list[Scored]:
    if version is None:
        return []
    rows = ItemNeighbour.objects.filter(model_version=version, title_id=title_id).order_by("rank")[:limit]
    return [Scored(t, s) for t, s in rows.values_list("neighbour_id", "similarity")]


# -- re-ranking ------------------------------------------------------------------------------------
def mmr(ctx: ProfileContext, items: list[Scored], limit: int, lam: float | None = None) -> list[Scored]:
    """Maximal marginal relevance over genre sets: trade a little score for titles unlike those already chosen."""
    lam = setting("RECOMMENDER_MMR_LAMBDA", 0.7) if lam is None else lam
    pool = items[: max(limit * 3, limit)]
    if len(pool) <= 1:
        return pool[:limit]
    load_genres(ctx, [i.title_id for i in pool])
    vocabulary = {g: n for n, g in enumerate({g for i in pool for g in ctx.genres[i.title_id]})}
    member = np.zeros((len(pool), max(len(vocabulary), 1)), dtype=np.float32)
    for row, item in enumerate(pool):
        for g in ctx.genres[item.title_id]:
            member[row, vocabulary[g]] = 1
    shared = member @ member.T
    sizes = member.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - shared
    similarity = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
    scores = np.array([i.score for i in pool], dtype=float)
    span = scores.max() - scores.min()
    relevance = (scores - scores.min()) / span if span > 0 else np.ones(len(pool))
    redundancy = np.zeros(len(pool))
    available_mask = np.ones(len(pool), dtype=bool)
    chosen: list[int] = []
    while available_mask.any() and len(chosen) < limit:
        value = np.where(available_mask, lam * relevance - (1 - lam) * redundancy, -np.inf)
        best = int(np.argmax(value))
        chosen.append(best)
        available_mask[best] = False
        redundancy = np.maximum(redundancy, similarity[best])
    return [pool[i] for i in chosen]


def explore(ctx: ProfileContext, ranked: list[Scored], pool: list[Scored], limit: int) -> list[Scored]:
    """Swap a bounded share of slots for lesser-known or new titles from deeper in the pool (stable per day)."""
    share = setting("RECOMMENDER_EXPLORATION_SHARE", 0.15)
    slots = min(int(limit * share), max(limit - 1, 0))
    if slots <= 0 or len(ranked) < limit:
        return ranked
    popularity = item_popularity(ctx.version)
    taken = {i.title_id for i in ranked}
    deeper = [i for i in pool if i.title_id not in taken]
    if popularity and deeper:
        # Less known than the other candidates, or never seen by the model (added after training).
        median = float(np.median([popularity.get(i.title_id, 0.0) for i in deeper]))
        lesser = [i for i in deeper if popularity.get(i.title_id, 0.0) <= median]
    else:
        newest = Title.objects.aggregate(m=Max("added_at"))["m"]
        fresh = set(
            Title.objects.filter(pk__in=[i.title_id for i in deeper], added_at__gte=newest - timedelta(days=30))
            .values_list("pk", flat=True)
        ) if newest else set()
        lesser = [i for i in deeper if i.title_id in fresh]
    if not lesser:
        return ranked
    rng = random.Random(f"{ctx.profile.pk}:{date.today().isoformat()}")
    picks = rng.sample(lesser, min(slots, len(lesser)))
    result = list(ranked[: limit - len(picks)])
    step = max(limit // (len(picks) + 1), 1)
    for n, pick in enumerate(picks, start=1):
        result.insert(min(n * step, len(result)), Scored(pick.title_id, pick.score, REASON_EXPLORE))
    return result[:limit]


def because_of(ctx: ProfileContext, anchor_id: int, name: str) -> str:
    """"Because you watched X" only of a title the profile watched; "liked" for stars or thumbs, "picked" for onboarding."""
    return f"Because you {ctx.anchor_verbs.get(anchor_id, 'picked')} {name}"


def add_reasons(ctx: ProfileContext, items: list[Scored], default: str, *, because_titles: bool = True) -> list[Scored]:
    """Because you watched/liked/picked X (nearest such title), else a matching interest, else the row's default.

    `because_titles=False` leaves the first out (a row whose titles were not proposed by what the profile watched).
    """
    if not items:
        return items
    liked = ctx.liked_recent[:30] + [t for t in ctx.favourite_titles if t not in ctx.liked_recent[:30]]
    because: dict[int, tuple[float, int]] = {}
    if ctx.version is not None and liked and because_titles:
        for title_id, neighbour_id, sim in fetch_prepared(
            _neighbours_among, ctx.version.pk, liked, [i.title_id for i in items]
        ):
            if neighbour_id not in because or sim > because[neighbour_id][0]:
                because[neighbour_id] = (sim, title_id)
    names = dict(fetch_prepared(_names_of, list({t for _, t in because.values()}))) if because else {}
    load_genres(ctx, [i.title_id for i in items] + ctx.liked_recent[:50])  # one query for both
    interests = taste_genres(ctx, limit=5)
    for item in items:
        if item.reason:
            continue
        if item.title_id in because:
            anchor = because[item.title_id][1]
            item.reason = because_of(ctx, anchor, names[anchor])
            continue
        shared = [slug for slug in interests if slug in ctx.genres.get(item.title_id, ())]
        item.reason = f"Matches your interest in {ctx.genre_names.get(shared[0], shared[0])}" if shared else default
    return items
