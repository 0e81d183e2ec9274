"""The model lifecycle: train under a lock, evaluate against baselines, gate, store candidates, activate atomically.

A version is the hybrid's embeddings plus, when the data allows, the two-stage ranker over them
(`ranker.py`); both files are kept with the version, judged by the gate on what it serves, and rolled
back together. Judging lives in `gate.py`, writing candidates in `candidates.py`.

A worker killed at any point before `activate` leaves the active model and its candidates untouched:
new candidates are written under the new version's id and only the final one-row switch makes them live.
"""

from __future__ import annotations

import logging
import time
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from jobs import Progress, exclusive_job, no_progress

from . import fanout
from .artifacts import (  # noqa: F401 (public here too)
    artifact_path,
    learner_state_path,
    load_artifact,
    save_artifact,
    save_learner_state,
)
from .behaviour import dataset_from_database
from .candidates import (  # noqa: F401 (public here too: tasks and the bench call them through training)
    maturity_mask,
    rescore_profiles,
    store_candidates,
    write_candidates,
    write_neighbours,
)
from .dataset import SignalWeights, fold_events
from .evaluation import make_split
from .gate import active_ndcg_for_gate, evaluate_against_baselines, passes_quality_gate  # noqa: F401
from .hybrid import HybridParams, HybridRecommender
from .models import Candidate, HyperparameterTrial, ItemNeighbour, ModelVersion
from .ranker import RankerConfig, RankerUnavailable, fit_ranker, ranker_path, save_ranker

log = logging.getLogger(__name__)
LOCK_NAME = "recommendations.train"


class NotEnoughData(Exception):
    """There is no positive behaviour to learn from yet."""


class RollbackError(Exception):
    """The requested version cannot be made active (no artefact, never scored, or failed)."""


def setting(name: str, default):
    return getattr(settings, name, default)


def best_params() -> HybridParams:
    """The best trial of the latest search, else the defaults."""
    latest = HyperparameterTrial.objects.order_by("-created_at").values_list("search_id", flat=True).first()
    if latest:
        trial = HyperparameterTrial.objects.filter(search_id=latest).order_by("-validation_ndcg").first()
        return HybridParams.from_dict(trial.params)
    return HybridParams.from_dict(setting("RECOMMENDER_DEFAULT_PARAMS", {}))


def train_recommender(
    *, params: HybridParams | None = None, progress: Progress | None = None, evaluate: bool = True
) -> ModelVersion:
    """Train, evaluate, gate and (if it passes) activate a new model. Raises JobAlreadyRunning if one is training."""
    with exclusive_job(LOCK_NAME):
        return _train(params or best_params(), progress or no_progress, evaluate)


def _train(params: HybridParams, progress: Progress, evaluate: bool) -> ModelVersion:
    # Under the lock, a version still marked training was left by a worker that died.
    ModelVersion.objects.filter(status=ModelVersion.Status.TRAINING).update(
        status=ModelVersion.Status.FAILED, note="interrupted: the training process stopped before finishing"
    )
    # Taken before reading: behaviour written from here on is what the next incremental update folds in.
    trained_until = timezone.now()
    data = dataset_from_database()
    pairs = fold_events(data.events, SignalWeights())
    if not (pairs.weight > 0).any():
        raise NotEnoughData("no positive viewing, rating, list or search signal to learn from")
    next_number = (ModelVersion.objects.aggregate(n=Max("version"))["n"] or 0) + 1
    version = ModelVersion.objects.create(
        version=next_number,
        hyperparams=params.as_dict(),
        data_size={"profiles": data.n_users, "titles": data.n_items, "interactions": len(pairs), "events": len(data.events)},
        trained_until=trained_until,
    )
    active = ModelVersion.objects.filter(is_active=True).first()
    try:
        progress(0, 4, "evaluating against baselines")
        if evaluate:
            try:
                version.metrics = evaluate_against_baselines(data, pairs, params, active=active)
            except ValueError as error:  # too little held-out data to judge
                version.note = f"not evaluated: {error}"
        progress(1, 4, "training on all data")
        started = time.perf_counter()
        model = HybridRecommender(params, threads=setting("RECOMMENDER_THREADS", 2))
        trained_pairs = model.fit_events(data, progress=lambda d, t, _: progress(d, t, f"training epoch {d}/{t}"))
        version.artifact = save_artifact(version, model.embeddings)
        version.learner_state = save_learner_state(version, model.learner_state())
        ranker = None
        if "two_stage" in version.metrics or not version.metrics:  # judged as a ranker, or not judged at all
            progress(1, 4, "training the two-stage ranker")
            ranker = _fit_ranker(version, data, pairs, params, model.embeddings)
        version.training_seconds = round(time.perf_counter() - started, 2)
        version.save()

        active = ModelVersion.objects.filter(is_active=True).first()
        tolerance = settings.RECOMMENDER_NDCG_TOLERANCE
        active_ndcg = active_ndcg_for_gate(version, active) if active else None
        if active and not passes_quality_gate(version.ndcg, active_ndcg, tolerance):
            version.status = ModelVersion.Status.REJECTED
            version.note = (
                f"held-out NDCG@10 {version.ndcg} is worse than active v{active.version}'s {active_ndcg} "
                f"on the same split beyond the tolerance of {tolerance:.0%}; v{active.version} stays active"
            )
            version.save()
            return version
        if data.n_users > fanout.fanout_threshold():
            # Too many profiles for this worker: neighbours here, profiles in chunks on every ml worker;
            # the chord's callback activates the version once every chunk is written.
            progress(2, 4, "neighbours here, profiles fanned out to ml workers")
            write_neighbours(version, model.embeddings)
            fanout.score_in_chunks(version, [int(pk) for pk in model.embeddings.user_ids.tolist()])
            version.refresh_from_db()
            return version
        progress(2, 4, "scoring every profile")
        store_candidates(version, data, model.embeddings, trained_pairs, progress=progress, ranker=ranker)
        progress(3, 4, "activating")
        activate(version)
        prune_old_versions()
        progress(4, 4, "done")
        version.refresh_from_db()
        return version
    except BaseException as error:
        ModelVersion.objects.filter(pk=version.pk).update(
            status=ModelVersion.Status.FAILED, note=f"{type(error).__name__}: {error}"[:2000]
        )
        raise


def _fit_ranker(version: ModelVersion, data, pairs, params: HybridParams, emb) -> object | None:
    """Fit and store the ranker on `version` (its `ranker` file); None, with a note, when the data is too thin."""
    config = RankerConfig.from_metrics(version.metrics or {})
    try:
        model = fit_ranker(data, pairs, params, emb, config, threads=setting("RECOMMENDER_THREADS", 2))
    except RankerUnavailable as error:
        version.metrics.pop("two_stage", None)  # the version serves the hybrid, so it is judged as one
        version.note = f"no two-stage ranker ({error}); the hybrid ranks alone"
        return None
    version.ranker = save_ranker(version, model, data, pairs, config)
    return model


def activate(version: ModelVersion) -> None:
    """Make `version` the one active model in a single transaction; the previous one is kept for rollback."""
    with transaction.atomic():
        list(ModelVersion.objects.select_for_update().filter(is_active=True))
        ModelVersion.objects.filter(is_active=True).exclude(pk=version.pk).update(
            is_active=False, status=ModelVersion.Status.RETIRED
        )
        ModelVersion.objects.filter(pk=version.pk).update(
            is_active=True, status=ModelVersion.Status.ACTIVE, activated_at=timezone.now()
        )


def rollback(to: ModelVersion | None = None) -> ModelVersion:
    """Re-activate `to` (default: the most recently retired version) if its artefact and candidates still exist."""
    if to is None:
        to = (
            ModelVersion.objects.filter(status=ModelVersion.Status.RETIRED)
            .order_by("-activated_at", "-version")
            .first()
        )
        if to is None:
            raise RollbackError("there is no previously active version to roll back to")
    if to.status not in (ModelVersion.Status.RETIRED, ModelVersion.Status.ACTIVE):
        raise RollbackError(f"v{to.version} was never active ({to.get_status_display()}); only retired versions return")
    if not to.artifact or not artifact_path(to).is_file():
        raise RollbackError(f"v{to.version}'s artefact file {to.artifact!r} is missing")
    if to.ranker and not ranker_path(to).is_file():
        raise RollbackError(f"v{to.version}'s ranker file {to.ranker!r} is missing")
    activate(to)
    to.refresh_from_db()
    return to


def versions_to_prune(keep: int) -> list[ModelVersion]:
    """Once-active versions outside the rollback window of the newest `keep` full fits.

    The window is counted in full (nightly) fits, not in versions: the daily incremental updates activated
    since the oldest kept fit stay too, so they do not shorten it. Storage is then about two versions a day;
    a cap of 3 x `keep` versions bounds it when full fits stop going live while updates continue.
    """
    once_active = list(ModelVersion.objects.filter(
        status__in=[ModelVersion.Status.ACTIVE, ModelVersion.Status.RETIRED]
    ).order_by("-is_active", "-activated_at", "-version"))
    fits = [v for v in once_active if v.updated_from_id is None and v.activated_at is not None]
    fits.sort(key=lambda v: v.activated_at, reverse=True)
    since = fits[keep - 1].activated_at if len(fits) >= keep else None
    in_window = [v for v in once_active
                 if v.is_active or since is None or (v.activated_at is not None and v.activated_at >= since)]
    kept = {v.pk for v in in_window[:3 * keep]}
    return [v for v in once_active if v.pk not in kept]


def prune_old_versions(keep: int | None = None) -> None:
    """Drop candidates, neighbours and artefacts of the versions outside the rollback window (see above)."""
    keep = keep or setting("RECOMMENDER_KEEP_VERSIONS", 3)
    for old in versions_to_prune(keep):
        Candidate.objects.filter(model_version=old).delete()
        ItemNeighbour.objects.filter(model_version=old).delete()
        if old.artifact:
            artifact_path(old).unlink(missing_ok=True)
        if old.ranker:
            ranker_path(old).unlink(missing_ok=True)
        if old.learner_state:
            learner_state_path(old).unlink(missing_ok=True)
        ModelVersion.objects.filter(pk=old.pk).update(
            status=ModelVersion.Status.FAILED, note="pruned: artefact and candidates removed to bound storage"
        )


def run_hyperparameter_search(
    *, trials: int = 8, protocol: str = "time", progress: Progress | None = None, seed: int = 0
) -> str:
    """Search on a validation split inside the time split's training part; store each trial. Returns the search id."""
    from .tuning import search

    data = dataset_from_database()
    pairs = fold_events(data.events, SignalWeights())
    train = make_split(pairs, protocol).train  # the test part stays unseen by the search
    search_id = str(uuid.uuid4())

    def keep(result) -> None:
        HyperparameterTrial.objects.create(
            search_id=search_id, protocol=protocol, params=result.params.as_dict(), metrics=result.metrics,
            validation_ndcg=result.ndcg, seconds=round(result.seconds, 2),
        )

    search(data, train, protocol, trials=trials, seed=seed, base=best_params(), progress=progress, on_trial=keep)
    return search_id


def enqueue_batch_scoring(version: ModelVersion | None = None, *, chunk: int = 2000) -> int:
    """Spread re-scoring of every profile over `ml` workers, `chunk` profiles per task; returns the task count."""
    from accounts.models import Profile
    from jobs import enqueue_on_commit

    version = version or ModelVersion.objects.filter(is_active=True).first()
    if version is None:
        return 0
    ids = list(Profile.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), chunk):
        # By name: tasks.py imports this module, and the task is resolved when the send happens.
        enqueue_on_commit("recommendations.tasks.score_profiles_task", version.pk, ids[start : start + chunk])
    return (len(ids) + chunk - 1) // chunk
