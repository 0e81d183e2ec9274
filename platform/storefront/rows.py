"""Home rows and "More like this" from the recommendations service, resolved to logged cards.

A profile's home rows (titles, reasons, artwork) are cached briefly, and the page caches their
rendered HTML under the same key: they only change when batch scoring stores new candidates or
when the profile itself acts, and every storefront view that records an action calls
`rows_changed(profile)`, so the next home page is fresh at once. The impressions are still
logged on every request.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from accounts.models import Profile
from activity.impressions import log_impressions
from catalog.models import Title
from recommendations import services as recommendations

from .cards import CardRow, RowSpec, build_rows, resolve_rows, shown_cards

ROW_LIMIT = 12


def _version_key(profile_id: int) -> str:
    return f"storefront:rows-version:{profile_id}"


def rows_changed(profile: Profile | int) -> None:
    """Forget the profile's cached rows (it watched, rated, saved or picked something)."""
    profile_id = profile.pk if isinstance(profile, Profile) else profile
    cache.set(_version_key(profile_id), time.time_ns(), None)


def row_specs(profile: Profile, *, limit: int = ROW_LIMIT) -> list[RowSpec]:
    """The profile's rows as (title, reason) lists, ranked from stored candidates (no model runs here)."""
    return [
        RowSpec(row.key, row.heading, [(item.title_id, item.reason) for item in row.items])
        for row in recommendations.rows_for(profile, limit=limit)
    ]


@dataclass
class HomeRows:
    rows: list[CardRow]
    cache_key: str  # also keys the page's cached HTML of these rows
    cache_seconds: int


def home_rows(profile: Profile, *, limit: int = ROW_LIMIT) -> HomeRows:
    """The profile's personalized rows as cards, from the cache or stored candidates; logs them as shown."""
    ttl = getattr(settings, "STOREFRONT_ROWS_CACHE_SECONDS", 120)
    version = cache.get(_version_key(profile.pk), 0)
    key = f"storefront:home:{profile.pk}:{version}:{limit}"
    cached = cache.get(key) if ttl else None
    if cached is None:
        rows = resolve_rows(profile, row_specs(profile, limit=limit))
        cached = (rows, shown_cards(rows))
        if ttl:
            cache.set(key, cached, ttl)
    rows, shown = cached
    log_impressions(profile.pk, shown)
    return HomeRows(rows, key, ttl)


def more_like_this(profile: Profile, title: Title, *, limit: int = ROW_LIMIT) -> CardRow | None:
    items = recommendations.similar_titles(title, limit=limit + 1)
    spec = RowSpec("more_like_this", "More like this", [(i.title_id, i.reason) for i in items if i.title_id != title.pk])
    rows = build_rows(profile, [spec])
    return rows[0] if rows else None
