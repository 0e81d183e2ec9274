"""Home rows and "More like this" from the recommendations service, resolved to logged cards.

A profile's home rows (titles, reasons, artwork) are cached briefly, and the home view caches
its whole page the same way (views/browse.py): they only change when batch scoring stores new
candidates or when the profile itself acts, and every storefront view that records an action (and
every profile save) calls `rows_changed(profile)`, so the next home page is fresh at once. The
impressions are still logged on every request.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from accounts.models import Profile
from activity.impressions import encode_cards, log_impressions
from catalog.models import Title
from recommendations import services as recommendations

from .cards import Card, CardRow, RowSpec, build_rows, resolve_rows, shown_cards

ROW_LIMIT = 12
T = TypeVar("T")


def _version_key(profile_id: int) -> str:
    # One version per profile, owned by recommendations: its rows API caches against it too.
    return recommendations.rows_version_key(profile_id)


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


def cached_for_profile(profile: Profile, kind: str, compute: Callable[[], T], *, limit: int = ROW_LIMIT) -> T:
    """`compute()` cached per profile until its TTL or the profile's next `rows_changed`, in one cache read
    (the versioned cache is the recommendations app's, shared with the rows API)."""
    ttl = getattr(settings, "STOREFRONT_ROWS_CACHE_SECONDS", 120)
    return recommendations.cached_for_profile(profile.pk, f"storefront:{kind}:{limit}", compute, ttl=ttl)


def _resolved(profile: Profile, limit: int) -> tuple[list[CardRow], str]:
    rows = resolve_rows(profile, row_specs(profile, limit=limit))
    return rows, encode_cards(shown_cards(rows))


def home_rows(profile: Profile, *, limit: int = ROW_LIMIT) -> list[CardRow]:
    """The profile's personalized rows as cards (for the JSON API), cached; logs them as shown."""
    rows, shown = cached_for_profile(profile, "rows", lambda: _resolved(profile, limit), limit=limit)
    log_impressions(profile.pk, shown)
    return rows


@dataclass(frozen=True)
class HomeRowsHtml:
    html: SafeString
    empty: bool


# The home page swaps this for each response's own CSRF token (its markup is cached without one).
CSRF_PLACEHOLDER = "__marquee_csrf_token__"


def _hero(rows: list[CardRow]) -> Card | None:
    """The top pick for the banner: the first card of the first row that is not Continue Watching
    (those cards already passed the visibility rule when the rows were built)."""
    for row in rows:
        if row.key != "continue_watching" and row.cards:
            return row.cards[0]
    return None


def home_rows_markup(profile: Profile, *, limit: int = ROW_LIMIT) -> tuple[HomeRowsHtml, str]:
    """The home page's rows rendered from the cached cards, and the encoded cards to log when they are shown."""
    rows, shown = cached_for_profile(profile, "rows", lambda: _resolved(profile, limit), limit=limit)
    hero = _hero(rows)
    context = {"rows": rows, "hero": hero, "csrf_token": CSRF_PLACEHOLDER}
    if hero is not None:
        from activity.models import MyListEntry

        context["hero_on_list"] = MyListEntry.objects.filter(profile=profile, title_id=hero.title.pk).exists()
    html = render_to_string("storefront/_home_rows.html", context)
    return HomeRowsHtml(mark_safe(html), shown == "[]"), shown  # noqa: S308 (our own template's output)


def more_like_this(profile: Profile, title: Title, *, limit: int = ROW_LIMIT) -> CardRow | None:
    items = recommendations.similar_titles(title, limit=limit + 1, profile=profile)
    spec = RowSpec("more_like_this", "More like this", [(i.title_id, i.reason) for i in items if i.title_id != title.pk])
    rows = build_rows(profile, [spec])
    return rows[0] if rows else None
