"""The public face of recommendations: rows for a profile, "more like this", retraining and metrics history."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accounts.models import Profile
from catalog.models import Title
from jobs.queue import enqueue_on_commit

from . import ranking, reranking, sources
from .models import Candidate, ModelVersion
from .ranking import REASON_NEW, REASON_PEERS, REASON_PICKED, REASON_POPULAR, Scored


@dataclass(frozen=True)
class RowItem:
    title_id: int
    score: float
    reason: str  # "Because you watched X", "Popular in your region", "Matches your interest in <tag>", ...


@dataclass(frozen=True)
class Row:
    key: str  # "top_picks", "because_you_watched", "viewers_like_you", "trending", "new_for_you", "genre:<slug>"
    heading: str
    items: list[RowItem]


def _items(scored: list[Scored]) -> list[RowItem]:
    return [RowItem(title_id=s.title_id, score=round(float(s.score), 6), reason=s.reason) for s in scored]


REASON_RESUME = "Resume: {percent}% watched"
MAX_ROWS_PER_TITLE = 2  # a title shows in at most this many rows of one page


def _continue_watching(ctx: ranking.ProfileContext, limit: int) -> Row | None:
    """Titles started and not finished, the latest first (from the history `load_context` already read)."""
    completion = dict(ctx.in_progress)
    keep = ranking.visible(ctx, [t for t, _ in ctx.in_progress])[:limit]
    items = [Scored(t, completion[t], REASON_RESUME.format(percent=round(100 * completion[t]))) for t in keep]
    return Row("continue_watching", "Continue watching", _items(items)) if items else None


def _top_picks(ctx: ranking.ProfileContext, limit: int) -> tuple[list[Scored], list[Scored]]:
    pool = sources.stored_candidates(ctx, Candidate.Source.MODEL) or sources.cold_start_candidates(ctx)
    keep = set(ranking.first_available(ctx, [s.title_id for s in pool], want=100))
    pool = [s for s in pool if s.title_id in keep]
    # Genres of the candidates and of recent likes in one query: MMR, reasons and genre rows all use them.
    ranking.load_genres(ctx, [s.title_id for s in pool[: limit * 3]] + ctx.liked_recent[:50])
    diverse = reranking.mmr(ctx, pool, limit)
    picked = reranking.explore(ctx, diverse, pool, limit)
    return reranking.add_reasons(ctx, picked, REASON_PICKED), pool


def _because_you_watched(ctx: ranking.ProfileContext, limit: int) -> Row | None:
    for anchor in (ctx.liked_recent[:3] or ctx.favourite_titles[:3]):
        neighbours = sources.model_neighbours(ctx.version, anchor, limit * 3)
        keep = ranking.available(ctx, [n.title_id for n in neighbours])
        if len(keep) < limit:  # few of the model's neighbours are left (seen, or above a maturity limit)
            more = [n for n in sources.content_neighbours(anchor, limit * 10) if n.title_id not in keep]
            neighbours += more
            keep += ranking.first_available(ctx, [n.title_id for n in more], want=limit - len(keep))
        if keep:
            name = Title.objects.filter(pk=anchor).values_list("name", flat=True).first()
            score = {n.title_id: n.score for n in neighbours}
            heading = reranking.because_of(ctx, anchor, name)
            items = [Scored(t, score[t], heading) for t in keep]
            return Row("because_you_watched", heading, _items(items))
    return None


def _viewers_like_you(ctx: ranking.ProfileContext, limit: int) -> Row | None:
    pool = sources.stored_candidates(ctx, Candidate.Source.PEERS)
    keep = set(ranking.first_available(ctx, [s.title_id for s in pool], want=limit))
    items = [Scored(s.title_id, s.score, REASON_PEERS) for s in pool if s.title_id in keep][:limit]
    return Row("viewers_like_you", "Viewers like you", _items(items)) if items else None


def _trending(ctx: ranking.ProfileContext, limit: int) -> Row | None:
    scores = sources.popularity_scores(ctx.region_id)
    ordered = sorted(scores, key=lambda t: -scores[t])
    keep = ranking.first_available(ctx, ordered, want=limit)
    items = [Scored(t, scores[t], REASON_POPULAR) for t in keep]
    heading = "Trending in your region" if ctx.region_id else "Trending now"
    return Row("trending", heading, _items(items)) if items else None


def _new_for_you(ctx: ranking.ProfileContext, limit: int) -> Row | None:
    """The newest titles the profile may see, ordered by the model's score (titles newer than the model
    scored from their features). Their reasons say what matches, never "because you watched": the
    row proposes them for being new, not for being near something watched."""
    keep = ranking.newest_available(ctx, 100)
    scores = sources.model_scores(ctx, keep)
    ranking.load_genres(ctx, keep)
    interests = set(ranking.taste_genres(ctx, limit=5))
    ranked = sorted(keep, key=lambda t: (-scores.get(t, -np.inf), -len(ctx.genres[t] & interests)))[:limit]
    items = reranking.add_reasons(ctx, [Scored(t, scores.get(t, 0.0)) for t in ranked], REASON_NEW, because_titles=False)
    return Row("new_for_you", "New for you", _items(items)) if items else None


def _genre_rows(ctx: ranking.ProfileContext, pool: list[Scored], limit: int, shown: set[int]) -> list[Row]:
    rows = []
    ranking.load_genres(ctx, [s.title_id for s in pool])
    for slug in ranking.taste_genres(ctx, limit=2):
        name = ctx.genre_names.get(slug, slug)
        items = [
            Scored(s.title_id, s.score, f"Matches your interest in {name}")
            for s in pool
            if slug in ctx.genres.get(s.title_id, ()) and s.title_id not in shown
        ]
        if items:
            rows.append(Row(f"genre:{slug}", f"{name} for you", _items(items)))
    return rows


def at_most_twice(rows: list[Row], limit: int) -> list[Row]:
    """Each title in at most MAX_ROWS_PER_TITLE rows (the earlier rows keep it), each row cut to `limit`."""
    shown: dict[int, int] = {}
    kept = []
    for row in rows:
        items = [item for item in row.items if shown.get(item.title_id, 0) < MAX_ROWS_PER_TITLE][:limit]
        for item in items:
            shown[item.title_id] = shown.get(item.title_id, 0) + 1
        if items:
            kept.append(Row(row.key, row.heading, items))
    return kept


def rows_for(profile: Profile, *, limit: int = 12, only: set[str] | None = None) -> list[Row]:
    """The home rows for `profile`: Continue watching first, then rows from stored candidates (or
    onboarding picks for a new profile). Empty rows are left out; a title is in at most two rows.

    `only` restricts to some row keys (e.g. {"top_picks"}); genre rows answer to "genre".
    """
    ctx = ranking.load_context(profile)

    def wanted(key: str) -> bool:
        return only is None or key in only

    # Rows after the first fetch three times their length, so that the two-rows rule still leaves them full.
    more = 3 * limit
    rows: list[Row] = []
    if wanted("continue_watching") and (row := _continue_watching(ctx, limit)):
        rows.append(row)
    picks, pool = _top_picks(ctx, limit)
    if wanted("top_picks") and picks:
        rows.append(Row("top_picks", "Top picks for you", _items(picks)))
    if wanted("because_you_watched") and (row := _because_you_watched(ctx, more)):
        rows.append(row)
    if wanted("viewers_like_you") and (row := _viewers_like_you(ctx, more)):
        rows.append(row)
    if wanted("trending") and (row := _trending(ctx, more)):
        rows.append(row)
    if wanted("new_for_you") and (row := _new_for_you(ctx, more)):
        rows.append(row)
    if wanted("genre"):
        rows += _genre_rows(ctx, pool, more, {i.title_id for i in picks})
    return at_most_twice(rows, limit)


def similar_titles(title: Title, *, limit: int = 12, profile: Profile | None = None) -> list[RowItem]:
    """More like this: nearest titles in the active model's item space, else titles sharing genres and tags.

    With `profile`, only titles it may see (`Title.objects.visible_to`), still `limit` of them where the
    neighbourhood has enough; without, the whole catalogue (staff tools, batch jobs).
    """
    version = ranking.active_version()
    fetch = limit if profile is None else limit * 4
    neighbours = sources.model_neighbours(version, title.pk, fetch) or sources.content_neighbours(title.pk, fetch)
    if profile is not None:
        visible = set(
            Title.objects.visible_to(profile).filter(pk__in=[n.title_id for n in neighbours]).values_list("pk", flat=True)
        )
        neighbours = [n for n in neighbours if n.title_id in visible]
    return [RowItem(n.title_id, round(float(n.score), 6), f"Similar to {title.name}") for n in neighbours[:limit]]


def profile_embeddings(profile_ids: list[int]) -> dict[int, np.ndarray]:
    """{profile id: its LightFM user representation in the active model}, for the profiles the model was
    trained on (a profile created since the last training has none until the next). Empty without a model.

    Marketing's taste clusters run k-means over these; the vectors are the ones that score titles, so
    two profiles close here are offered the same titles.
    """
    emb = ranking.embeddings(ranking.active_version())
    if emb is None or not len(emb.user_ids):
        return {}
    row = {int(pk): i for i, pk in enumerate(emb.user_ids.tolist())}
    return {pk: emb.user_vectors[row[pk]].astype(np.float64) for pk in profile_ids if pk in row}


def profile_genre_scores(profile_ids: list[int]) -> dict[int, dict[str, float]]:
    """{profile id: {genre slug: score}}: each profile's user representation in the active model against each
    genre feature's embedding, i.e. how much the model thinks the profile likes that genre. Only profiles the
    model was trained on; empty without a model. Artwork's taste context reads it (the scores keep their
    meaning across model versions, unlike the raw embedding's coordinates)."""
    emb = ranking.embeddings(ranking.active_version())
    if emb is None or not len(emb.user_ids) or not len(emb.item_feature_names):
        return {}
    genres = [(i, name.removeprefix("genre:")) for i, name in enumerate(emb.item_feature_names)
              if name.startswith("genre:")]
    if not genres:
        return {}
    row = {int(pk): i for i, pk in enumerate(emb.user_ids.tolist())}
    vectors = emb.item_feature_vectors[[i for i, _ in genres]].astype(np.float64)
    out = {}
    for pk in profile_ids:
        if pk in row:
            scores = vectors @ emb.user_vectors[row[pk]].astype(np.float64)
            out[pk] = {slug: float(s) for (_, slug), s in zip(genres, scores, strict=True)}
    return out


def rows_version_key(profile_id: int) -> str:
    """Cache key of the version of a profile's rows; the storefront bumps it whenever the profile acts."""
    return f"storefront:rows-version:{profile_id}"  # the name predates this owner: kept so live caches stay valid


def cached_for_profile(profile_id: int, kind: str, compute, *, ttl: int) -> object:
    """`compute()` cached per profile until `ttl` or the profile's next rows change, in one cache read.

    The entry carries the version it was computed for, so the version and the entry are one
    `get_many`; a stale version counts as a miss.
    """
    from django.core.cache import cache

    version_key, key = rows_version_key(profile_id), f"{kind}:{profile_id}"
    found = cache.get_many([version_key, key]) if ttl else {}
    version = found.get(version_key, 0)
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = compute()
    if ttl:
        cache.set(key, (version, value), ttl)
    return value


def enqueue_training() -> str:
    """Queue a retraining now (the admin's button); returns the Celery task id."""
    return enqueue_on_commit("recommendations.tasks.train_recommender_task")


def metrics_history() -> list[dict]:
    """Per model version, oldest first: held-out time-split metrics of the hybrid and of each baseline."""
    return [
        {"version": v.version, "created_at": v.created_at, "is_active": v.is_active, "status": v.status,
         "metrics": v.metrics}
        for v in ModelVersion.objects.exclude(status=ModelVersion.Status.TRAINING).order_by("version")
    ]


@dataclass(frozen=True)
class ColdTitleScores:
    """A title the catalogue does not have, scored for every profile the active model was trained on."""

    profile_ids: np.ndarray  # Profile pk per row
    scores: np.ndarray  # the title's model score for each profile
    cutoffs: np.ndarray  # each profile's k-th best stored candidate score: "in its top k" is scores > cutoffs
    similar_ids: np.ndarray  # the catalogue titles nearest to it in the model's item space, nearest first
    similar_cosines: np.ndarray
    similar_scores: np.ndarray  # profiles x similar titles, on the same scale as `scores`


def score_cold_title(
    genre_slugs: list[str],
    tag_weights: dict[str, float],
    year: int | None,
    *,
    k: int = 50,
    similar: int = 5,
    exclude_title_id: int | None = None,
) -> ColdTitleScores | None:
    """Score a described title as a cold-start item: the active model's genre, tag and year embeddings only.

    No interaction is read: the vector is the weighted mean of the feature embeddings (as for a title
    added after training), `exclude_title_id` (forecasting a title that exists) is left out of the
    neighbours and of the candidates the cut-offs come from. None without a model or a known feature.
    """
    from .dataset import year_bucket

    version = ranking.active_version()
    emb = ranking.embeddings(version)
    features = {f"genre:{g}": 1.0 for g in genre_slugs} | {
        f"tag:{t}": min(1.0, w) for t, w in tag_weights.items()
    }
    if bucket := year_bucket(year):
        features[bucket] = 1.0
    cold = emb.cold_item(features) if emb is not None and len(emb.user_ids) else None
    if cold is None:
        return None
    vector, bias = cold
    unit = emb.item_vectors / np.maximum(np.linalg.norm(emb.item_vectors, axis=1, keepdims=True), 1e-9)
    cosines = unit @ (vector / max(float(np.linalg.norm(vector)), 1e-9))
    cosines[emb.item_ids == (exclude_title_id or -1)] = -np.inf
    nearest = np.argsort(-cosines)[:similar]
    stored = Candidate.objects.filter(model_version=version, source=Candidate.Source.MODEL, rank__lte=k)
    if exclude_title_id is not None:
        stored = stored.exclude(title_id=exclude_title_id)
    by_profile: dict[int, list[float]] = {}
    for profile_id, score in stored.values_list("profile_id", "score"):
        by_profile.setdefault(profile_id, []).append(score)
    # Fewer than k stored (a short candidate list): the lowest stored one; none stored: never in the top k.
    cutoffs = np.array(
        [
            sorted(by_profile[p], reverse=True)[:k][-1] if p in by_profile else np.inf
            for p in emb.user_ids.tolist()
        ]
    )
    return ColdTitleScores(
        profile_ids=emb.user_ids,
        scores=emb.user_vectors @ vector + bias,
        cutoffs=cutoffs,
        similar_ids=emb.item_ids[nearest],
        similar_cosines=cosines[nearest],
        similar_scores=emb.user_vectors @ emb.item_vectors[nearest].T + emb.item_bias[nearest],
    )
