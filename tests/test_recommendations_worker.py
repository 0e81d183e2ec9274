"""A real worker on Redis trains, gates and activates a model from the `ml` queue, scoring in process or
fanned out as a chord of chunks (PostgreSQL leg only)."""

import json
from collections import Counter

import pytest
from django_celery_results.models import TaskResult
from recommendations_world import World
from waiting import wait_for

from recommendations.models import Candidate, ModelVersion
from recommendations.tasks import score_profiles_task, train_recommender_task

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


@pytest.fixture
def worker_artifacts(tmp_path, monkeypatch, settings):
    # Set before the worker starts so the worker process writes its artefacts here too.
    monkeypatch.setenv("MODEL_ARTIFACT_DIR", str(tmp_path / "models"))
    settings.MODEL_ARTIFACT_DIR = tmp_path / "models"


def test_the_worker_trains_and_activates_a_model(worker_artifacts, celery_worker_process):
    world = World(profiles_per_taste=6)
    task_id = train_recommender_task.apply_async(queue="ml").id
    result = wait_for(
        lambda: TaskResult.objects.filter(task_id=task_id, status__in=["SUCCESS", "FAILURE"]).first(),
        180, "the worker did not finish training in time", interval=0.5,
    )
    assert result.status == "SUCCESS", result.traceback
    version = ModelVersion.objects.get(is_active=True)
    assert Candidate.objects.filter(model_version=version, profile=world.fans["action"][0]).exists()


@pytest.fixture
def worker_fans_out(monkeypatch, settings):
    # Set before the worker starts: it is the worker that trains, so it decides to fan out. 12 profiles
    # are above 4, so they go out in chunks of 5: three chunks (5, 5, 2).
    monkeypatch.setenv("RECOMMENDER_FANOUT_PROFILES", "4")
    monkeypatch.setenv("RECOMMENDER_FANOUT_CHUNK", "5")
    settings.RECOMMENDER_FANOUT_PROFILES = 4
    settings.RECOMMENDER_FANOUT_CHUNK = 5


def test_the_worker_fans_scoring_out_in_chunks_and_activates_once_all_are_written(
    worker_artifacts, worker_fans_out, celery_worker_process
):
    world = World(profiles_per_taste=6)
    profiles = {p.pk for fans in world.fans.values() for p in fans}
    train_id = train_recommender_task.apply_async(queue="ml").id
    activation = "recommendations.tasks.activate_scored_version_task"

    # Waits for the callback's own result too: it activates, then clears the note and prunes.
    callback = wait_for(
        lambda: ModelVersion.objects.filter(is_active=True).exists()
        and TaskResult.objects.filter(task_name=activation, status__in=["SUCCESS", "FAILURE"]).first(),
        180, "no version went live by the chord's callback: see var/test-worker.log", interval=0.5,
    )

    assert callback.status == "SUCCESS", callback.traceback
    version = ModelVersion.objects.get(is_active=True)
    assert json.loads(callback.result) == {"activated": version.version}
    assert version.note == "" and version.data_size["profiles"] == len(profiles) == 12
    trained = TaskResult.objects.get(task_id=train_id)
    assert trained.status == "SUCCESS", trained.traceback
    # Training handed the profiles out instead of scoring them, so the version was not live when it ended.
    assert json.loads(trained.result)["status"] == ModelVersion.Status.TRAINING
    chunks = TaskResult.objects.filter(task_name=score_profiles_task.name)
    assert sorted(chunk.status for chunk in chunks) == ["SUCCESS"] * 3, [chunk.traceback for chunk in chunks]
    assert sorted(json.loads(chunk.result)["profiles"] for chunk in chunks) == [2, 5, 5]
    # It went live only once the last chunk was stored.
    assert max(chunk.date_done for chunk in chunks) <= version.activated_at

    rows = list(Candidate.objects.filter(model_version=version).values_list("profile_id", "source", "title_id"))
    assert {profile for profile, _, _ in rows} == profiles
    # No profile scored twice: each title once per profile and list ("model" picks, "peers").
    assert [row for row, n in Counter(rows).items() if n > 1] == []
