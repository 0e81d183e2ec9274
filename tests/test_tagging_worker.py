"""One honest end-to-end run: a real Celery worker on Redis picks the chain up from the media queue."""

import time

import pytest
from django.core.files.base import ContentFile
from tagging_media import video_with_cuts

from catalog.models import MediaAsset
from factories import make_title
from tagging.models import Keyframe


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_a_real_worker_runs_the_pipeline_for_a_new_asset(celery_worker_process, tmp_path):
    path, _ = video_with_cuts(tmp_path / "trailer.avi", [30, 30])
    title = make_title()
    asset = MediaAsset(title=title, kind="video", role="trailer", original_name="trailer.avi")
    asset.file.save("trailer.avi", ContentFile(path.read_bytes()), save=False)
    asset.save()  # post_save -> enqueue_on_commit; transactional_db commits at once
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        asset.refresh_from_db()
        if asset.status in ("ready", "failed"):
            break
        time.sleep(0.3)
    assert asset.status == "ready", asset.error or "the worker did not finish in time"
    keyframes = list(Keyframe.objects.filter(shot__asset=asset))
    assert len(keyframes) == 2
    for keyframe in keyframes:  # the worker shares MEDIA_ROOT with this process: tidy up
        keyframe.image.delete(save=False)
    asset.file.delete(save=False)
