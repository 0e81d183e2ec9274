"""Celery tasks of the media pipeline (queue `media`): thin wrappers that take ids and call tagging.pipeline."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from catalog.models import MediaAsset
from jobs import JobAlreadyRunning, ProgressReporter, exclusive_job

from . import learning, pipeline, services

# Every step replaces its own output, so running one twice (acks_late after a lost worker) is safe.
STEP = {"bind": True, "acks_late": True, "reject_on_worker_lost": True}


def _step(task, function, asset_id: int) -> bool:
    try:
        return function(asset_id, ProgressReporter(task))
    except SoftTimeLimitExceeded:
        asset = MediaAsset.objects.filter(pk=asset_id).first()
        if asset is not None:
            pipeline.fail(asset, f"{function.__name__.replace('_', ' ')} ran past the task time limit")
        return False


@shared_task(**STEP)
def probe_asset(self, asset_id: int) -> bool:
    return _step(self, pipeline.probe_asset, asset_id)


@shared_task(**STEP)
def detect_asset_shots(self, asset_id: int) -> bool:
    return _step(self, pipeline.detect_asset_shots, asset_id)


@shared_task(**STEP)
def extract_keyframes(self, asset_id: int) -> bool:
    return _step(self, pipeline.extract_keyframes, asset_id)


@shared_task(**STEP)
def tag_asset(self, asset_id: int) -> bool:
    return _step(self, pipeline.tag_asset, asset_id)


@shared_task(**STEP)
def aggregate_asset(self, asset_id: int) -> bool:
    return _step(self, lambda pk, progress: pipeline.finish_asset(pk), asset_id)


@shared_task(**STEP)
def retag_title(self, title_id: int) -> dict:
    return services.retag_title(title_id, progress=ProgressReporter(self))


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def retrain_learned_tagger(self) -> dict:
    try:
        with exclusive_job("tagging.retrain_learned_tagger"):
            return learning.retrain(progress=ProgressReporter(self))
    except JobAlreadyRunning:
        return {"skipped": "another retraining is running"}


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def calibrate_synopsis_threshold(self) -> dict:
    from .text_tags import calibrate

    calibration = calibrate()
    return {"calibration": str(calibration) if calibration else "too few known tags; default threshold kept"}
