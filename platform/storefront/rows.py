"""Home rows and "More like this" from the recommendations service, resolved to logged cards.

A profile's rows (which titles, why) are cached briefly: they only change when batch scoring
stores new candidates or when the profile itself acts, and every storefront view that records
an action calls `rows_changed(profile)`, so the next home page is fresh at once. Cards,
artwork and impressions are still resolved and logged on every request.
"""

import time

from django.conf import settings
from django.core.cache import cache

from accounts.models import Profile
from catalog.models import Title
from recommendations import services as recommendations

from .cards import CardRow, RowSpec, build_rows

ROW_LIMIT = 12


def _version_key(profile_id: int) -> str:
    return f"storefront:rows-version:{profile_id}"


def rows_changed(profile: Profile | int) -> None:
    """Forget the profile's cached rows (it watched, rated, saved or picked something)."""
    profile_id = profile.pk if isinstance(profile, Profile) else profile
    cache.set(_version_key(profile_id), time.time_ns(), None)


def row_specs(profile: Profile, *, limit: int = ROW_LIMIT) -> list[RowSpec]:
    """The profile's rows as (title, reason) lists: from the cache, else from stored candidates."""
    ttl = getattr(settings, "STOREFRONT_ROWS_CACHE_SECONDS", 120)
    version = cache.get(_version_key(profile.pk), 0)
    key = f"storefront:rows:{profile.pk}:{version}:{limit}"
    specs = cache.get(key) if ttl else None
    if specs is None:
        specs = [
            RowSpec(row.key, row.heading, [(item.title_id, item.reason) for item in row.items])
            for row in recommendations.rows_for(profile, limit=limit)
        ]
        if ttl:
            cache.set(key, specs, ttl)
    return specs


def home_rows(profile: Profile, *, limit: int = ROW_LIMIT) -> list[CardRow]:
    """The profile's personalized rows, read from stored candidates (no model runs here)."""
    return build_rows(profile, row_specs(profile, limit=limit))


def more_like_this(profile: Profile, title: Title, *, limit: int = ROW_LIMIT) -> CardRow | None:
    items = recommendations.similar_titles(title, limit=limit + 1)
    spec = RowSpec("more_like_this", "More like this", [(i.title_id, i.reason) for i in items if i.title_id != title.pk])
    rows = build_rows(profile, [spec])
    return rows[0] if rows else None
