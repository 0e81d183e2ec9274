"""The one rate limiter: a sliding-window counter per identity, atomic on a shared cache.

Each window's count is one cache key raised with `add` + `incr` (atomic on Redis and on the
per-process memory cache; on the file cache, whose `incr` is a read then a write, under an exclusive
lock on a file beside the cache's files), so concurrent requests each see a distinct count and at most
`limit` pass. The previous window's count, weighted by how much of it still overlaps the sliding window,
closes the double burst a fixed window lets through at its edge. Refused requests give their
count back, so `retry_after` says when one more request fits.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # whole seconds until a request would pass (0 when allowed)


class RateLimit:
    """At most `limit` requests per identity in any `window_seconds`, shared by every process that
    shares the cache. `clock` is injectable so tests move time instead of racing it."""

    def __init__(self, scope: str, *, limit: int | Callable[[], int], window_seconds: float | Callable[[], float],
                 clock: Callable[[], float] = time.time) -> None:
        self.scope = scope
        self._limit = limit
        self._window = window_seconds
        self.clock = clock

    @property
    def limit(self) -> int:
        return int(self._limit() if callable(self._limit) else self._limit)

    @property
    def window_seconds(self) -> float:
        return float(self._window() if callable(self._window) else self._window)

    def _key(self, identity: str, window_index: int) -> str:
        digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
        return f"ratelimit:{self.scope}:{digest}:{window_index}"

    def hit(self, identity: str) -> Decision:
        """Count one request for `identity`; refused when it would exceed the limit."""
        with _counting_lock():
            return self._hit(identity)

    def _hit(self, identity: str) -> Decision:
        limit, window, now = self.limit, self.window_seconds, self.clock()
        index = int(now // window)
        elapsed = now - index * window
        key = self._key(identity, index)
        ttl = int(math.ceil(window * 2)) + 1  # the next window still reads this one
        cache.add(key, 0, timeout=ttl)
        try:
            current = cache.incr(key)
        except ValueError:  # expired between add and incr (clock far ahead): start again
            cache.add(key, 0, timeout=ttl)
            current = cache.incr(key)
        previous = cache.get(self._key(identity, index - 1), 0)
        overlap = 1.0 - elapsed / window
        if previous * overlap + current <= limit:
            return Decision(True, 0)
        try:
            cache.decr(key)  # a refused request does not count against the identity
        except ValueError:
            pass
        current -= 1
        if current + 1 > limit:
            # Nothing fits in this window; in the next one this window's count is the weighted one.
            wait = window - elapsed + window * max(0.0, 1.0 - (limit - 1) / current)
        elif previous == 0:
            wait = window - elapsed
        else:
            # Solve previous * (1 - e / window) + current + 1 <= limit for the elapsed time e.
            wait = window * (1.0 - (limit - current - 1) / previous) - elapsed
        return Decision(False, max(1, math.ceil(wait)))

    def take(self, identity: str) -> bool:
        return self.hit(identity).allowed


@contextlib.contextmanager
def _counting_lock() -> Iterator[None]:
    """Serialise counting across processes when the cache is a folder of files (`make run`'s web and
    worker share one); other backends are atomic already and take no lock."""
    folder = getattr(cache, "_dir", None)  # FileBasedCache's folder
    if folder is None:
        yield
        return
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "ratelimit.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def client_address(request) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "")
