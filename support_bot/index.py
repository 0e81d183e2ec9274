"""Versioned engine artefacts: build from the knowledge base, swap in atomically, load once per process.

Each build writes `engine-v<N>.joblib` under MODEL_ARTIFACT_DIR/support_bot (temp file + rename), then flips
the single `is_active` row in one transaction; the previous versions' files stay for rollback. A process
keeps the loaded engine and reloads only when the active version number changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import joblib
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from jobs import Progress, exclusive_job

# The engine pulls in scikit-learn and scipy: import it only when building or using one, so every
# Django process (web, worker, manage.py) does not pay for it at start-up.
if TYPE_CHECKING:
    from .engine import EngineConfig, SupportEngine
from .models import EngineIndex, FaqQuestion

KEEP_VERSIONS = 3
_lock = threading.Lock()
_loaded: tuple[int, SupportEngine] | None = None
_override: SupportEngine | None = None


def artifact_dir() -> Path:
    return Path(settings.MODEL_ARTIFACT_DIR) / "support_bot"


def engine_config() -> EngineConfig:
    from .engine import EngineConfig
    from .finetune import FinetuneConfig

    return EngineConfig(
        target_frr=settings.SUPPORT_BOT_TARGET_FRR, clarify_margin=settings.SUPPORT_BOT_CLARIFY_MARGIN,
        int8_embeddings=settings.SUPPORT_BOT_INT8_EMBEDDINGS,
        target_oos_recall=getattr(settings, "SUPPORT_BOT_TARGET_OOS_RECALL", 0.90),
        max_false_handoff=getattr(settings, "SUPPORT_BOT_MAX_FALSE_HANDOFF", 0.05),
        finetune=FinetuneConfig(steps=getattr(settings, "SUPPORT_BOT_FINETUNE_STEPS", -1)),
    )


def kb_examples() -> list[tuple[str, str]]:
    """(question, entry slug) for every example question of every active entry."""
    rows = FaqQuestion.objects.filter(entry__is_active=True).values_list("text", "entry__slug").order_by("id")
    return list(rows)


def kb_fingerprint(examples: list[tuple[str, str]]) -> str:
    payload = json.dumps(sorted(examples), ensure_ascii=False).encode()
    config = engine_config()
    payload += (f"|{config.target_frr}|{config.clarify_margin}|{config.target_oos_recall}|{config.max_false_handoff}"
                f"|{config.finetune.steps}|{config.handoff_rule}").encode()
    return hashlib.sha256(payload).hexdigest()


def build_index(*, report: Progress | None = None, force: bool = False) -> EngineIndex:
    """Train on the current knowledge base and activate the result, unless the active one already matches it."""
    with exclusive_job("support_bot.build_index"):
        examples = kb_examples()
        fingerprint = kb_fingerprint(examples)
        active = EngineIndex.objects.filter(is_active=True).first()
        if active and active.kb_fingerprint == fingerprint and not force:
            return active
        version = (EngineIndex.objects.aggregate(v=Max("version"))["v"] or 0) + 1
        record = EngineIndex.objects.create(
            version=version, kb_fingerprint=fingerprint, questions=len(examples),
            entries=len({slug for _, slug in examples}),
        )
        try:
            from .training import train_engine

            engine = train_engine(examples, engine_config(), report=report)
            folder = artifact_dir()
            folder.mkdir(parents=True, exist_ok=True)
            name = f"engine-v{version}.joblib"
            temp = folder / f".{name}.{os.getpid()}.tmp"
            joblib.dump(engine, temp)
            os.replace(temp, folder / name)  # atomic on one filesystem: readers never see half a file
        except (ValueError, OSError, RuntimeError) as exc:
            record.status, record.error, record.finished_at = EngineIndex.Status.FAILED, str(exc), timezone.now()
            record.save(update_fields=["status", "error", "finished_at"])
            raise
        with transaction.atomic():
            EngineIndex.objects.filter(is_active=True).update(is_active=False)
            record.status, record.is_active, record.artifact = EngineIndex.Status.READY, True, name
            record.threshold, record.metrics, record.finished_at = engine.handoff_threshold, engine.metrics, timezone.now()
            record.save()
        _prune_old_artifacts(version)
        return record


def activate(version: int) -> EngineIndex:
    """Roll back (or forward) to a built version whose file is still on disk."""
    record = EngineIndex.objects.get(version=version, status=EngineIndex.Status.READY)
    if not (artifact_dir() / record.artifact).is_file():
        raise FileNotFoundError(f"{artifact_dir() / record.artifact}: artefact of v{version} is gone")
    with transaction.atomic():
        EngineIndex.objects.filter(is_active=True).update(is_active=False)
        EngineIndex.objects.filter(pk=record.pk).update(is_active=True)
    return record


def _prune_old_artifacts(current: int) -> None:
    keep = set(
        EngineIndex.objects.filter(status=EngineIndex.Status.READY, version__lte=current)
        .order_by("-version").values_list("artifact", flat=True)[:KEEP_VERSIONS]
    )
    for path in artifact_dir().glob("engine-v*.joblib"):
        if path.name not in keep and path.name != f"engine-v{current}.joblib":
            path.unlink(missing_ok=True)


def _tune_torch() -> None:
    threads = settings.SUPPORT_BOT_TORCH_THREADS
    if threads > 0:
        import torch

        torch.set_num_threads(threads)


def active_engine() -> tuple[int | None, SupportEngine | None]:
    """The active engine of this process, loading it when the active version changed since last time."""
    global _loaded
    if _override is not None:
        return 0, _override
    row = EngineIndex.objects.filter(is_active=True).values_list("version", "artifact").first()
    if row is None:
        return None, None
    version, artifact = row
    if _loaded is not None and _loaded[0] == version:
        return _loaded
    with _lock:
        if _loaded is None or _loaded[0] != version:
            engine = joblib.load(artifact_dir() / artifact)
            _tune_torch()
            _loaded = (version, engine)
    return _loaded


@contextmanager
def using_engine(engine: SupportEngine) -> Iterator[SupportEngine]:
    """Answer with `engine` instead of the active artefact (tests, the benchmark, `ask_support --engine`)."""
    global _override
    previous, _override = _override, engine
    try:
        yield engine
    finally:
        _override = previous
