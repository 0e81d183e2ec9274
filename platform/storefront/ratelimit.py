"""Cache-backed token buckets: refuse a burst of sign-in attempts per (address, email) and per address."""

import hashlib
import time

from django.core.cache import cache


class TokenBucket:
    """`capacity` attempts, refilled at one token every `refill_seconds`; shared by every web process
    that shares the cache (Redis in production)."""

    def __init__(self, scope: str, *, capacity: int, refill_seconds: float) -> None:
        self.scope = scope
        self.capacity = capacity
        self.refill_seconds = refill_seconds

    def _key(self, identity: str) -> str:
        digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
        return f"ratelimit:{self.scope}:{digest}"

    def take(self, identity: str) -> bool:
        """Spend one token for `identity`; False when the bucket is empty (refuse the request)."""
        key = self._key(identity)
        now = time.time()
        tokens, updated = cache.get(key, (float(self.capacity), now))
        tokens = min(self.capacity, tokens + (now - updated) / self.refill_seconds)
        if tokens < 1:
            cache.set(key, (tokens, now), int(self.refill_seconds * self.capacity) + 1)
            return False
        cache.set(key, (tokens - 1, now), int(self.refill_seconds * self.capacity) + 1)
        return True


LOGIN_PER_EMAIL = TokenBucket("login-email", capacity=5, refill_seconds=60)
LOGIN_PER_ADDRESS = TokenBucket("login-address", capacity=30, refill_seconds=10)
SIGNUP_PER_ADDRESS = TokenBucket("signup-address", capacity=5, refill_seconds=120)


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "")
