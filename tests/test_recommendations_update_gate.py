"""The daily update's quality gate: the updated and the active model are scored on each changed profile's
newest title first liked since the fit (which neither trained on), and an update is refused only when a
paired bootstrap says it is worse beyond the tolerance; too few held-out profiles skip the update. Fixtures and helpers from test_recommendations_incremental."""
# ruff: noqa: F811  (the `trained` fixture imported from test_recommendations_incremental is an argument)

import dataclasses
from datetime import timedelta

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone
from lightfm import LightFM
from test_recommendations_incremental import active_version_state, stored, trained  # noqa: F401  (fixture)

from factories import watch
from recommendations import incremental, training
from recommendations.artifacts import load_artifact
from recommendations.dataset import VIEW, Events, Pairs
from recommendations.gate import paired_update_verdict, passes_quality_gate, update_held_out
from recommendations.models import Candidate, ModelVersion

pytestmark = pytest.mark.django_db
pytest_plugins = ["recommendations_world"]


def every_action_fan_finishes_one_more_action_title(world) -> dict:
    """After the fit each action fan watches an action title they had not seen: their taste, so a model that
    learned the tastes ranks it near the top of what they have not seen. Returns {profile pk: title pk}."""
    latest = {}
    for fan in world.fans["action"]:
        seen = set(fan.viewing_events.values_list("title_id", flat=True)) | set(fan.ratings.values_list("title_id", flat=True))
        title = next(t for t in world.action if t.pk not in seen)
        watch(fan, title, completion=1.0, when=timezone.now())
        latest[fan.pk] = title.pk
    return latest


def opposite_tastes(real):
    """Sabotage: the update's embeddings with every score negated (user vectors and title biases), so it
    ranks last what the fitted model ranks first."""

    def embeddings_of(*args, **kwargs):
        emb = real(*args, **kwargs)
        return dataclasses.replace(emb, user_vectors=-emb.user_vectors, item_bias=-emb.item_bias)

    return embeddings_of


def test_an_update_worse_on_the_held_out_titles_is_refused_and_the_active_version_stays_intact(
    world, trained, monkeypatch, capsys
):
    first = trained
    every_action_fan_finishes_one_more_action_title(world)
    before = active_version_state(first, world.fans["action"][0])
    monkeypatch.setattr(incremental, "embeddings_of", opposite_tastes(incremental.embeddings_of))

    call_command("update_recommender", "--no-progress")

    first.refresh_from_db()
    refused = ModelVersion.objects.exclude(pk=first.pk).get()
    gate = refused.metrics["incremental"]["gate"]
    assert refused.status == ModelVersion.Status.REJECTED and not refused.is_active
    assert gate["held_out_profiles"] == len(world.fans["action"]) and not gate["passed"]
    assert gate["ndcg@10"] < gate["active_ndcg@10"] and gate["interval"][1] < gate["refuse_below"]
    # Both numbers are on the version and in the command's one line, which names the version kept.
    for text in (refused.note, capsys.readouterr().out.strip()):
        assert f"{gate['ndcg@10']:.4f}" in text and f"{gate['active_ndcg@10']:.4f}" in text
        assert f"v{first.version} stays active" in text and "\n" not in text
    # The active version, its files, candidates and served rows are as they were; the refused one wrote nothing.
    assert first.is_active and first.status == ModelVersion.Status.ACTIVE
    assert active_version_state(first, world.fans["action"][0]) == before
    assert not Candidate.objects.filter(model_version=refused).exists()
    assert not refused.artifact and not refused.ranker and not refused.learner_state
    assert sorted(p.name for p in training.artifact_path(first).parent.iterdir()) == sorted(p.name for p in before["files"])


def test_an_update_no_worse_on_the_held_out_titles_goes_live(world, trained, monkeypatch, settings):
    """fit_partial made a no-op: the update is the active model itself, so it ties on the same slice and
    passes even with no tolerance at all."""
    settings.RECOMMENDER_NDCG_TOLERANCE = 0.0
    latest = every_action_fan_finishes_one_more_action_title(world)
    monkeypatch.setattr(LightFM, "fit_partial", lambda self, *args, **kwargs: self)

    update = incremental.update_active_model()

    version = update.version
    gate = version.metrics["incremental"]["gate"]
    assert version.is_active and not update.refused and update.as_result()["updated_from"] == trained.version
    assert gate["passed"] and gate["ndcg@10"] == pytest.approx(gate["active_ndcg@10"])
    assert gate["interval"] == pytest.approx([0.0, 0.0])  # every paired difference is zero
    assert gate["held_out_profiles"] == gate["held_out_pairs"] == len(latest)
    # The held-out titles still count as seen in what is served.
    for fan in world.fans["action"]:
        assert latest[fan.pk] not in {title for _, title, *_ in stored(version, fan)}


def test_the_slice_is_each_profiles_newest_liked_title_first_met_after_the_fit():
    fit = 1_000_000.0
    # Profile 0: title 1 started before the fit and finished after (the fit saw it at 20%), titles 2 and 3
    # are new, 3 the newest. Profile 1: its only new title (4) is a dislike. Profile 2: nothing new.
    events = Events(
        user=np.array([0, 0, 0, 0, 1, 2], dtype=np.int32), item=np.array([1, 1, 2, 3, 4, 5], dtype=np.int32),
        kind=np.full(6, VIEW, dtype=np.int8), value=np.ones(6, dtype=np.float32),
        time=np.array([fit - 10, fit + 50, fit + 10, fit + 20, fit + 30, fit - 99], dtype=np.float64),
    )
    pairs = Pairs(
        user=np.array([0, 0, 0, 1, 2], dtype=np.int32), item=np.array([1, 2, 3, 4, 5], dtype=np.int32),
        weight=np.array([1.0, 1.0, 1.0, -1.0, 1.0], dtype=np.float32),
        relevant=np.array([True, True, True, False, True]),
        time=np.array([fit + 50, fit + 10, fit + 20, fit + 30, fit - 99]),
    )

    held = update_held_out(events, pairs, fit)

    assert held.tolist() == [False, False, True, False, False]


def test_an_update_with_no_new_liked_title_to_judge_it_on_changes_nothing(world, trained):
    """A view that started before the fit may have been in its data (at a lower completion), so it is not
    held out; with nothing else new there is nothing to judge the update on."""
    fan = world.fans["action"][0]
    seen = set(fan.viewing_events.values_list("title_id", flat=True))
    title = next(t for t in world.action if t.pk not in seen)
    watch(fan, title, completion=1.0, when=trained.trained_until - timedelta(minutes=5))

    update = incremental.update_active_model()

    assert update.version is None and "nothing to judge" in update.skipped
    assert list(ModelVersion.objects.values_list("pk", flat=True)) == [trained.pk]


def every_action_fan_finishes_two_more_action_titles(world, after) -> dict:
    """Since the fit (watermark `after`) each action fan has watched two action titles new to them, one
    after the other. Returns {profile pk: (older title pk, newest title pk)}: the newest is the one the gate holds out."""
    new = {}
    for fan in world.fans["action"]:
        seen = set(fan.viewing_events.values_list("title_id", flat=True)) | set(fan.ratings.values_list("title_id", flat=True))
        older, newest = [t for t in world.action if t.pk not in seen][:2]
        watch(fan, older, completion=1.0, when=after + timedelta(seconds=1))
        watch(fan, newest, completion=1.0, when=after + timedelta(seconds=2))
        new[fan.pk] = (older.pk, newest.pk)
    return new


def spy_on_fit_partial(monkeypatch) -> list[dict]:
    """Record the interactions and sample weights of every fit_partial call, then run the real one."""
    calls, real = [], LightFM.fit_partial

    def fit_partial(self, interactions, *args, **kwargs):
        weights = kwargs.get("sample_weight")
        calls.append({"interactions": interactions.tocsr(copy=True),
                      "sample_weight": None if weights is None else weights.tocsr(copy=True)})
        return real(self, interactions, *args, **kwargs)

    monkeypatch.setattr(LightFM, "fit_partial", fit_partial)
    return calls


def test_fit_partial_never_trains_on_a_held_out_title_but_does_on_the_rest_of_the_new_behaviour(
    world, trained, monkeypatch
):
    new = every_action_fan_finishes_two_more_action_titles(world, trained.trained_until)
    emb = load_artifact(trained)
    row = {int(pk): i for i, pk in enumerate(emb.user_ids.tolist())}
    column = {int(pk): i for i, pk in enumerate(emb.item_ids.tolist())}
    calls = spy_on_fit_partial(monkeypatch)

    update = incremental.update_active_model(epochs=3)

    # Whatever the verdict, the gate judged the update on exactly one held-out title per changed fan.
    gate = update.version.metrics["incremental"]["gate"]
    assert gate["held_out_profiles"] == gate["held_out_pairs"] == len(new)
    assert len(calls) == 3  # one per epoch, each checked below
    for call in calls:
        for matrix in filter(lambda m: m is not None, (call["interactions"], call["sample_weight"])):
            for fan, (older, newest) in new.items():
                # The newest new title is the held-out one: absent from every epoch, as data and as weight.
                assert matrix[row[fan], column[newest]] == 0
                # The fan's other new title is new behaviour like any other: it is trained on.
                assert matrix[row[fan], column[older]] > 0


ACTIVE = np.random.default_rng(1).choice([0.0, 1.0, 0.63, 0.5, 0.43], size=60)  # one title per profile: 1/log2(rank+1)


def test_a_clearly_worse_update_is_refused_by_the_paired_rule():
    """Most profiles' held-out title drops in rank: the whole 95% interval is below -1% of the active mean."""
    new = ACTIVE - 0.1 + np.random.default_rng(2).normal(0.0, 0.05, size=len(ACTIVE))

    verdict = paired_update_verdict(new, ACTIVE, 0.01, min_profiles=20)

    assert verdict["passed"] is False and verdict["held_out_profiles"] == len(ACTIVE)
    low, high = verdict["interval"]
    assert low <= verdict["mean_difference"] <= high < verdict["refuse_below"] == pytest.approx(-0.01 * ACTIVE.mean())


def test_a_noisy_update_no_worse_on_average_is_not_refused_though_its_mean_is_lower():
    """Zero-mean per-profile noise (ranks swapping both ways, as a new fit_partial seed does) with a sample
    mean a little lower: the two-means rule refuses it, the paired interval reaches above the margin."""
    noise = np.random.default_rng(3).normal(0.0, 0.3, size=len(ACTIVE))
    new = ACTIVE + noise - noise.mean() - 0.03 * ACTIVE.mean()  # 3% lower on average, by noise alone
    assert not passes_quality_gate(new.mean(), ACTIVE.mean(), 0.01)

    verdict = paired_update_verdict(new, ACTIVE, 0.01, min_profiles=20)

    assert verdict["passed"] is True and verdict["interval"][1] >= verdict["refuse_below"]
    # The verdict is seeded: the same scores always get the same one.
    assert paired_update_verdict(new, ACTIVE, 0.01, min_profiles=20) == verdict


def test_too_few_profiles_are_not_judged_even_when_clearly_worse():
    worse = ACTIVE - 0.3

    few = paired_update_verdict(worse[:19], ACTIVE[:19], 0.01, min_profiles=20)
    enough = paired_update_verdict(worse[:20], ACTIVE[:20], 0.01, min_profiles=20)

    assert few["passed"] is None and few["interval"] is None and few["held_out_profiles"] == 19
    assert enough["passed"] is False


def test_an_update_with_fewer_held_out_profiles_than_the_minimum_is_skipped_and_changes_nothing(
    world, trained, settings, monkeypatch
):
    """Even a sabotaged update: on 12 held-out profiles, below the default minimum of 20, it is not judged,
    not fitted and not written; the nightly fit folds the new behaviour in."""
    settings.RECOMMENDER_UPDATE_GATE_MIN_PROFILES = 20
    every_action_fan_finishes_one_more_action_title(world)
    monkeypatch.setattr(incremental, "embeddings_of", opposite_tastes(incremental.embeddings_of))
    calls = spy_on_fit_partial(monkeypatch)

    update = incremental.update_active_model()

    assert update.version is None and f"{len(world.fans['action'])} with a new liked title" in update.skipped
    assert "RECOMMENDER_UPDATE_GATE_MIN_PROFILES=20" in update.skipped and "\n" not in update.skipped
    assert not calls and list(ModelVersion.objects.values_list("pk", flat=True)) == [trained.pk]
