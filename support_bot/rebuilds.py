"""When the bot's engine is rebuilt: once per transaction that changed the knowledge base, and once on a fresh install."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction


def ensure_engine_scheduled() -> None:
    """Start a build when no index is active yet (fresh install)."""
    # One build, not one per question asked while it runs.
    if cache.add("support_bot:bootstrap-build", 1, timeout=600):
        schedule_rebuild()


def schedule_rebuild() -> None:
    """Rebuild the engine after the current transaction commits (no-op on the worker if nothing changed)."""
    from jobs import enqueue_on_commit

    from .tasks import rebuild_support_index

    # One rebuild per transaction, however many entries and questions it touched (an admin save with
    # inlines, an import). The marker is a pending on-commit callback, so a rollback forgets it too.
    connection = transaction.get_connection()
    marker = getattr(connection, "support_bot_rebuild_marker", None)
    if marker is not None and any(func is marker for _, func, _ in connection.run_on_commit):
        return

    def marker() -> None:
        connection.support_bot_rebuild_marker = None

    connection.support_bot_rebuild_marker = marker
    enqueue_on_commit(rebuild_support_index)
    transaction.on_commit(marker)
