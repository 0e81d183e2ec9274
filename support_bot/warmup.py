"""Support engine warm-up: load the active engine and its fine-tuned MiniLM in the background when a web
process takes its first request, so the first support question does not pay for the load.

catalog.warmup loads the frozen MiniLM, which a fine-tuned engine does not use: it embeds with its own copy
of the model (support_bot.finetune), loaded with the engine artefact on the first `index.active_engine()`.
A question that arrives while the load runs waits on the same locks instead of loading twice. Worker
processes are not warmed: they build engines, they do not answer questions. Off with SEMANTIC_WARMUP.
"""

from __future__ import annotations

import logging
import threading
import time

from catalog.warmup import OncePerProcess

logger = logging.getLogger(__name__)
engine_warmup = OncePerProcess("support-engine-warmup")


def warm_engine(reason: str) -> bool:
    """Load the active engine and answer one question with it; False when no engine is active."""
    from . import index

    started = time.perf_counter()
    _, engine = index.active_engine()
    if engine is None:
        return False
    engine.predict("warm-up")  # loads the encoder the engine embeds with (int8, fine-tuned layers)
    logger.info("support engine warmed (%s) in %.1f s", reason, time.perf_counter() - started)
    return True


def warm_in_background(reason: str) -> threading.Thread | None:
    """Start `warm_engine` in a daemon thread, once per process; None if skipped."""

    def warm() -> None:
        from django.db import connections

        try:
            warm_engine(reason)
        except Exception:  # a missing artefact must not take the process down; the first question reports it
            logger.exception("support engine warm-up failed (%s)", reason)
        finally:
            connections.close_all()  # this thread's own connections; request threads keep theirs

    return engine_warmup.start(warm)


def _on_first_request(sender=None, **kwargs) -> None:
    warm_in_background("first request")


def connect() -> None:
    from django.core.signals import request_started

    request_started.connect(_on_first_request, dispatch_uid="support_bot.warmup.first_request")
