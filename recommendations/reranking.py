"""Request-time re-ranking of a row's candidates: MMR diversity, bounded exploration, and true reasons."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
from django.db.models import Max

from catalog.models import Title

from .prepared import fetch_prepared
from .ranking import (
    ANCHORED_GENERATORS,
    GENERATOR_REASONS,
    REASON_EXPLORE,
    ProfileContext,
    Scored,
    _names_of,
    _neighbours_among,
    item_popularity,
    load_genres,
    setting,
    taste_genres,
)


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
    """The reason of the generator that proposed a two-stage pick; else because you watched/liked/picked X
    (nearest such title), else a matching interest, else the row's default.

    An item-kNN or EASE^R pick names its anchor only while the profile still likes it (a hidden viewing
    drops it from `anchor_verbs`); otherwise it falls through to the reasons below, like a hybrid pick.
    `because_titles=False` leaves the nearest-title reason out (a row whose titles were not proposed by what
    the profile watched).
    """
    if not items:
        return items
    anchored = {
        i.title_id: i.anchor_id
        for i in items
        if not i.reason and i.generator in ANCHORED_GENERATORS and i.anchor_id in ctx.anchor_verbs and because_titles
    }
    liked = ctx.liked_recent[:30] + [t for t in ctx.favourite_titles if t not in ctx.liked_recent[:30]]
    because: dict[int, tuple[float, int]] = {}
    if ctx.version is not None and liked and because_titles:
        for title_id, neighbour_id, sim in fetch_prepared(
            _neighbours_among, ctx.version.pk, liked, [i.title_id for i in items]
        ):
            if neighbour_id not in because or sim > because[neighbour_id][0]:
                because[neighbour_id] = (sim, title_id)
    wanted = {t for _, t in because.values()} | set(anchored.values())
    names = dict(fetch_prepared(_names_of, list(wanted))) if wanted else {}
    load_genres(ctx, [i.title_id for i in items] + ctx.liked_recent[:50])  # one query for both
    interests = taste_genres(ctx, limit=5)
    for item in items:
        if item.reason:
            continue
        if item.title_id in anchored:
            item.reason = because_of(ctx, anchored[item.title_id], names[anchored[item.title_id]])
            continue
        if item.generator in GENERATOR_REASONS:
            item.reason = GENERATOR_REASONS[item.generator]
            continue
        if item.title_id in because:
            anchor = because[item.title_id][1]
            item.reason = because_of(ctx, anchor, names[anchor])
            continue
        shared = [slug for slug in interests if slug in ctx.genres.get(item.title_id, ())]
        item.reason = f"Matches your interest in {ctx.genre_names.get(shared[0], shared[0])}" if shared else default
    return items
