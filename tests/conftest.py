"""Shared fixtures: real services (PostgreSQL, Redis, a Celery worker process) and small data builders."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from service_check import redis_reachable

REPO_ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI") == "true"
DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server", "django_db_reset_sequences"}


def pytest_collection_modifyitems(config, items):
    """The PostgreSQL leg re-runs only the tests that touch the database; the rest ran on SQLite."""
    if os.environ.get("MARQUEE_TEST_LEG") != "postgres":
        return
    keep, drop = [], []
    for item in items:
        uses_db = item.get_closest_marker("django_db") or DB_FIXTURES & set(getattr(item, "fixturenames", ()))
        (keep if uses_db else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests hash with MD5: PBKDF2's ~0.3 s per account made account-heavy fixtures cost seconds each.

    Production keeps Django's PBKDF2 default; no test is about the hash's strength.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test writes media into its own folder, never into var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MODEL_ARTIFACT_DIR = tmp_path / "models"
    settings.SEMANTIC_WARMUP = False  # no background MiniLM load in every test that makes a request
    return settings.MEDIA_ROOT


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason}, but CI=true requires it", pytrace=False)
    pytest.skip(reason)


@pytest.fixture
def requires_postgres(db):
    if connection.vendor != "postgresql":
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            _unavailable(f"no PostgreSQL at {url}")
        pytest.skip("needs PostgreSQL: runs in the PostgreSQL leg of `make test` (DATABASE_URL=postgres://...)")


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
    if not redis_reachable(url):
        _unavailable(f"no Redis at {url}")
    return url


def _use_broker(url: str, transport_options: dict | None = None) -> tuple[str, dict]:
    """Point this test process's Celery producer at `url`; returns the previous settings."""
    from marquee.celery import app

    previous = (app.conf.broker_url, dict(app.conf.broker_transport_options or {}))
    app.conf.broker_url = url
    app.conf.broker_transport_options = transport_options or {}
    app._pool = None
    app.amqp._producer_pool = None
    return previous


@pytest.fixture
def celery_worker_process(requires_postgres, transactional_db, redis_url, settings):
    """A real `celery worker` process on Redis, writing results into the test database."""
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "marquee.settings",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "MODEL_ARTIFACT_DIR": str(settings.MODEL_ARTIFACT_DIR),
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "platform")]),
    }
    log = REPO_ROOT / "var" / "test-worker.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("w") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "marquee", "worker", "--pool", "solo",
             "-Q", "default,ml,media", "--without-heartbeat", "--without-gossip", "--without-mingle",
             "--loglevel", "INFO", "--hostname", f"test-{os.getpid()}@%h"],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    producer = _use_broker(redis_url)
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"celery worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield worker
    finally:
        _use_broker(*producer)
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
