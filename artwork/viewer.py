"""What artwork knows of the profile looking: its taste segment and taste vector (the bandits' context) and
its viewing session (what keeps a choice stable while the profile keeps coming back), all kept in the cache.
"""

import secrets
from collections import Counter

import numpy as np
from django.core.cache import cache

from accounts.models import Profile
from activity.models import ViewingEvent
from catalog.models import Title, TitleTag

from . import taste

SEGMENT_CACHE_SECONDS = 3600
SESSION_IDLE_SECONDS = 4 * 3600


def taste_segment(profile: Profile | None) -> str:
    """The profile's taste segment: its most-watched genre (from history), or "new"."""
    if profile is None:
        return "new"
    key = f"artwork:segment:{profile.pk}"
    segment = cache.get(key)
    if segment is None:
        genres = Counter(
            ViewingEvent.objects.filter(profile=profile, title__genres__isnull=False)
            .order_by("-started_at")
            .values_list("title__genres__name", flat=True)[:200]
        )
        segment = genres.most_common(1)[0][0] if genres else "new"
        cache.set(key, segment, SEGMENT_CACHE_SECONDS)
    return segment


HISTORY_VIEWS = 200  # the newest views a taste is read from


def _genre_scores(profile_ids: list[int]) -> dict[int, dict[str, float]]:
    # artwork -> recommendations is an allowed direction (ARCHITECTURE.md); imported here so the bandit
    # modules stay importable without the recommender's stack.
    from recommendations.services import profile_genre_scores

    return profile_genre_scores(profile_ids)


def _views():
    # The views a taste is read from: every view the profile has not removed from its history.
    return ViewingEvent.objects.filter(hidden_at__isnull=True)


def _title_facts(ids: set[int]) -> tuple[dict[int, list[str]], dict[int, list[tuple[str, float]]]]:
    """Genres and (tag, confidence) of these titles, in two queries."""
    genres: dict[int, list[str]] = {}
    for title_id, slug in Title.genres.through.objects.filter(title_id__in=ids).values_list("title_id", "genre__slug"):
        genres.setdefault(title_id, []).append(slug)
    tags: dict[int, list[tuple[str, float]]] = {}
    for title_id, slug, confidence in TitleTag.objects.filter(title_id__in=ids).values_list(
        "title_id", "tag__slug", "confidence"
    ):
        tags.setdefault(title_id, []).append((slug, confidence))
    return genres, tags


def _history(
    profile_id: int, scores: dict[str, float] | None
) -> tuple[list[tuple[int, float]], dict, dict, dict | None]:
    """A profile's newest views (title, completion), their titles' genres and tags (three queries), and the
    recommender's genre distribution from its `scores` (None without a model or for a profile it has not
    seen)."""
    views = list(
        _views().filter(profile_id=profile_id).order_by("-started_at").values_list("title_id", "completion")[
            :HISTORY_VIEWS
        ]
    )
    genres, tags = _title_facts({title_id for title_id, _ in views})
    return views, genres, tags, (taste.embedding_genres(scores) if scores else None)


LEARNER_CHUNK = 200  # profiles whose histories the learner reads in one set of three queries


def _histories(profile_ids: list[int], scores: dict[int, dict[str, float]]) -> dict[int, tuple]:
    """`_history` of many profiles, LEARNER_CHUNK at a time in three queries each (the learner's batch)."""
    out = {}
    for i in range(0, len(profile_ids), LEARNER_CHUNK):
        chunk = profile_ids[i : i + LEARNER_CHUNK]
        views: dict[int, list[tuple[int, float]]] = {pk: [] for pk in chunk}
        rows = (
            _views().filter(profile_id__in=chunk).order_by("profile_id", "-started_at")
            .values_list("profile_id", "title_id", "completion").iterator(chunk_size=5000)
        )
        for profile_id, title_id, completion in rows:
            if len(views[profile_id]) < HISTORY_VIEWS:
                views[profile_id].append((title_id, completion))
        genres, tags = _title_facts({t for history in views.values() for t, _ in history})
        for pk in chunk:
            found = scores.get(pk)
            out[pk] = (views[pk], genres, tags, taste.embedding_genres(found) if found else None)
    return out


def _vector(history, leave_out: int | None = None) -> tuple[float, ...]:
    views, genres, tags, embedding = history
    if leave_out is not None:
        views = [v for v in views if v[0] != leave_out]
    genre_views, tag_views = taste.history_weights(views, genres, tags)
    # Four decimals: each impression logs this vector (Impression.context, the Redis buffer); at full float
    # precision it is about 600 bytes of JSON per card, rounded about 200, and no policy can use the rest.
    return tuple(np.round(taste.taste_vector(genre_views, tag_views, embedding), 4).tolist())


def taste_vector(profile: Profile | None) -> tuple[float, ...]:
    """The profile's taste vector (`artwork.taste`): genre and tag affinities from its newest views, with the
    recommender's view of its genres counted in; the neutral vector for no profile or a new one."""
    if profile is None:
        return tuple(taste.NEUTRAL_TASTE)
    key = f"artwork:taste:{profile.pk}"
    found = cache.get(key)
    if found is None:
        found = _vector(_history(profile.pk, _genre_scores([profile.pk]).get(profile.pk)))
        cache.set(key, found, SEGMENT_CACHE_SECONDS)
    return found


def learning_contexts(
    profiles: dict[int, Profile], pairs: set[tuple[int, int]]
) -> dict[tuple[int, int], taste.Context]:
    """The context each logged (profile id, title id) is learned and evaluated with: the profile's taste as
    served, but without its views of that title. The play after the impression is the reward; counted in the
    context it would leak the reward into it (a played title's genres in the taste of exactly the rows
    that were played)."""
    wanted = sorted({p for p, _ in pairs} & set(profiles))
    scores = _genre_scores(wanted)  # one model load for the batch
    histories = _histories(wanted, scores)
    out = {}
    for profile_id, title_id in pairs:
        if profile_id in histories:
            out[profile_id, title_id] = taste.Context(
                taste_segment(profiles[profile_id]), _vector(histories[profile_id], leave_out=title_id)
            )
    return out


def impression_contexts(
    profiles: dict[int, Profile], rows: list[tuple[int, int, int, list | None]]
) -> dict[int, taste.Context]:
    """The context each logged impression (pk, profile id, title id, logged context) is learned and evaluated
    with: the taste vector logged at decision time when there is one, since a history rebuilt now can hold
    views made after the impression; otherwise (impressions logged before contexts were, or a vector of another
    layout) `learning_contexts`'s rebuilt one. Impressions of a profile that is gone are left out ("new")."""
    out: dict[int, taste.Context] = {}
    rebuild = []
    for pk, profile_id, title_id, logged in rows:
        if logged is not None and profile_id in profiles:
            try:
                out[pk] = taste.Context(taste_segment(profiles[profile_id]), logged)
                continue
            except (TypeError, ValueError):  # not a vector of today's TASTE_DIM numbers
                pass
        rebuild.append((pk, profile_id, title_id))
    if rebuild:
        rebuilt = learning_contexts(profiles, {(p, t) for _, p, t in rebuild})
        for pk, profile_id, title_id in rebuild:
            if (profile_id, title_id) in rebuilt:
                out[pk] = rebuilt[profile_id, title_id]
    return out


def taste_context(profile: Profile | None) -> taste.Context:
    """Everything the policies see of a profile: its segment and its taste vector (two cache reads)."""
    return taste.Context(taste_segment(profile), taste_vector(profile))


def session_key(profile: Profile | None) -> str:
    """A viewing session for stability: a token per profile that lives while the profile keeps coming back
    (each use extends it by SESSION_IDLE_SECONDS), so the choice never flips at a clock boundary such as
    midnight; a new token, and so possibly new images, only after that long away. The storefront may pass
    its own key instead."""
    if profile is None:
        return "0"
    key = f"artwork:session:{profile.pk}"
    token = cache.get(key)
    if token is None:
        token = secrets.token_hex(8)
        if not cache.add(key, token, SESSION_IDLE_SECONDS):  # another request started the session first
            token = cache.get(key, token)
    else:
        cache.touch(key, SESSION_IDLE_SECONDS)
    return f"{profile.pk}:{token}"
