"""SQLite as `make run` uses it: a file shared by web, worker and beat must not answer "database is locked"."""

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import OperationalError, connections, transaction

from marquee.database import database_settings

ALIAS = "sqlite_file"


@pytest.fixture
def sqlite_file(tmp_path: Path, django_db_blocker) -> Iterator[str]:
    """A file SQLite database with Marquee's settings for a sqlite:/// URL, open to every thread."""
    config = database_settings(f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    filled = connections.configure_settings({"default": connections.settings["default"], ALIAS: config})
    connections.settings[ALIAS] = filled[ALIAS]
    with django_db_blocker.unblock():
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("CREATE TABLE event (id INTEGER PRIMARY KEY, writer TEXT, seen INTEGER)")
        connections[ALIAS].close()
        yield ALIAS
    connections[ALIAS].close()
    del connections[ALIAS]
    del connections.settings[ALIAS]


def _count_then_insert(alias: str, writer: str) -> None:
    """The shape that fails without IMMEDIATE: read inside a transaction, then write from what was read."""
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM event")
        seen = cursor.fetchone()[0]
        cursor.execute("INSERT INTO event (writer, seen) VALUES (%s, %s)", [writer, seen])


def _in_thread(alias: str, work, errors: list) -> threading.Thread:
    def run():
        try:
            work()
        except OperationalError as error:
            errors.append(str(error))
        finally:
            connections[alias].close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_sqlite_urls_get_immediate_transactions_wal_and_a_busy_timeout(tmp_path):
    options = database_settings(f"sqlite:///{tmp_path / 'x.sqlite3'}")["OPTIONS"]

    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


def test_postgres_urls_get_no_sqlite_options():
    assert "transaction_mode" not in database_settings("postgres://u@127.0.0.1:5432/m").get("OPTIONS", {})


def test_the_file_is_in_wal_mode(sqlite_file):
    with connections[sqlite_file].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    connections[sqlite_file].close()


def test_a_transaction_that_read_waits_for_a_concurrent_writer_instead_of_failing(sqlite_file):
    """A worker writes while a request sits between its read and its write (the "database is locked" race)."""
    errors: list[str] = []
    worker_started = threading.Event()

    def worker_writes():
        worker_started.set()
        _count_then_insert(sqlite_file, "worker")

    try:
        with transaction.atomic(using=sqlite_file), connections[sqlite_file].cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM event")
            worker = _in_thread(sqlite_file, worker_writes, errors)
            worker_started.wait()
            # Give the worker its chance to write in the middle of this transaction; how long it
            # takes does not change the outcome asserted below, only whether the race is provoked.
            worker.join(timeout=0.3)
            cursor.execute("INSERT INTO event (writer, seen) VALUES ('request', 0)")
    except OperationalError as error:
        errors.append(str(error))
    worker.join()
    connections[sqlite_file].close()

    assert errors == []
    with connections[sqlite_file].cursor() as cursor:
        cursor.execute("SELECT writer, seen FROM event ORDER BY id")
        # The worker's transaction began after the request's committed, so it saw the request's row.
        assert cursor.fetchall() == [("request", 0), ("worker", 1)]
    connections[sqlite_file].close()


def test_concurrent_writers_and_readers_see_no_lock_errors(sqlite_file):
    writers, readers, transactions = 3, 2, 25
    errors: list[str] = []

    def write(name: str):
        for _ in range(transactions):
            _count_then_insert(sqlite_file, name)

    def read():
        for _ in range(transactions):
            with connections[sqlite_file].cursor() as cursor:
                cursor.execute("SELECT writer, COUNT(*) FROM event GROUP BY writer")
                cursor.fetchall()

    threads = [_in_thread(sqlite_file, lambda n=f"w{i}": write(n), errors) for i in range(writers)]
    threads += [_in_thread(sqlite_file, read, errors) for _ in range(readers)]
    for thread in threads:
        thread.join()

    assert errors == []
    with connections[sqlite_file].cursor() as cursor:
        cursor.execute("SELECT COUNT(*), COUNT(DISTINCT seen) FROM event")
        # Every transaction committed, and each saw all the ones before it: the counts are 0..n-1.
        assert cursor.fetchone() == (writers * transactions, writers * transactions)
    connections[sqlite_file].close()
