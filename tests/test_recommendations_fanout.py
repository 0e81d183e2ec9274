"""Batch scoring fanned out as a chord of chunks: each profile written once even when a chunk is retried,
and a chunk that keeps failing leaves the active model active (Celery runs eagerly here)."""

import pytest

from recommendations import training
from recommendations.models import Candidate, ModelVersion

pytestmark = pytest.mark.django_db
pytest_plugins = ["recommendations_world"]


@pytest.fixture
def fan_out(fast_recommender, monkeypatch):
    from marquee.celery import app

    fast_recommender.RECOMMENDER_FANOUT_PROFILES = 0
    fast_recommender.RECOMMENDER_FANOUT_CHUNK = 5
    from recommendations import tasks

    monkeypatch.setattr(tasks.score_profiles_task, "default_retry_delay", 0)
    # Eagerly, a retry re-runs the task at once; not propagating, its outcome stays in the results.
    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, False
    yield fast_recommender
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


def _fail_once_for(monkeypatch, profile_id, times=1):
    calls = {"chunks": 0, "failed": 0}
    real = training.rescore_profiles

    def flaky(version, profile_ids, progress=None):
        calls["chunks"] += 1
        if profile_id in profile_ids and calls["failed"] < times:
            real(version, profile_ids)  # wrote its rows, then the worker died before acknowledging
            calls["failed"] += 1
            raise ConnectionError("worker lost mid-chunk")
        return real(version, profile_ids)

    monkeypatch.setattr(training, "rescore_profiles", flaky)
    return calls


def test_a_chunk_retried_once_writes_each_profile_once_and_then_the_version_goes_live(
    world, fan_out, monkeypatch, django_capture_on_commit_callbacks
):
    victim = world.fans["romance"][3]
    calls = _fail_once_for(monkeypatch, victim.pk)
    with django_capture_on_commit_callbacks(execute=True):
        version = training.train_recommender(evaluate=False)

    version.refresh_from_db()
    n_profiles = sum(len(fans) for fans in world.fans.values())
    assert calls["failed"] == 1 and calls["chunks"] == -(-n_profiles // 5) + 1  # every chunk, one of them twice
    assert version.is_active and version.status == ModelVersion.Status.ACTIVE
    rows = list(Candidate.objects.filter(model_version=version).values_list("profile_id", "source", "rank"))
    assert len(rows) == len(set(rows))
    assert {p for p, _, _ in rows} == {p.pk for fans in world.fans.values() for p in fans}
    # The chunks rank with the version's two-stage ranker, so each top pick names its generator.
    picks = Candidate.objects.filter(model_version=version, source=Candidate.Source.MODEL)
    assert version.ranker and not picks.filter(generator="").exists()


def test_a_chunk_that_fails_twice_leaves_the_active_model_active(
    world, fan_out, monkeypatch, django_capture_on_commit_callbacks
):
    fan_out.RECOMMENDER_FANOUT_PROFILES = 10_000
    first = training.train_recommender(evaluate=False)  # scored in process
    fan_out.RECOMMENDER_FANOUT_PROFILES = 0
    calls = _fail_once_for(monkeypatch, world.fans["action"][0].pk, times=2)
    # Eagerly, the chord reads its header's results and meets the chunk's error instead of calling back.
    with pytest.raises(ConnectionError), django_capture_on_commit_callbacks(execute=True):
        training.train_recommender(evaluate=False)

    second = ModelVersion.objects.order_by("-version").first()

    assert calls["failed"] == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_active and not second.is_active
    assert ModelVersion.objects.get(is_active=True) == first
