"""Which model versions keep their files and candidates: the rollback window is counted in full fits, so the
daily incremental updates do not shorten it, and a cap bounds storage when only updates go live."""

from datetime import UTC, datetime, timedelta

import pytest

from factories import make_profile, make_title
from recommendations.models import Candidate, ModelVersion
from recommendations.training import prune_old_versions

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a nightly fit's hour; no clock is read


class History:
    """Once-active versions made in order, each with an artefact file and one stored candidate."""

    def __init__(self, artifact_dir) -> None:
        self.dir = artifact_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.profile, self.title = make_profile(), make_title("Kept or not")
        self.versions: list[ModelVersion] = []

    def add(self, *, update: bool, hours: float) -> ModelVersion:
        number = len(self.versions) + 1
        (self.dir / f"v{number}.npz").write_bytes(b"embeddings")
        version = ModelVersion.objects.create(
            version=number, status=ModelVersion.Status.RETIRED, artifact=f"v{number}.npz",
            activated_at=START + timedelta(hours=hours),
            updated_from=self.versions[-1] if update else None,
        )
        Candidate.objects.create(model_version=version, profile=self.profile, title=self.title, rank=1, score=1.0)
        self.versions.append(version)
        return version

    def days(self, count: int) -> None:
        """`count` days of a nightly full fit at 02:00 and the daily update at 15:30."""
        for day in range(count):
            self.add(update=False, hours=24 * day)
            self.add(update=True, hours=24 * day + 13.5)

    def make_newest_active(self) -> None:
        newest = self.versions[-1]
        ModelVersion.objects.filter(pk=newest.pk).update(status=ModelVersion.Status.ACTIVE, is_active=True)

    def kept(self) -> list[int]:
        """Version numbers that still have their artefact file and candidates."""
        return [v.version for v in self.versions
                if (self.dir / v.artifact).is_file() and Candidate.objects.filter(model_version=v).exists()]


@pytest.fixture
def history(settings, tmp_path) -> History:
    settings.MODEL_ARTIFACT_DIR = tmp_path / "models"
    return History(settings.MODEL_ARTIFACT_DIR)


def test_daily_updates_do_not_shorten_the_rollback_window_of_three_nightly_fits(history):
    history.days(5)  # v1 fit, v2 update, ..., v9 fit, v10 update (active)
    history.make_newest_active()

    prune_old_versions(keep=3)

    # The newest three full fits (v5, v7, v9) and the updates made since the oldest of them.
    assert history.kept() == [5, 6, 7, 8, 9, 10]
    pruned = ModelVersion.objects.filter(version__in=[1, 2, 3, 4])
    assert {v.status for v in pruned} == {ModelVersion.Status.FAILED}
    assert all("pruned" in v.note for v in pruned)
    assert ModelVersion.objects.get(is_active=True).version == 10


def test_when_only_updates_go_live_the_cap_bounds_what_is_kept(history):
    history.add(update=False, hours=0)
    for day in range(12):  # the nightly fits keep failing their gate; the daily update goes on
        history.add(update=True, hours=24 * day + 13.5)
    history.make_newest_active()

    prune_old_versions(keep=3)

    assert history.kept() == list(range(5, 14))  # the newest 3 x 3, the active one among them


def test_an_older_version_made_active_again_by_a_rollback_is_never_pruned(history):
    history.days(5)
    rolled_back_to = history.versions[0]
    ModelVersion.objects.filter(pk=rolled_back_to.pk).update(status=ModelVersion.Status.ACTIVE, is_active=True)

    prune_old_versions(keep=3)

    assert 1 in history.kept() and set(history.kept()) >= {7, 8, 9, 10}
