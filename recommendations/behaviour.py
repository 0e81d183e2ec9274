"""Read profiles' behaviour and the catalogue's features out of the core apps into a `Dataset`."""

from __future__ import annotations

import numpy as np

from accounts.models import Profile
from activity.models import MyListEntry, Rating, SearchQuery, ViewingEvent
from catalog.models import Title, TitleTag

from .dataset import (
    MY_LIST,
    RATING,
    SEARCH,
    TAG_SOURCE_WEIGHT,
    THUMB,
    VIEW,
    Dataset,
    Events,
    FeatureBuilder,
    year_bucket,
)


def profile_feature_names(region_code: str | None, genre_slugs: list[str], title_ids: list[int]) -> list[str]:
    """User features: region and onboarding picks (shared by training and cold-start serving)."""
    names = [f"genre:{slug}" for slug in genre_slugs] + [f"title:{pk}" for pk in title_ids]
    if region_code:
        names.append(f"region:{region_code}")
    return names


def title_features(title_ids: list[int]) -> dict[int, dict[str, float]]:
    """The same item features training builds (genres, source-weighted tags, year bucket), for a few titles."""
    features: dict[int, dict[str, float]] = {t: {} for t in title_ids}
    for pk, year in Title.objects.filter(pk__in=title_ids).values_list("pk", "year"):
        if bucket := year_bucket(year):
            features[pk][bucket] = 1.0
    for title_id, slug in Title.genres.through.objects.filter(title_id__in=title_ids).values_list(
        "title_id", "genre__slug"
    ):
        features[title_id][f"genre:{slug}"] = 1.0
    for title_id, slug, source, confidence in TitleTag.objects.filter(title_id__in=title_ids).values_list(
        "title_id", "tag__slug", "source", "confidence"
    ):
        name = f"tag:{slug}"
        features[title_id][name] = min(1.0, features[title_id].get(name, 0.0) + TAG_SOURCE_WEIGHT.get(source, 0.5) * confidence)
    return features


def read_events(user_index: dict[int, int], item_index: dict[int, int], profile_ids: list[int] | None = None,
                *, chunk: int = 500) -> Events:
    """Every behaviour event of indexed profiles on indexed titles, or only of `profile_ids` (read in chunks)."""
    rows: list[tuple[int, int, int, float, float]] = []

    def add(profile_id: int, title_id: int | None, kind: int, value: float, when) -> None:
        if title_id in item_index and profile_id in user_index:
            rows.append((user_index[profile_id], item_index[title_id], kind, value, when.timestamp()))

    groups = [None] if profile_ids is None else [profile_ids[i : i + chunk] for i in range(0, len(profile_ids), chunk)]
    for group in groups:
        def of(queryset, group=group):
            return queryset if group is None else queryset.filter(profile_id__in=group)

        # Hidden views were removed from history by the viewer: learners must not use them.
        for p, t, completion, when in of(ViewingEvent.objects.filter(hidden_at__isnull=True)).values_list(
            "profile_id", "title_id", "completion", "started_at"
        ).iterator(chunk_size=5000):
            add(p, t, VIEW, completion, when)
        for p, t, stars, thumb, when in of(Rating.objects).values_list(
            "profile_id", "title_id", "stars", "thumb", "rated_at"
        ).iterator(chunk_size=5000):
            if stars is not None:
                add(p, t, RATING, stars, when)
            if thumb is not None:
                add(p, t, THUMB, thumb, when)
        for p, t, when in of(MyListEntry.objects).values_list("profile_id", "title_id", "added_at").iterator(
            chunk_size=5000
        ):
            add(p, t, MY_LIST, 1.0, when)
        for p, t, when in of(SearchQuery.objects.filter(opened_title__isnull=False)).values_list(
            "profile_id", "opened_title_id", "created_at"
        ).iterator(chunk_size=5000):
            add(p, t, SEARCH, 1.0, when)
    if not rows:
        return Events.empty()
    u, i, k, v, w = zip(*rows, strict=True)
    return Events(
        np.array(u, dtype=np.int32), np.array(i, dtype=np.int32), np.array(k, dtype=np.int8),
        np.array(v, dtype=np.float32), np.array(w, dtype=np.float64),
    )


def behaviour_since(moment) -> set[tuple[int, int]]:
    """(profile, title) pairs watched (or hidden from history), rated, listed or found by search after `moment`.

    Views count by when they were last written, so a view that went on from 20% to 100% counts.
    A removed list entry leaves no row to find: it reaches the model at the next full fit.
    """
    found: set[tuple[int, int]] = set()
    for queryset, title in (
        (ViewingEvent.objects.filter(updated_at__gt=moment), "title_id"),
        (Rating.objects.filter(rated_at__gt=moment), "title_id"),
        (MyListEntry.objects.filter(added_at__gt=moment), "title_id"),
        (SearchQuery.objects.filter(created_at__gt=moment, opened_title__isnull=False), "opened_title_id"),
    ):
        found.update(queryset.values_list("profile_id", title).iterator(chunk_size=5000))
    return found


def dataset_from_database() -> Dataset:
    profiles = list(Profile.objects.order_by("pk").values_list("pk", "account__region__code"))
    titles = list(Title.objects.order_by("pk").values_list("pk", "year", "name"))
    user_ids = np.array([pk for pk, _ in profiles], dtype=np.int64)
    item_ids = np.array([pk for pk, _, _ in titles], dtype=np.int64)
    user_index = {pk: i for i, pk in enumerate(user_ids.tolist())}
    item_index = {pk: i for i, pk in enumerate(item_ids.tolist())}
    events = read_events(user_index, item_index)

    items = FeatureBuilder(len(item_ids))
    for pk, year, _name in titles:
        items.add(item_index[pk], year_bucket(year))
    for title_id, slug in Title.genres.through.objects.values_list("title_id", "genre__slug").iterator(chunk_size=5000):
        items.add(item_index[title_id], f"genre:{slug}")
    for title_id, slug, source, confidence in TitleTag.objects.values_list(
        "title_id", "tag__slug", "source", "confidence"
    ).iterator(chunk_size=5000):
        items.add(item_index[title_id], f"tag:{slug}", TAG_SOURCE_WEIGHT.get(source, 0.5) * confidence)
    item_features, item_feature_names = items.build()

    genres: dict[int, list[str]] = {}
    for profile_id, slug in Profile.favourite_genres.through.objects.values_list("profile_id", "genre__slug"):
        genres.setdefault(profile_id, []).append(slug)
    favourites: dict[int, list[int]] = {}
    for profile_id, title_id in Profile.favourite_titles.through.objects.values_list("profile_id", "title_id"):
        favourites.setdefault(profile_id, []).append(title_id)
    users = FeatureBuilder(len(user_ids))
    for pk, region in profiles:
        for name in profile_feature_names(region, genres.get(pk, []), favourites.get(pk, [])):
            users.add(user_index[pk], name)
    user_features, user_feature_names = users.build()

    return Dataset(
        user_ids=user_ids,
        item_ids=item_ids,
        events=events,
        item_features=item_features,
        item_feature_names=item_feature_names,
        user_features=user_features,
        user_feature_names=user_feature_names,
        item_names=[name for _, _, name in titles],
    )
