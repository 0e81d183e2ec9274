"""Hold a job lock as another process would (PostgreSQL advisory locks are per connection, so re-entrant)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from jobs import exclusive_job


@contextmanager
def lock_held_elsewhere(name: str) -> Iterator[None]:
    if connection.vendor != "postgresql":
        with exclusive_job(name):
            yield
        return
    import psycopg

    from jobs.locks import _advisory_key

    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                         password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [_advisory_key(name)])
        try:
            yield
        finally:  # released now, not whenever the server notices the closed connection
            other.execute("SELECT pg_advisory_unlock(%s)", [_advisory_key(name)])
