"""Between nightly full fits: fold the behaviour written since the active model's fit into it with LightFM's
`fit_partial`, as a new version that goes live with the same one-row switch as a nightly one.

The update resumes a copy of the active version's LightFM state (its `learner_state` file) for a few
epochs over the changed profiles' histories, writes a new artefact, re-scores those profiles' candidates
(`candidates.rescore_profiles`, the batch-scoring unit), carries the other profiles' candidates over
unchanged and recomputes the title neighbours. Only `training.activate` makes it live: a failure at any
step leaves the active version, its files and its candidates as they were, and marks the new one failed.

Before anything is written the update passes the quality gate (`gate.judge_update`, with
RECOMMENDER_NDCG_TOLERANCE): each changed profile's newest title first liked since the fit is held out
of the fit_partial epochs, the updated and the active embeddings are scored on those same titles, and
the update is refused only when a paired bootstrap says it is worse beyond the tolerance
(`gate.paired_update_verdict`). With fewer than RECOMMENDER_UPDATE_GATE_MIN_PROFILES held-out profiles
the update is skipped before fitting. A refused update is recorded as rejected with both numbers and the
interval, and writes no file or row. The activated model is the one judged, so the held-out titles
reach the model at the next nightly fit (the stored candidates count them as seen at once).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from jobs import Progress, exclusive_job, no_progress

from . import training
from .artifacts import (
    artifact_path,
    learner_state_path,
    load_artifact,
    load_learner_state,
    save_artifact,
    save_learner_state,
)
from .behaviour import behaviour_since, read_events
from .candidates import rescore_profiles, write_neighbours
from .dataset import SignalWeights, fold_events
from .gate import judge_update, too_few_to_judge, update_held_out
from .hybrid import HybridParams, LearnerState, embeddings_of, interaction_matrices
from .models import Candidate, ItemNeighbour, ModelVersion
from .ranker import carry_ranker, ranker_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IncrementalUpdate:
    """What an update did: the new active version, or why nothing changed."""

    version: ModelVersion | None = None  # the new version: active, or rejected when `refused` says why
    skipped: str = ""
    refused: str = ""
    profiles: int = 0
    interactions: int = 0

    def as_result(self) -> dict:
        if self.version is None:
            return {"skipped": self.skipped}
        if self.refused:
            return {"refused": self.version.version, "reason": self.refused}
        return {"version": self.version.version, "updated_from": self.version.updated_from.version,
                "profiles": self.profiles, "interactions": self.interactions}


def update_active_model(*, epochs: int | None = None, progress: Progress | None = None) -> IncrementalUpdate:
    """Fold new behaviour into the active model as a new active version. Raises JobAlreadyRunning while a
    training or another update holds the training lock (the two never run at once)."""
    with exclusive_job(training.LOCK_NAME):
        return _update(epochs or settings.RECOMMENDER_INCREMENTAL_EPOCHS, progress or no_progress)


def _update(epochs: int, progress: Progress) -> IncrementalUpdate:
    active = ModelVersion.objects.filter(is_active=True).first()
    if active is None:
        return IncrementalUpdate(skipped="no active model to update")
    pending = ModelVersion.objects.filter(status=ModelVersion.Status.TRAINING).first()
    if pending is not None:
        # A nightly version whose profiles are still being scored on other workers goes live after this.
        return IncrementalUpdate(skipped=f"v{pending.version} is still being trained or scored")
    if not active.learner_state or active.trained_until is None:
        return IncrementalUpdate(
            skipped=f"v{active.version} has no LightFM state to resume (fitted before incremental updates); "
            "the next nightly fit stores one"
        )
    started = timezone.now()  # the new version's watermark, taken before reading
    emb = load_artifact(active)
    user_index = {int(pk): i for i, pk in enumerate(emb.user_ids.tolist())}
    item_index = {int(pk): i for i, pk in enumerate(emb.item_ids.tolist())}
    # Profiles and titles added since the fit have no row or column in the model's matrices (LightFM's
    # shapes are fixed): they wait for the nightly full fit, and cold start serves them meanwhile.
    new = {(p, t) for p, t in behaviour_since(active.trained_until) if p in user_index and t in item_index}
    if not new:
        return IncrementalUpdate(skipped=f"no new behaviour on titles v{active.version} knows since it was fitted")
    changed = sorted({p for p, _ in new})
    # Each changed profile's whole history, not only its new events: a new thumbs-down overrides an old
    # view of the same title, and WARP would otherwise sample the profile's older likes as negatives.
    events = read_events(user_index, item_index, changed)
    params = HybridParams.from_dict(active.hyperparams)
    pairs = fold_events(events, params.signals)
    if not (pairs.weight > 0).any():
        return IncrementalUpdate(skipped=f"the {len(changed)} profiles with new behaviour like no title yet")
    held = update_held_out(events, pairs, active.trained_until.timestamp())
    fitted, held_out = pairs.take(~held), pairs.take(held)
    if not held.any() or not (fitted.weight > 0).any():
        # Nothing to judge the update on (e.g. only dislikes or re-watches): the nightly fit folds it in.
        return IncrementalUpdate(skipped=f"nothing to judge an update on: the {len(changed)} profiles with new "
                                         f"behaviour liked no title new since v{active.version}'s fit, or only the "
                                         "one each holds out for the gate; the nightly fit folds it in")
    judged = int(len(np.unique(held_out.user)))
    min_profiles = settings.RECOMMENDER_UPDATE_GATE_MIN_PROFILES
    if too_few_to_judge(judged, min_profiles):
        # One title per profile: on a handful the verdict would be one rank swap; the nightly fit folds it in.
        return IncrementalUpdate(skipped=f"too few profiles to judge an update on: {judged} with a new liked title "
                                         f"since v{active.version}'s fit, fewer than "
                                         f"RECOMMENDER_UPDATE_GATE_MIN_PROFILES={min_profiles}; "
                                         "the nightly fit folds it in")

    version = ModelVersion.objects.create(
        version=(ModelVersion.objects.aggregate(n=Max("version"))["n"] or 0) + 1,
        hyperparams=active.hyperparams,
        data_size={**active.data_size, "updated_profiles": len(changed), "new_interactions": len(new)},
        trained_until=started,
        updated_from=active,
        # The baselines' comparison needs a full fit on a time split: the next nightly fit judges this
        # version's configuration again. The update's own gate ("gate" below) is on its held-out titles.
        metrics={"incremental": {"from_version": active.version, "epochs": epochs, "profiles": len(changed),
                                 "new_interactions": len(new), "pairs_refitted": len(fitted)}},
        note=f"incremental update of v{active.version}: {len(changed)} profiles, {epochs} epochs of fit_partial",
    )
    steps = epochs + 3
    try:
        state = load_learner_state(active)
        model = state.resume(params)  # a copy: the active version's state is read, never written
        interactions, weights = interaction_matrices(fitted, len(emb.user_ids), len(emb.item_ids), params.loss)
        for epoch in range(epochs):
            # LightFM raises ValueError if the parameters stop being finite (a diverged update).
            model.fit_partial(interactions, user_features=state.user_features, item_features=state.item_features,
                              sample_weight=weights, epochs=1, num_threads=settings.RECOMMENDER_THREADS)
            progress(epoch + 1, steps, f"fit_partial epoch {epoch + 1}/{epochs}")
        updated = embeddings_of(
            model, state.item_features, state.user_features, user_ids=emb.user_ids, item_ids=emb.item_ids,
            user_feature_names=emb.user_feature_names, item_feature_names=emb.item_feature_names,
            item_popularity=emb.item_popularity,  # recounted by the nightly fit
        )
        progress(epochs, steps, "judging the update on the held-out titles")
        tolerance = settings.RECOMMENDER_NDCG_TOLERANCE
        verdict = judge_update(emb, updated, fitted, held_out, tolerance, min_profiles=min_profiles)
        version.metrics["incremental"]["gate"] = verdict | {"active_version": active.version}
        if not verdict["passed"]:
            return _refuse(version, active, verdict, profiles=len(changed), interactions=len(new))
        version.artifact = save_artifact(version, updated)
        version.learner_state = save_learner_state(version, LearnerState.of(model, state.item_features,
                                                                            state.user_features))
        if active.ranker:
            rows = np.array([user_index[pk] for pk in changed])
            # The ranker's own pairs are folded with the default weights, as in training.
            version.ranker = carry_ranker(active, version, rows, fold_events(events, SignalWeights()))
        version.save()
        progress(epochs + 1, steps, "title neighbours")
        _copy_candidates(active, version)
        write_neighbours(version, updated)
        progress(epochs + 2, steps, f"re-scoring {len(changed)} profiles")
        chunk = settings.RECOMMENDER_FANOUT_CHUNK
        for start in range(0, len(changed), chunk):
            rescore_profiles(version, changed[start : start + chunk])
        training.activate(version)
    except BaseException as error:
        log.exception("incremental update of v%s failed; v%s stays active", active.version, active.version)
        _discard(version, f"incremental update of v{active.version} failed, v{active.version} stays active: "
                          f"{type(error).__name__}: {error}")
        raise
    training.prune_old_versions()
    progress(steps, steps, "done")
    version.refresh_from_db()
    return IncrementalUpdate(version=version, profiles=len(changed), interactions=len(new))


def _refuse(version: ModelVersion, active: ModelVersion, verdict: dict, *, profiles: int,
            interactions: int) -> IncrementalUpdate:
    """Record the gate's refusal on `version` (nothing of it was written yet); the active version stays."""
    low, high = verdict["interval"]
    reason = (
        f"held-out NDCG@10 {verdict['ndcg@10']:.4f} is worse than active v{active.version}'s "
        f"{verdict['active_ndcg@10']:.4f} on the newest new liked title of {verdict['held_out_profiles']} profiles, "
        f"beyond the tolerance of {verdict['tolerance']:.0%} with 95% confidence (paired difference interval "
        f"[{low:+.4f}, {high:+.4f}] below {verdict['refuse_below']:+.4f}); v{active.version} stays active"
    )
    version.status = ModelVersion.Status.REJECTED
    version.note = f"incremental update of v{active.version} refused: {reason}"
    version.save(update_fields=["status", "note", "metrics"])
    log.warning("incremental update v%s refused: %s", version.version, reason)
    return IncrementalUpdate(version=version, refused=reason, profiles=profiles, interactions=interactions)


def _copy_candidates(source: ModelVersion, version: ModelVersion) -> None:
    """`source`'s stored candidates under `version`, in one statement (re-scoring then replaces the changed
    profiles' rows, as a batch-scoring chunk does)."""
    table = connection.ops.quote_name(Candidate._meta.db_table)
    columns = [connection.ops.quote_name(f.column) for f in Candidate._meta.concrete_fields
               if f.column not in ("id", "model_version_id")]
    listed = ", ".join(columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (model_version_id, {listed}) SELECT %s, {listed} FROM {table} "
            "WHERE model_version_id = %s",
            [version.pk, source.pk],
        )


def _discard(version: ModelVersion, note: str) -> None:
    """Mark a version that never went live failed and remove what it wrote (its rows and files)."""
    ModelVersion.objects.filter(pk=version.pk).update(status=ModelVersion.Status.FAILED, note=note[:2000])
    Candidate.objects.filter(model_version=version).delete()
    ItemNeighbour.objects.filter(model_version=version).delete()
    for name, path in ((version.artifact, artifact_path), (version.ranker, ranker_path),
                       (version.learner_state, learner_state_path)):
        if name:
            path(version).unlink(missing_ok=True)
