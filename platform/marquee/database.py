"""The DATABASES entry for a database URL, with the SQLite options that let web, worker and beat share one file."""

import dj_database_url

# How long a connection waits for SQLite's write lock before "database is locked".
SQLITE_BUSY_TIMEOUT_SECONDS = 20


def database_settings(url: str, conn_max_age: int = 0) -> dict:
    """Django's settings for one database; SQLite gets immediate transactions, WAL and a busy timeout."""
    config = dj_database_url.parse(url, conn_max_age=conn_max_age)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer. IMMEDIATE takes the write lock at BEGIN, so a
        # transaction that reads and then writes waits its turn (the busy timeout applies) instead of
        # failing at once with "database is locked" when another connection wrote since it read.
        config.setdefault("OPTIONS", {}).update({
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            # synchronous=NORMAL is WAL's recommended level: never corrupt, at worst the last commits
            # are lost on a power cut, and no fsync on every commit.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        })
    return config
