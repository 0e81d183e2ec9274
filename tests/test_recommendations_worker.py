"""A real worker on Redis trains, gates and activates a model from the `ml` queue (PostgreSQL leg only)."""

import pytest
from django_celery_results.models import TaskResult
from recommendations_world import World
from waiting import wait_for

from recommendations.models import Candidate, ModelVersion
from recommendations.tasks import train_recommender_task

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
