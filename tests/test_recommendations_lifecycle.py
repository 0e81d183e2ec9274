"""Training lifecycle: activation, the quality gate, the lock, rollback, and a crash leaving the active model alone."""

from contextlib import contextmanager

import pytest
from django.db import connection
from django_celery_beat.models import PeriodicTask

from jobs import JobAlreadyRunning, exclusive_job
from recommendations import services, training
from recommendations.models import Candidate, ItemNeighbour, ModelVersion
from recommendations.two_stage import GENERATORS

pytestmark = pytest.mark.django_db
pytest_plugins = ["recommendations_world"]


@contextmanager
def lock_held_elsewhere():
    """Hold the training lock as another process would: PostgreSQL advisory locks are per connection."""
    if connection.vendor != "postgresql":
        with exclusive_job(training.LOCK_NAME):
            yield
        return
    import psycopg

    from jobs.locks import _advisory_key

    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                         password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(%s)", [_advisory_key(training.LOCK_NAME)])
        yield


@pytest.fixture
def gate_open(settings):
    """A retrain on the same tiny data may score a little lower by chance; these tests are about what follows a pass."""
    settings.RECOMMENDER_NDCG_TOLERANCE = 1.0


def worse_than(active: ModelVersion):
    """An evaluation that reports a held-out NDCG clearly below the active model's."""
    def evaluate(data, pairs, params, protocol="time", **kwargs):
        return {"hybrid": {"ndcg@10": active.ndcg * 0.5}, "popularity": {"ndcg@10": 0.0}}
    return evaluate


def test_first_training_activates_a_version_with_candidates_and_neighbours(world):
    version = training.train_recommender()
    assert version.is_active and version.status == ModelVersion.Status.ACTIVE
    assert training.artifact_path(version).is_file()
    assert set(version.metrics) == {"hybrid", "two_stage", "popularity", "item_knn", "user_knn", "ease", "lightfm_default"}
    # The two-stage ranker is stored with the version and is what its top picks come from.
    assert version.served == "two_stage" and training.ranker_path(version).is_file()
    assert version.ndcg == version.metrics["two_stage"]["ndcg@10"]
    picks = Candidate.objects.filter(model_version=version, source=Candidate.Source.MODEL)
    assert picks.filter(profile=world.fans["action"][0]).exists()
    assert set(picks.values_list("generator", flat=True)) <= set(GENERATORS)
    assert ItemNeighbour.objects.filter(model_version=version).exists()
    history = services.metrics_history()
    assert [h["version"] for h in history] == [version.version] and history[0]["is_active"]


def test_quality_gate_keeps_the_active_model_when_the_new_one_is_worse(world, monkeypatch):
    first = training.train_recommender()
    monkeypatch.setattr(training, "evaluate_against_baselines", worse_than(first))
    second = training.train_recommender()
    first.refresh_from_db()
    assert second.status == ModelVersion.Status.REJECTED and not second.is_active
    assert first.is_active
    assert "stays active" in second.note
    assert not Candidate.objects.filter(model_version=second).exists()
    assert training.ranker_path(first).is_file()  # the serving version's ranker is untouched


def test_the_gate_judges_the_active_model_on_the_new_split(world, monkeypatch):
    first = training.train_recommender()
    second = training.train_recommender()  # a real second training: the active configuration is refitted
    assert second.metrics["gate"]["active_version"] == first.version
    assert 0 <= second.metrics["gate"]["active_ndcg@10"] <= 1

    def judged_on_the_same_split(data, pairs, params, protocol="time", **kwargs):
        # Better than the active model's stored score, worse than the active configuration on this split.
        return {"hybrid": {"ndcg@10": 0.30}, "popularity": {"ndcg@10": 0.0},
                "gate": {"active_version": second.version, "active_ndcg@10": 0.40}}

    ModelVersion.objects.filter(pk=second.pk).update(metrics={"hybrid": {"ndcg@10": 0.10}})
    monkeypatch.setattr(training, "evaluate_against_baselines", judged_on_the_same_split)
    third = training.train_recommender()
    assert third.status == ModelVersion.Status.REJECTED and "on the same split" in third.note


def test_quality_gate_rule():
    assert training.passes_quality_gate(0.20, None, 0.01)
    assert training.passes_quality_gate(0.199, 0.20, 0.01)  # within tolerance
    assert not training.passes_quality_gate(0.15, 0.20, 0.01)
    assert not training.passes_quality_gate(None, 0.20, 0.01)


def test_lock_prevents_a_second_training(world):
    with lock_held_elsewhere():
        with pytest.raises(JobAlreadyRunning):
            training.train_recommender()
    assert not ModelVersion.objects.exists()


def test_task_skips_when_another_training_holds_the_lock(world):
    from recommendations.tasks import train_recommender_task

    with lock_held_elsewhere():
        result = train_recommender_task.apply().get()
    assert "skipped" in result
    assert not ModelVersion.objects.exists()


def test_a_crash_mid_training_leaves_the_active_model_untouched(world, gate_open, monkeypatch):
    first = training.train_recommender()
    served_before = services.rows_for(world.fans["action"][0], only={"top_picks"})

    def crash(*args, **kwargs):
        raise MemoryError("worker killed")

    monkeypatch.setattr(training, "store_candidates", crash)
    with pytest.raises(MemoryError):
        training.train_recommender()
    first.refresh_from_db()
    failed = ModelVersion.objects.exclude(pk=first.pk).get()
    assert first.is_active and failed.status == ModelVersion.Status.FAILED and "worker killed" in failed.note
    assert services.rows_for(world.fans["action"][0], only={"top_picks"}) == served_before


def test_a_version_left_training_by_a_dead_worker_is_marked_failed_by_the_next_run(world):
    ModelVersion.objects.create(version=1, status=ModelVersion.Status.TRAINING)
    new = training.train_recommender()
    assert new.version == 2 and new.is_active
    assert ModelVersion.objects.get(version=1).status == ModelVersion.Status.FAILED


def test_rollback_reactivates_the_previous_version(world, gate_open):
    first = training.train_recommender()
    second = training.train_recommender()
    assert second.is_active
    restored = training.rollback()
    second.refresh_from_db()
    assert restored.pk == first.pk and restored.is_active
    assert not second.is_active and second.status == ModelVersion.Status.RETIRED
    assert ModelVersion.objects.filter(is_active=True).count() == 1
    rows = services.rows_for(world.fans["romance"][0], only={"top_picks"})
    stored = set(Candidate.objects.filter(model_version=first, profile=world.fans["romance"][0]).values_list("title_id", flat=True))
    assert rows and {i.title_id for i in rows[0].items} <= stored


def test_rollback_refuses_a_version_whose_ranker_file_is_gone(world, gate_open):
    first = training.train_recommender()
    training.train_recommender()
    training.ranker_path(first).unlink()
    with pytest.raises(training.RollbackError, match="ranker"):
        training.rollback()


def test_rollback_refuses_a_rejected_version(world, monkeypatch):
    first = training.train_recommender()
    monkeypatch.setattr(training, "evaluate_against_baselines", worse_than(first))
    rejected = training.train_recommender()
    with pytest.raises(training.RollbackError):
        training.rollback(rejected)


def test_admin_rollback_action_and_chart(world, gate_open, admin_client):
    first = training.train_recommender()
    training.train_recommender()
    response = admin_client.post(
        "/admin/recommendations/modelversion/",
        {"action": "roll_back_to_version", "_selected_action": [first.pk]},
        follow=True,
    )
    assert response.status_code == 200
    first.refresh_from_db()
    assert first.is_active
    page = admin_client.get("/admin/recommendations/modelversion/").content.decode()
    assert "<svg" in page and "polyline" in page and "Retrain now" in page


def test_nightly_schedule_is_stored_in_beat_with_an_expiry(db):
    task = PeriodicTask.objects.get(task="recommendations.tasks.train_recommender_task")
    assert task.enabled and task.crontab is not None and task.queue is None  # the routes choose `ml`
    assert 0 < task.expire_seconds <= 24 * 60 * 60


def test_batch_scoring_chunks_are_queued_for_workers_and_rewrite_candidates(world, gate_open, django_capture_on_commit_callbacks, monkeypatch):
    from recommendations import tasks

    version = training.train_recommender()
    sent = []
    monkeypatch.setattr(tasks.score_profiles_task, "apply_async", lambda args, kwargs, **o: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        queued = training.enqueue_batch_scoring(chunk=10)
    assert queued == len(sent) == 3  # 24 profiles in chunks of 10
    fan = world.fans["action"][0]
    before = list(Candidate.objects.filter(model_version=version, profile=fan).values_list("title_id", "source", "rank"))
    for version_id, profile_ids in sent:  # what each worker would run; a redelivery writes the same rows once
        tasks.score_profiles_task.apply(args=[version_id, profile_ids]).get()
        tasks.score_profiles_task.apply(args=[version_id, profile_ids]).get()
    after = list(Candidate.objects.filter(model_version=version, profile=fan).values_list("title_id", "source", "rank"))
    assert sorted(after) == sorted(before)
