"""Reliability checks of issue 11 that are counts, not speeds: SQLite under concurrent writers, refused uploads.

    python bench/reliability.py sqlite [--writers 4 --readers 4 --seconds 10]
    python bench/reliability.py uploads

`sqlite` runs writer and reader processes against one file database for a bounded time, twice side by
side: with the options Marquee had before issue 11 (a busy timeout only) and with today's
`marquee.database.database_settings` (IMMEDIATE transactions, WAL, busy timeout). Each writer repeats the
shape that failed under `make run`: read inside a transaction, then write. It prints commits, reads and
"database is locked" errors for each.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "platform")]


def _before_issue_11(path: Path) -> dict:
    """The SQLite settings on main before issue 11: a 20 s busy timeout, deferred transactions, rollback journal."""
    import dj_database_url

    config = dj_database_url.parse(f"sqlite:///{path}")
    config["OPTIONS"] = {"timeout": 20}
    return config


def _marquee(path: Path) -> dict:
    from marquee.database import database_settings

    return database_settings(f"sqlite:///{path}")


CONFIGS = {"before issue 11": _before_issue_11, "marquee": _marquee}


def _client(role: str, config: dict, deadline: float, results) -> None:
    """One process: a writer (read, then write, in one transaction) or a reader (autocommit SELECTs)."""
    import django
    from django.conf import settings

    settings.configure(DATABASES={"default": config}, USE_TZ=True)
    django.setup()
    from django.db import OperationalError, connection, transaction

    done = locked = other = 0
    while time.time() < deadline:
        try:
            if role == "writer":
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SELECT COUNT(*) FROM event")
                    seen = cursor.fetchone()[0]
                    cursor.execute("INSERT INTO event (seen) VALUES (%s)", [seen])
            else:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT COUNT(*), MAX(seen) FROM event")
                    cursor.fetchone()
            done += 1
        except OperationalError as error:
            if "locked" in str(error):
                locked += 1
            else:
                other += 1
    connection.close()
    results.put((role, done, locked, other))


def run_sqlite(name: str, folder: Path, writers: int, readers: int, seconds: float) -> dict:
    import sqlite3

    path = folder / f"{name.replace(' ', '-')}.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE event (id INTEGER PRIMARY KEY, seen INTEGER)")
    config = CONFIGS[name](path)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    # Every process starts its clock after the others have had time to import Django.
    deadline = time.time() + 3 + seconds
    processes = [context.Process(target=_client, args=("writer", config, deadline, results)) for _ in range(writers)]
    processes += [context.Process(target=_client, args=("reader", config, deadline, results)) for _ in range(readers)]
    for process in processes:
        process.start()
    totals = {"commits": 0, "reads": 0, "locked": 0, "other errors": 0}
    for _ in processes:
        role, done, locked, other = results.get()
        totals["commits" if role == "writer" else "reads"] += done
        totals["locked"] += locked
        totals["other errors"] += other
    for process in processes:
        process.join()
    with sqlite3.connect(path) as db:
        totals["rows"] = db.execute("SELECT COUNT(*) FROM event").fetchone()[0]
    return totals


def sqlite_command(args) -> None:
    with tempfile.TemporaryDirectory() as folder:
        rows = {name: run_sqlite(name, Path(folder), args.writers, args.readers, args.seconds) for name in CONFIGS}
    print(f"{args.writers} writer and {args.readers} reader processes, {args.seconds:g} s each run")
    print(f"{'settings':<16} {'commits':>8} {'reads':>8} {'locked errors':>14} {'other errors':>13} {'rows':>6}")
    for name, row in rows.items():
        print(f"{name:<16} {row['commits']:>8} {row['reads']:>8} {row['locked']:>14} {row['other errors']:>13} "
              f"{row['rows']:>6}")
    before, after = rows["before issue 11"], rows["marquee"]
    if before["commits"]:
        print(f"commits, marquee / before: {after['commits'] / before['commits']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    sqlite = commands.add_parser("sqlite", help="concurrent writers and readers on one SQLite file")
    sqlite.add_argument("--writers", type=int, default=4)
    sqlite.add_argument("--readers", type=int, default=4)
    sqlite.add_argument("--seconds", type=float, default=10.0)
    sqlite.set_defaults(run=sqlite_command)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
