"""Preview windows are proposed without a command: a beat sweep catches processed videos the pipeline's
signal missed, under each title's job lock, once per video."""

import pytest
from django.core.files.base import ContentFile
from django_celery_beat.models import PeriodicTask
from job_locks import lock_held_elsewhere
from preview_footage import video_title

from artwork import proposals, tasks
from artwork.models import FootageProposal, PreviewCandidate
from catalog.models import MediaAsset
from factories import make_title
from tagging.models import Shot

pytestmark = pytest.mark.django_db


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr(proposals, "enqueue_on_commit", lambda task, *args: sent.append((task, *args)))
    return sent


def test_the_sweep_queues_an_unread_video_once_and_the_task_records_it(tmp_path, queued):
    title, asset = video_title(tmp_path)
    make_title("No footage")

    assert proposals.propose_missing()["queued"] == [title.pk]
    assert queued == [(proposals.PROPOSE_TASK, title.pk)]
    tasks.propose_previews_task.run(title.pk)

    windows = PreviewCandidate.objects.filter(title=title).count()
    assert windows and FootageProposal.objects.get(asset=asset).windows == windows
    queued.clear()
    assert proposals.propose_missing()["queued"] == [] and queued == []  # the next sweep: nothing to do
    tasks.propose_previews_task.run(title.pk)  # queued twice anyway: the same windows, updated in place
    assert PreviewCandidate.objects.filter(title=title).count() == windows


def test_a_video_that_yields_no_window_is_recorded_and_not_read_again(tmp_path, settings, queued):
    settings.MEDIA_ROOT = tmp_path
    title = make_title("Unreadable")
    asset = MediaAsset(title=title, kind=MediaAsset.Kind.VIDEO, role=MediaAsset.Role.FEATURE,
                       status=MediaAsset.Status.READY)
    asset.file.save("broken.avi", ContentFile(b"not a video"), save=True)
    Shot.objects.create(asset=asset, index=0, start_frame=0, end_frame=99, start_s=0.0, end_s=4.0)

    assert proposals.propose_missing()["queued"] == [title.pk]
    proposals.propose_for_title(title.pk)
    assert FootageProposal.objects.get(asset=asset).windows == 0
    assert proposals.propose_missing()["queued"] == []


def test_a_title_being_proposed_elsewhere_is_skipped(tmp_path):
    title, asset = video_title(tmp_path)
    with lock_held_elsewhere(f"artwork.propose:{title.pk}"):
        assert "skipped" in proposals.propose_for_title(title.pk)
    assert not PreviewCandidate.objects.filter(title=title).exists()
    assert not FootageProposal.objects.filter(asset=asset).exists()
    assert proposals.propose_for_title(title.pk)["title"] == title.pk  # the lock released: it runs


def test_the_sweep_is_a_beat_entry_that_leaves_the_queue_to_the_routes():
    entry = PeriodicTask.objects.get(task="artwork.tasks.propose_missing_task")
    assert entry.queue is None and entry.enabled
    assert entry.interval.every == 30 and entry.interval.period == "minutes"
    assert 0 < entry.expire_seconds < 30 * 60
