"""The one rate limiter: atomic under concurrency, no double burst at a window edge, Retry-After on 429s.

Time is an injected clock everywhere: no test sleeps or depends on when it runs.
"""

import os
import threading
import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse

from accounts.ratelimit import RateLimit
from factories import make_account

WINDOW_START = 1_000_000 * 60.0  # a window boundary


class FakeClock:
    def __init__(self, now: float = WINDOW_START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def _fresh_cache():
    caches["default"].clear()
    yield
    caches["default"].clear()


def hammer(limiter: RateLimit, identity: str, threads: int) -> int:
    """`threads` requests at once for one identity; how many were let through."""
    start = threading.Barrier(threads)
    allowed = []

    def attempt() -> None:
        start.wait()
        allowed.append(limiter.take(identity))

    workers = [threading.Thread(target=attempt) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(allowed)


def test_concurrent_bad_logins_never_exceed_the_bucket_on_the_shared_memory_cache():
    limiter = RateLimit(f"test-{uuid.uuid4()}", limit=5, window_seconds=60, clock=FakeClock(WINDOW_START + 10))
    for _ in range(20):  # twenty bursts of 12, each for a fresh e-mail
        assert hammer(limiter, f"{uuid.uuid4()}@example.test", threads=12) == 5


# One request in its own interpreter (not a fork: forking the suite's process, with its threads and loaded
# libraries, can deadlock the child): the limiter on a file cache, released when the parent creates `go`.
_ONE_ATTEMPT = """
import os, sys, time
from pathlib import Path
from django.conf import settings
folder, scope, identity, now, ready, go = sys.argv[1:]
settings.configure(CACHES={"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                                       "LOCATION": folder}})
from accounts.ratelimit import RateLimit
limiter = RateLimit(scope, limit=5, window_seconds=60, clock=lambda: float(now))
Path(ready).touch()
while not os.path.exists(go):
    time.sleep(0.002)
print(int(limiter.take(identity)))
"""


def test_concurrent_processes_never_exceed_the_bucket_on_the_file_cache(tmp_path):
    """`make run`'s web and worker share a file cache, whose incr alone is a read then a write."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    platform_dir = Path(__file__).resolve().parents[1] / "platform"
    env = {**os.environ, "PYTHONPATH": str(platform_dir)}
    for burst in range(3):  # three bursts of 12 processes, each for a fresh e-mail
        ready, go = tmp_path / f"ready-{burst}", tmp_path / f"go-{burst}"
        ready.mkdir()
        scope, identity = f"test-{uuid.uuid4()}", f"{uuid.uuid4()}@example.test"
        workers = [
            subprocess.Popen([sys.executable, "-c", _ONE_ATTEMPT, str(tmp_path / "cache"), scope, identity,
                              str(WINDOW_START + 10), str(ready / str(i)), str(go)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
            for i in range(12)
        ]
        deadline = time.monotonic() + 120  # a bound on a hang, not a timing the result depends on
        while len(list(ready.iterdir())) < 12 and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()
        answers = [worker.communicate(timeout=120) for worker in workers]
        assert all(worker.returncode == 0 for worker in workers), [err for _, err in answers]
        assert sum(int(out) for out, _ in answers) == 5


@pytest.mark.redis
def test_concurrent_bad_logins_never_exceed_the_bucket_on_redis(redis_url):
    cache_settings = {"default": {"BACKEND": "marquee.cache.RedisCache", "LOCATION": redis_url}}
    with override_settings(CACHES=cache_settings):
        caches._settings = None  # rebuild the handler's backends from the overridden settings
        try:
            limiter = RateLimit(f"test-{uuid.uuid4()}", limit=5, window_seconds=60, clock=FakeClock(WINDOW_START + 10))
            for _ in range(5):
                assert hammer(limiter, f"{uuid.uuid4()}@example.test", threads=12) == 5
        finally:
            caches["default"].close()
    caches._settings = None


def test_a_burst_at_the_end_of_a_window_does_not_earn_a_second_burst_at_the_start_of_the_next():
    clock = FakeClock(WINDOW_START + 59)
    limiter = RateLimit("edge", limit=5, window_seconds=60, clock=clock)
    assert [limiter.take("a") for _ in range(6)] == [True] * 5 + [False]

    clock.now = WINDOW_START + 61  # the fixed-window limiter let five more through here
    assert limiter.take("a") is False

    clock.now = WINDOW_START + 60 + 48  # 48 s in: the old window weighs 5 * 0.2 = 1, so four fit
    assert [limiter.take("a") for _ in range(5)] == [True] * 4 + [False]


def test_refusals_say_when_to_retry_and_the_next_request_then_passes():
    clock = FakeClock(WINDOW_START + 30)
    limiter = RateLimit("retry", limit=2, window_seconds=60, clock=clock)
    assert limiter.take("a") and limiter.take("a")

    refused = limiter.hit("a")
    assert refused.allowed is False and refused.retry_after >= 1

    clock.now += refused.retry_after - 1
    assert limiter.take("a") is False
    clock.now += 1
    assert limiter.take("a") is True


def test_refused_requests_do_not_extend_the_lockout():
    clock = FakeClock(WINDOW_START)
    limiter = RateLimit("lockout", limit=1, window_seconds=60, clock=clock)
    assert limiter.take("a")
    first = limiter.hit("a").retry_after
    for _ in range(50):
        limiter.take("a")
    assert limiter.hit("a").retry_after == first


@pytest.mark.django_db
def test_sign_in_429_carries_retry_after(client, monkeypatch):
    from storefront import ratelimit

    monkeypatch.setattr(ratelimit.LOGIN_PER_EMAIL, "clock", FakeClock(WINDOW_START + 5))
    monkeypatch.setattr(ratelimit.LOGIN_PER_ADDRESS, "clock", FakeClock(WINDOW_START + 5))
    make_account("target@example.test")
    url = reverse("storefront:login")
    for _ in range(5):
        client.post(url, {"username": "target@example.test", "password": "wrong"})

    refused = client.post(url, {"username": "target@example.test", "password": "wrong"})

    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1


@pytest.mark.django_db
def test_sign_up_429_carries_retry_after(client, monkeypatch):
    from storefront import ratelimit

    monkeypatch.setattr(ratelimit.SIGNUP_PER_ADDRESS, "clock", FakeClock(WINDOW_START + 5))
    for _ in range(5):
        client.post(reverse("storefront:signup"), {"email": "x"})
    refused = client.post(reverse("storefront:signup"), {"email": "x"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
