"""Celery tasks (queue `ml`): thin wrappers that re-fetch, call training/scoring and report progress."""

from __future__ import annotations

import logging

from celery import shared_task

from jobs import JobAlreadyRunning, TaskProgress

from . import training
from .models import ModelVersion

log = logging.getLogger(__name__)
# Training can take a while on a full catalogue; the soft limit lets it record why it stopped.
TRAIN_LIMITS = {"soft_time_limit": 2 * 60 * 60, "time_limit": 2 * 60 * 60 + 120}


@shared_task(bind=True, **TRAIN_LIMITS)
def train_recommender_task(self) -> dict:
    """Nightly (beat) and "retrain now": train, gate and maybe activate. Skips if another training holds the lock."""
    try:
        version = training.train_recommender(progress=TaskProgress(self))
    except JobAlreadyRunning:
        log.info("recommender training already running elsewhere; skipped")
        return {"skipped": "another training is running"}
    except training.NotEnoughData as error:
        return {"skipped": str(error)}
    return {"version": version.version, "status": version.status, "ndcg@10": version.ndcg}


@shared_task(bind=True, **TRAIN_LIMITS)
def hyperparameter_search_task(self, trials: int = 8, protocol: str = "time") -> dict:
    search_id = training.run_hyperparameter_search(trials=trials, protocol=protocol, progress=TaskProgress(self))
    return {"search_id": search_id}


# Idempotent: a chunk deletes the rows it is about to write, so a redelivered or retried chunk writes
# them once. A failing chunk is retried once (then the chord's activation does not run).
@shared_task(
    bind=True, acks_late=True, reject_on_worker_lost=True, autoretry_for=(Exception,), max_retries=1,
    default_retry_delay=10,
)
def score_profiles_task(self, version_id: int, profile_ids: list[int]) -> dict:
    """Re-score some profiles with an existing version (e.g. new profiles since training), on any `ml` worker."""
    version = ModelVersion.objects.filter(pk=version_id).first()
    if version is None or not version.artifact:
        return {"skipped": "version gone"}
    written = training.rescore_profiles(version, profile_ids, progress=TaskProgress(self))
    return {"profiles": written}


@shared_task
def activate_scored_version_task(version_id: int) -> dict:
    """The fan-out chord's callback: all chunks are written, make the version active."""
    from .fanout import activate_scored

    version = activate_scored(version_id)
    return {"activated": version.version} if version else {"skipped": "version no longer awaiting activation"}


@shared_task(bind=True, **TRAIN_LIMITS)
def update_recommender_task(self) -> dict:
    """Daily (beat), between nightly fits: fold the day's behaviour into the active model with fit_partial.

    Takes the training lock, so it never overlaps a nightly fit. An update the quality gate refuses is
    returned as {"refused": version, "reason": ...}. A failure leaves the active version as it was, marks
    the new one failed with the reason, and is raised so the job history records it.
    """
    from .incremental import update_active_model

    try:
        update = update_active_model(progress=TaskProgress(self))
    except JobAlreadyRunning:
        log.info("recommender training or update already running elsewhere; incremental update skipped")
        return {"skipped": "another training or update is running"}
    return update.as_result()
