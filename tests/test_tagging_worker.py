"""One honest end-to-end run: a real Celery worker on Redis picks the chain up from the media queue."""

import pytest
from django.core.files.base import ContentFile
from tagging_media import video_with_cuts
from waiting import wait_for

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

    def finished() -> bool:
        asset.refresh_from_db()
        return asset.status in ("ready", "failed")

    wait_for(finished, 60, "the worker did not finish in time", interval=0.3)
    assert asset.status == "ready", asset.error
    keyframes = list(Keyframe.objects.filter(shot__asset=asset))
    assert len(keyframes) == 2
    for keyframe in keyframes:  # the worker shares MEDIA_ROOT with this process: tidy up
        keyframe.image.delete(save=False)
    asset.file.delete(save=False)
