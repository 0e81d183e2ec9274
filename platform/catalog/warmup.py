"""MiniLM warm-up: load the model in the background once a process starts serving, not on the first search.

Importing the web app never imports torch (a test pins it): the load starts only when this process takes
its first request (so after a pre-fork server forked, once per child), or when a Celery worker process
starts (`worker_process_init`), in a daemon thread. A search that arrives while the load is running waits
on the same `lru_cache`d loader instead of starting a second load.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from django.conf import settings

logger = logging.getLogger(__name__)
_started_in: int | None = None  # the pid that started a warm-up (a forked child starts its own)
_guard = threading.Lock()


def warm_in_background(reason: str) -> threading.Thread | None:
    """Start loading MiniLM (and embed one string) in a daemon thread, once per process; None if skipped."""
    global _started_in
    if not getattr(settings, "SEMANTIC_WARMUP", True):
        return None
    with _guard:
        if _started_in == os.getpid():
            return None
        _started_in = os.getpid()

    def warm() -> None:
        started = time.perf_counter()
        try:
            from .embeddings import embed_texts

            embed_texts(["warm-up"])
            logger.info("MiniLM warmed (%s) in %.1f s", reason, time.perf_counter() - started)
        except Exception:  # a missing model must not take the process down; the first search reports it
            logger.exception("MiniLM warm-up failed (%s)", reason)

    thread = threading.Thread(target=warm, name="minilm-warmup", daemon=True)
    thread.start()
    return thread


def _on_first_request(sender=None, **kwargs) -> None:
    warm_in_background("first request")


def _on_worker_process_init(sender=None, **kwargs) -> None:
    warm_in_background("worker start")


def connect() -> None:
    """Hook the warm-up to the web's first request and to each Celery worker process's start."""
    from celery.signals import worker_process_init
    from django.core.signals import request_started

    request_started.connect(_on_first_request, dispatch_uid="catalog.warmup.first_request")
    worker_process_init.connect(_on_worker_process_init, dispatch_uid="catalog.warmup.worker", weak=False)
