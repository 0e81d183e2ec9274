"""What artwork knows of the profile looking: its taste segment (the bandit's context) and its viewing
session (what keeps a choice stable while the profile keeps coming back), both kept in the cache.
"""

import secrets
from collections import Counter

from django.core.cache import cache

from accounts.models import Profile
from activity.models import ViewingEvent

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
