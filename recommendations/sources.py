"""Candidate sources at request time: stored candidates, the active model's scores (cold start
included), regional popularity and neighbour titles. Each returns scored titles; filtering and
re-ranking are the caller's (`ranking.available`, `reranking`)."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
from django.core.cache import cache
from django.db.models import Max

from activity.models import MyListEntry, Rating, ViewingEvent
from activity.opinions import disliked_ratings
from catalog.models import Title

from .behaviour import profile_feature_names, title_features
from .hybrid import Embeddings
from .models import ItemNeighbour, ModelVersion
from .prepared import fetch_prepared
from .ranking import ProfileContext, Scored, _candidates_of, embeddings, setting


def stored_candidates(ctx: ProfileContext, source: str) -> list[Scored]:
    if ctx.version is None:
        return []
    rows = fetch_prepared(_candidates_of, ctx.profile.pk, ctx.version.pk, str(source))
    return [Scored(t, s, generator=g, anchor_id=a) for t, s, g, a in rows]


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
