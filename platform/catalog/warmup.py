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
from collections.abc import Callable

from django.conf import settings

logger = logging.getLogger(__name__)


class OncePerProcess:
    """Runs a load in a daemon thread at most once per process (a forked child runs its own); off with
    SEMANTIC_WARMUP. The one owner of that rule for every model warm-up (MiniLM here, the support engine)."""

    def __init__(self, thread_name: str) -> None:
        self.thread_name = thread_name
        self.started_in: int | None = None  # the pid that started it
        self._guard = threading.Lock()

    def start(self, load: Callable[[], None]) -> threading.Thread | None:
        """Start `load` in the background; None when switched off or already started in this process."""
        if not getattr(settings, "SEMANTIC_WARMUP", True):
            return None
        with self._guard:
            if self.started_in == os.getpid():
                return None
            self.started_in = os.getpid()
        thread = threading.Thread(target=load, name=self.thread_name, daemon=True)
        thread.start()
        return thread


minilm_warmup = OncePerProcess("minilm-warmup")


def warm_in_background(reason: str) -> threading.Thread | None:
    """Start loading MiniLM (and embed one string) in a daemon thread, once per process; None if skipped."""

    def warm() -> None:
        started = time.perf_counter()
        try:
            from .embeddings import embed_texts

            embed_texts(["warm-up"])
            logger.info("MiniLM warmed (%s) in %.1f s", reason, time.perf_counter() - started)
        except Exception:  # a missing model must not take the process down; the first search reports it
            logger.exception("MiniLM warm-up failed (%s)", reason)

    return minilm_warmup.start(warm)


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
