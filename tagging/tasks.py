"""Celery tasks of the media pipeline (queue `media`): thin wrappers that take ids and call tagging.pipeline."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from catalog.models import MediaAsset
from jobs import JobAlreadyRunning, TaskProgress

from . import learning, pipeline, services

# Every step replaces its own output, so running one twice (acks_late after a lost worker) is safe.
STEP = {"bind": True, "acks_late": True, "reject_on_worker_lost": True}
# Decoding a feature-length video takes far longer than the project's default task limit.
VIDEO_STEP = {**STEP, "soft_time_limit": settings.TAGGING_VIDEO_TASK_TIME_LIMIT,
              "time_limit": settings.TAGGING_VIDEO_TASK_TIME_LIMIT + 60}


def _step(task, function, asset_id: int) -> bool:
    step = function.__name__.replace("_", " ")
    try:
        return function(asset_id, TaskProgress(task))
    except SoftTimeLimitExceeded:
        _fail(asset_id, f"{step} ran past the task time limit")
        return False
    except Exception as error:
        # Bad files are handled inside the steps; this is a bug. Staff still see why the asset
        # stopped instead of a row stuck in "processing", and the task records the traceback.
        _fail(asset_id, f"{step} stopped on an internal error: {type(error).__name__}: {error}")
        raise


def _fail(asset_id: int, reason: str) -> None:
    asset = MediaAsset.objects.filter(pk=asset_id).first()
    if asset is not None:
        pipeline.fail(asset, reason)


@shared_task(**STEP)
def probe_asset(self, asset_id: int) -> bool:
    return _step(self, pipeline.probe_asset, asset_id)


@shared_task(**VIDEO_STEP)
def detect_asset_shots(self, asset_id: int) -> bool:
    return _step(self, pipeline.detect_asset_shots, asset_id)


@shared_task(**VIDEO_STEP)
def extract_keyframes(self, asset_id: int) -> bool:
    return _step(self, pipeline.extract_keyframes, asset_id)


@shared_task(**STEP)
def tag_asset(self, asset_id: int) -> bool:
    return _step(self, pipeline.tag_asset, asset_id)


@shared_task(**STEP)
def aggregate_asset(self, asset_id: int) -> bool:
    return _step(self, pipeline.finish_asset, asset_id)


@shared_task(**VIDEO_STEP)
def retag_title(self, title_id: int) -> dict:
    return services.retag_title(title_id, progress=TaskProgress(self))


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def retrain_learned_tagger(self) -> dict:
    try:
        return learning.retrain(progress=TaskProgress(self))
    except JobAlreadyRunning:
        return {"skipped": "another retraining is running"}

