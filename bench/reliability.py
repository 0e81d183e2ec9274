"""Reliability checks of issue 11 that are counts, not speeds: SQLite under concurrent writers, refused uploads.

    python bench/reliability.py sqlite [--writers 4 --readers 4 --seconds 10]
    python bench/reliability.py uploads

`sqlite` runs writer and reader processes against one file database for a bounded time, twice side by
side: with the options Marquee had before issue 11 (a busy timeout only) and with today's
`marquee.database.database_settings` (IMMEDIATE transactions, WAL, busy timeout). Each writer repeats the
shape that failed under `make run`: read inside a transaction, then write. It prints commits, reads and
"database is locked" errors for each.

`uploads` puts a set of hostile and ordinary files through the upload check that the admin form runs
(`catalog.formats.check_media`, called by `MediaAsset.clean`) and prints which are refused and why.
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


def _upload_samples() -> list[tuple[str, bytes, str]]:
    """(file name, first bytes, declared kind): what an attacker or a careless editor might upload."""
    html = b"<!doctype html><script>alert(document.cookie)</script>"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    mp4 = b"\x00\x00\x00\x18ftypisom" + bytes(64)
    return [
        ("page.html", html, "image"), ("page.htm", html, "image"), ("page.xhtml", html, "image"),
        ("logo.svg", svg, "image"), ("logo.svgz", svg, "image"), ("logo.png", svg, "image"),
        ("poster.png.html", png, "image"), ("poster.png", html, "image"), ("script.js", b"alert(1)", "image"),
        ("shell.php", b"<?php system($_GET['c']);", "image"), ("doc.pdf", b"%PDF-1.7\n", "image"),
        ("bundle.zip", b"PK\x03\x04" + bytes(32), "image"), ("setup.exe", b"MZ" + bytes(64), "video"),
        ("poster.jpg", png, "image"), ("trailer.mp4", png, "video"), ("poster.png", mp4, "image"),
        ("poster", png, "image"), ("empty.png", b"", "image"),
        # accepted
        ("poster.png", png, "image"), ("poster.jpg", b"\xff\xd8\xff\xe0" + bytes(64), "image"),
        ("still.gif", b"GIF89a" + bytes(64), "image"), ("still.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image"),
        ("trailer.mp4", mp4, "video"), ("trailer.mkv", b"\x1a\x45\xdf\xa3" + bytes(64), "video"),
        ("trailer.avi", b"RIFF\x00\x00\x00\x00AVI LIST", "video"),
    ]


def uploads_command(args) -> None:
    from catalog.formats import UnsupportedMedia, check_media

    refused = 0
    samples = _upload_samples()
    print(f"{'file':<18} {'kind':<6} result")
    for name, head, kind in samples:
        try:
            result = f"accepted as {check_media(name, head, kind)}"
        except UnsupportedMedia as error:
            refused += 1
            result = "refused: " + str(error).split(": ", 1)[1].split(" (accepted:")[0]
        print(f"{name:<18} {kind:<6} {result}")
    print(f"{refused} of {len(samples)} refused, {len(samples) - refused} accepted")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    sqlite = commands.add_parser("sqlite", help="concurrent writers and readers on one SQLite file")
    sqlite.add_argument("--writers", type=int, default=4)
    sqlite.add_argument("--readers", type=int, default=4)
    sqlite.add_argument("--seconds", type=float, default=10.0)
    sqlite.set_defaults(run=sqlite_command)
    commands.add_parser("uploads", help="hostile and ordinary files through the upload check").set_defaults(
        run=uploads_command)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
