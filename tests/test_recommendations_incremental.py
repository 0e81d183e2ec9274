"""The daily incremental update: fit_partial folds the behaviour since the active model's fit into a new
version, and a failure anywhere leaves the active version, its files and its candidates exactly as they were."""

import hashlib

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from job_locks import lock_held_elsewhere

from factories import make_account, make_profile, make_title, rate, watch
from recommendations import incremental, services, training
from recommendations.artifacts import load_artifact
from recommendations.models import Candidate, ItemNeighbour, ModelVersion

pytestmark = pytest.mark.django_db
pytest_plugins = ["recommendations_world"]


def stored(version, profile=None) -> list[tuple]:
    rows = Candidate.objects.filter(model_version=version)
    if profile is not None:
        rows = rows.filter(profile=profile)
    return sorted(rows.values_list("profile_id", "title_id", "source", "rank", "score", "generator", "anchor_id"))


def fingerprint(path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def active_version_state(version, viewer) -> dict:
    """What an update that fails or is refused must leave as it was: the version's three files (by hash and
    mtime), its candidates, its title neighbours and the rows `viewer` is served."""
    paths = (training.artifact_path(version), training.ranker_path(version), training.learner_state_path(version))
    return {
        "files": {path: fingerprint(path) for path in paths},
        "candidates": stored(version),
        "neighbours": ItemNeighbour.objects.filter(model_version=version).count(),
        "served": services.rows_for(viewer, only={"top_picks"}),
    }


def scores_of(version, profile, titles) -> np.ndarray:
    emb = load_artifact(version)
    row = emb.user_ids.tolist().index(profile.pk)
    columns = [emb.item_ids.tolist().index(t.pk) for t in titles]
    return emb.scores(emb.user_vectors[[row]])[0, columns]


@pytest.fixture
def trained(world):
    """The nightly fit has run: one active version with its LightFM state and watermark."""
    first = training.train_recommender(evaluate=False)
    assert first.is_active and first.learner_state and first.trained_until is not None
    return first


def action_fan_turns_to_romance(world):
    """After the nightly fit, an action fan watches four romance titles they had never seen and loves them."""
    fan = world.fans["action"][0]
    seen = set(fan.viewing_events.values_list("title_id", flat=True)) | set(fan.ratings.values_list("title_id", flat=True))
    new = [t for t in world.romance if t.pk not in seen][:4]
    for title in new:
        watch(fan, title, completion=1.0, when=timezone.now())  # started after the fit, so new to it
        rate(fan, title, stars=5.0)
    return fan, new


def test_an_update_folds_a_profiles_new_views_into_a_new_active_version(world, trained):
    fan, new = action_fan_turns_to_romance(world)
    other_romance = [t for t in world.romance if t not in new]

    def lean(version, profile) -> float:
        """How much higher the profile's scores of the other romance titles are than of action titles."""
        return float(scores_of(version, profile, other_romance).mean() - scores_of(version, profile, world.action).mean())

    update = incremental.update_active_model(epochs=5)

    version, first = update.version, trained
    first.refresh_from_db()
    assert version.is_active and version.updated_from == first and version.version == first.version + 1
    assert first.status == ModelVersion.Status.RETIRED and update.profiles == 1
    # The titles like the ones just watched rise for this fan, relative to the genre they used to watch,
    # by more than the drift of an action fan who did nothing new.
    idle = world.fans["action"][1]
    assert lean(version, fan) - lean(first, fan) > 5 * abs(lean(version, idle) - lean(first, idle))
    # The new views count as seen: neither comes back as a pick, from the model or from peers.
    picks = {title for _, title, *_ in stored(version, fan)}
    assert picks and not picks & {t.pk for t in new}
    assert stored(version, fan) != stored(first, fan)
    # Every other profile keeps the candidates it had; titles get neighbours in the new embedding space.
    untouched = world.fans["romance"][0]
    assert [row[1:] for row in stored(version, untouched)] == [row[1:] for row in stored(first, untouched)]
    assert ItemNeighbour.objects.filter(model_version=version).count() == ItemNeighbour.objects.filter(model_version=first).count()
    # Served rows now come from the new version, and the previous one can be rolled back to.
    assert services.rows_for(fan, only={"top_picks"})
    assert training.rollback().pk == first.pk


def test_a_failure_mid_update_leaves_the_active_version_its_files_and_candidates_as_they_were(world, trained, monkeypatch):
    first = trained
    action_fan_turns_to_romance(world)
    before = active_version_state(first, world.fans["action"][0])
    real = incremental.rescore_profiles

    def dies_after_writing(version, profile_ids, progress=None):
        real(version, profile_ids)  # half the work is written under the new version, then the worker fails
        raise MemoryError("worker ran out of memory while re-scoring")

    monkeypatch.setattr(incremental, "rescore_profiles", dies_after_writing)
    with pytest.raises(MemoryError):
        incremental.update_active_model()

    first.refresh_from_db()
    failed = ModelVersion.objects.exclude(pk=first.pk).get()
    assert first.is_active and first.status == ModelVersion.Status.ACTIVE
    assert active_version_state(first, world.fans["action"][0]) == before
    # The failed version says why, and leaves no rows or files behind.
    assert failed.status == ModelVersion.Status.FAILED and "out of memory" in failed.note
    assert f"v{first.version} stays active" in failed.note
    assert not Candidate.objects.filter(model_version=failed).exists()
    assert not ItemNeighbour.objects.filter(model_version=failed).exists()
    assert sorted(p.name for p in training.artifact_path(first).parent.iterdir()) == sorted(p.name for p in before["files"])


def test_a_failing_update_is_recorded_by_the_task_and_the_next_one_succeeds(world, trained, monkeypatch):
    from recommendations.tasks import update_recommender_task

    action_fan_turns_to_romance(world)

    def diverged(*args, **kwargs):
        raise ValueError("Not all estimated parameters are finite, your model may have diverged.")

    with monkeypatch.context() as patch:
        patch.setattr(incremental, "write_neighbours", diverged)
        result = update_recommender_task.apply(throw=False)  # as a worker runs it: the error goes to the result
    assert result.failed() and isinstance(result.result, ValueError)
    trained.refresh_from_db()
    assert trained.is_active

    result = update_recommender_task.apply().get()
    assert result["updated_from"] == trained.version and result["profiles"] == 1
    assert ModelVersion.objects.get(version=result["version"]).is_active


def test_with_no_new_behaviour_an_update_changes_nothing(world, trained):
    files = {training.artifact_path(trained): fingerprint(training.artifact_path(trained))}
    candidates = stored(trained)

    update = incremental.update_active_model()

    assert update.version is None and "no new behaviour" in update.skipped
    assert list(ModelVersion.objects.values_list("pk", flat=True)) == [trained.pk]
    assert stored(trained) == candidates
    assert {path: fingerprint(path) for path in files} == files


def test_new_profiles_and_titles_wait_for_the_nightly_fit(world, trained):
    newcomer = make_profile(make_account(region=world.region), name="newcomer")
    watch(newcomer, world.action[0])
    watch(world.fans["action"][0], make_title("Released today", genres=["Action"]))

    update = incremental.update_active_model()

    assert update.version is None
    assert ModelVersion.objects.count() == 1


def test_a_version_fitted_without_learner_state_is_left_to_the_nightly_fit(world, trained):
    ModelVersion.objects.filter(pk=trained.pk).update(learner_state="")
    action_fan_turns_to_romance(world)

    update = incremental.update_active_model()

    assert update.version is None and "nightly fit" in update.skipped


def test_the_update_waits_for_a_training_that_holds_the_lock(world, trained):
    from recommendations.tasks import update_recommender_task

    action_fan_turns_to_romance(world)
    with lock_held_elsewhere(training.LOCK_NAME):
        result = update_recommender_task.apply().get()
    assert "skipped" in result
    assert ModelVersion.objects.count() == 1


def test_the_next_nightly_fit_gates_against_the_updated_version(world, trained, settings):
    settings.RECOMMENDER_NDCG_TOLERANCE = 1.0
    action_fan_turns_to_romance(world)
    updated = incremental.update_active_model().version

    nightly = training.train_recommender()

    assert nightly.is_active and nightly.metrics["gate"]["active_version"] == updated.version


def test_the_command_reports_the_new_version(world, trained, capsys):
    action_fan_turns_to_romance(world)
    call_command("update_recommender", "--no-progress")
    assert f"updated from v{trained.version}" in capsys.readouterr().out


def test_the_daily_update_is_scheduled_between_nightly_fits(db):
    nightly = PeriodicTask.objects.get(task="recommendations.tasks.train_recommender_task")
    daily = PeriodicTask.objects.get(task="recommendations.tasks.update_recommender_task")
    assert daily.enabled and daily.queue is None  # the routes send it to `ml`, like the nightly fit
    assert daily.crontab.hour != nightly.crontab.hour and daily.crontab.day_of_week == "*"
    assert 0 < daily.expire_seconds < 24 * 60 * 60
