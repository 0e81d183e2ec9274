"""A real Celery worker process on Redis runs a task and writes its result to PostgreSQL."""

import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from django_celery_results.models import TaskResult
from PIL import Image
from waiting import wait_for

from catalog.models import MediaAsset
from catalog.tasks import fingerprint_media_asset
from factories import make_title

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def wait_for_result(task_id: str, timeout: float = 60) -> TaskResult:
    return wait_for(
        lambda: TaskResult.objects.filter(task_id=task_id, status__in=["SUCCESS", "FAILURE"]).first(),
        timeout, f"no result for task {task_id} within {timeout}s",
    )


def add_asset(name: str, data: bytes, kind=MediaAsset.Kind.IMAGE) -> MediaAsset:
    asset = MediaAsset(title=make_title(), kind=kind, role=MediaAsset.Role.POSTER)
    asset.file.save(name, ContentFile(data), save=True)
    return asset


def test_the_worker_runs_tasks_from_redis_and_survives_a_bad_file(celery_worker_process):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 60), "navy").save(buffer, format="PNG")
    good = add_asset("poster.png", buffer.getvalue())
    bad = add_asset("not-really.png", b"GIF89a but truncated garbage")

    # The bad file goes first: the worker must record why and carry on with the next task.
    bad_result = wait_for_result(fingerprint_media_asset.delay(bad.pk).id)
    good_result = wait_for_result(fingerprint_media_asset.delay(good.pk).id)

    assert good_result.status == "SUCCESS"
    good.refresh_from_db()
    assert good.checksum == hashlib.sha256(buffer.getvalue()).hexdigest()
    assert (good.width, good.height) == (40, 60)
    assert bad_result.status == "SUCCESS"
    bad.refresh_from_db()
    assert bad.status == MediaAsset.Status.FAILED
    assert "not-really" in bad.error and "not a readable image" in bad.error
