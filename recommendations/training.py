"""The model lifecycle: train under a lock, evaluate against baselines, gate, store candidates, activate atomically.

A worker killed at any point before `activate` leaves the active model and its candidates untouched:
new candidates are written under the new version's id and only the final one-row switch makes them live.
"""

from __future__ import annotations

import logging
import time
import uuid

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from activity.models import Rating, ViewingEvent
from activity.opinions import is_disliked, is_liked
from jobs import Progress, exclusive_job

from . import fanout
from .artifacts import artifact_path, load_artifact, save_artifact  # noqa: F401 (public here too)
from .baselines import BASELINES, make_baseline
from .behaviour import dataset_from_database
from .dataset import Dataset, Pairs, SignalWeights, fold_events
from .evaluation import evaluate_model, make_split
from .hybrid import Embeddings, HybridParams, HybridRecommender
from .models import Candidate, HyperparameterTrial, ItemNeighbour, ModelVersion
from .scoring import item_neighbours, peer_lists, top_n_for_users

log = logging.getLogger(__name__)
LOCK_NAME = "recommendations.train"


class NotEnoughData(Exception):
    """There is no positive behaviour to learn from yet."""


class RollbackError(Exception):
    """The requested version cannot be made active (no artefact, never scored, or failed)."""


def _noop(done: int, total: int, note: str = "") -> None:
    return None


def setting(name: str, default):
    return getattr(settings, name, default)


def passes_quality_gate(new_ndcg: float | None, active_ndcg: float | None, tolerance: float) -> bool:
    """A new model may replace the active one unless its held-out NDCG@10 is worse by more than `tolerance` (relative)."""
    if active_ndcg is None:
        return True
    if new_ndcg is None:
        return False
    return new_ndcg >= active_ndcg * (1.0 - tolerance)


def evaluate_against_baselines(
    data: Dataset, pairs: Pairs, params: HybridParams, protocol: str = "time", *, threads: int = 2, seed: int = 0,
    active: ModelVersion | None = None,
) -> dict[str, dict]:
    """Hybrid and every baseline on one split of `pairs`: {"hybrid": {...}, "popularity": {...}, ...}.

    With `active`, its configuration is also fitted and scored on this same split, under "gate", so
    the quality gate compares the two models on today's data rather than against a score from the
    data the active model was judged on.
    """
    split = make_split(pairs, protocol, seed=seed)
    results = {"hybrid": evaluate_model(HybridRecommender(params, seed=seed, threads=threads), data, split)}
    for name in BASELINES:
        results[name] = evaluate_model(make_baseline(name, protocol, seed), data, split)
    if active is not None and active.hyperparams:
        same_split = evaluate_model(
            HybridRecommender(HybridParams.from_dict(active.hyperparams), seed=seed, threads=threads), data, split
        )
        results["gate"] = {"active_version": active.version, "active_ndcg@10": same_split["ndcg@10"]}
    return results


def active_ndcg_for_gate(version: ModelVersion, active: ModelVersion) -> float | None:
    """The active model's held-out NDCG@10 on the new version's split when measured, else its own stored one."""
    gate = (version.metrics or {}).get("gate") or {}
    if gate.get("active_version") == active.version and gate.get("active_ndcg@10") is not None:
        return gate["active_ndcg@10"]
    return active.ndcg


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
        return _train(params or best_params(), progress or _noop, evaluate)


def _train(params: HybridParams, progress: Progress, evaluate: bool) -> ModelVersion:
    # Under the lock, a version still marked training was left by a worker that died.
    ModelVersion.objects.filter(status=ModelVersion.Status.TRAINING).update(
        status=ModelVersion.Status.FAILED, note="interrupted: the training process stopped before finishing"
    )
    data = dataset_from_database()
    pairs = fold_events(data.events, SignalWeights())
    if not (pairs.weight > 0).any():
        raise NotEnoughData("no positive viewing, rating, list or search signal to learn from")
    next_number = (ModelVersion.objects.aggregate(n=Max("version"))["n"] or 0) + 1
    version = ModelVersion.objects.create(
        version=next_number,
        hyperparams=params.as_dict(),
        data_size={"profiles": data.n_users, "titles": data.n_items, "interactions": len(pairs), "events": len(data.events)},
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
        version.training_seconds = round(time.perf_counter() - started, 2)
        version.artifact = save_artifact(version, model.embeddings)
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
        store_candidates(version, data, model.embeddings, trained_pairs, progress=progress)
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


def maturity_mask(user_ids: np.ndarray, item_ids: np.ndarray) -> sp.csr_matrix:
    """(profiles x titles) 1 where a title is above the profile's maturity limit (`Profile.allowed_ratings`).

    Batch scoring masks these with the seen titles, so a kids profile's stored candidates are titles it
    may see, drawn from the whole eligible catalogue, not the few eligible ones among everyone's top N.
    Region rights change over time and are left to request time (`ranking.available`).
    """
    from accounts.models import Profile
    from catalog.models import Title

    user_index = {int(pk): i for i, pk in enumerate(user_ids.tolist())}
    ratings = dict(Title.objects.values_list("pk", "maturity_rating"))
    item_ratings = np.array([ratings.get(int(pk), "") for pk in item_ids.tolist()], dtype=object)
    rows, cols = [], []
    limited = Profile.objects.exclude(maturity_limit=Profile.Maturity.ALL)  # few profiles: no id list in the SQL
    for pk, limit in limited.values_list("pk", "maturity_limit"):
        allowed = Profile.ALLOWED_RATINGS.get(limit)
        if allowed is None or pk not in user_index:
            continue
        hidden = np.flatnonzero(~np.isin(item_ratings, list(allowed)))
        rows.append(np.full(len(hidden), user_index[pk]))
        cols.append(hidden)
    rows_a = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    cols_a = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    return sp.csr_matrix(
        (np.ones(len(rows_a), dtype=np.float32), (rows_a, cols_a)), shape=(len(user_ids), len(item_ids))
    )


def _masked(seen: sp.csr_matrix, mask: sp.csr_matrix) -> sp.csr_matrix:
    out = (seen + mask).tocsr()
    out.data[:] = 1
    return out


def store_candidates(version: ModelVersion, data: Dataset, emb: Embeddings, pairs: Pairs, **kwargs) -> None:
    """Write every profile's candidates and every title's neighbours under `version` (right after training)."""
    seen = pairs.matrix(data.n_users, data.n_items, positive_only=False, binary=True)
    seen = _masked(seen, maturity_mask(emb.user_ids, emb.item_ids))
    liked = pairs.matrix(data.n_users, data.n_items, positive_only=True, binary=True)
    write_candidates(version, emb, np.arange(data.n_users), seen, liked, **kwargs)
    write_neighbours(version, emb)


def write_candidates(
    version: ModelVersion, emb: Embeddings, users: np.ndarray, seen: sp.csr_matrix, liked: sp.csr_matrix,
    *, chunk: int = 512, progress: Progress | None = None,
) -> None:
    """Top-N model candidates and peer lists for `users` (indexes into the artefact), chunk by chunk."""
    n = setting("RECOMMENDER_CANDIDATES", 100)
    profile_ids, title_ids = emb.user_ids, emb.item_ids
    sources = [
        (Candidate.Source.MODEL, top_n_for_users(emb, users, seen, n, chunk, workers=setting("RECOMMENDER_THREADS", 2))),
        (Candidate.Source.PEERS, peer_lists(emb, liked, users, seen, setting("RECOMMENDER_PEER_CANDIDATES", 50), chunk=chunk)),
    ]
    for source, chunks in sources:
        done = 0
        for batch, best, scores in chunks:
            rows = [
                Candidate(
                    model_version=version, profile_id=int(profile_ids[user]), title_id=int(title_ids[item]),
                    source=source, rank=rank, score=float(score),
                )
                for row, user in enumerate(batch)
                for rank, (item, score) in enumerate(zip(best[row], scores[row], strict=True))
                if np.isfinite(score)
            ]
            Candidate.objects.bulk_create(rows, batch_size=5000)
            done += len(batch)
            if progress:
                progress(done, max(1, len(users)), f"{source} candidates")


def write_neighbours(version: ModelVersion, emb: Embeddings) -> None:
    title_ids = emb.item_ids
    for batch, best, sims in item_neighbours(emb, setting("RECOMMENDER_NEIGHBOURS", 20)):
        ItemNeighbour.objects.bulk_create(
            [
                ItemNeighbour(
                    model_version=version, title_id=int(title_ids[item]), neighbour_id=int(title_ids[other]),
                    rank=rank, similarity=float(sim),
                )
                for row, item in enumerate(batch)
                for rank, (other, sim) in enumerate(zip(best[row], sims[row], strict=True))
            ],
            batch_size=5000,
        )


def rescore_profiles(version: ModelVersion, profile_ids: list[int], progress: Progress | None = None) -> int:
    """Replace `version`'s candidates for these profiles using their current history (a chunk of batch scoring)."""
    emb = load_artifact(version)
    user_index = {int(pk): i for i, pk in enumerate(emb.user_ids.tolist())}
    item_index = {int(pk): i for i, pk in enumerate(emb.item_ids.tolist())}
    wanted = [pk for pk in profile_ids if pk in user_index]
    if not wanted:
        return 0
    events = []
    for p, t, c in ViewingEvent.objects.filter(profile_id__in=wanted, hidden_at__isnull=True).values_list(
        "profile_id", "title_id", "completion"
    ):
        events.append((p, t, is_liked(completion=c)))
    dislike_at = SignalWeights().dislike_at
    for p, t, stars, thumb in Rating.objects.filter(profile_id__in=wanted).values_list(
        "profile_id", "title_id", "stars", "thumb"
    ):
        # Any rating that is not a dislike is positive evidence here, as a positive weight is in training.
        events.append((p, t, not is_disliked(stars, thumb, dislike_at=dislike_at)))
    shape = (len(emb.user_ids), len(emb.item_ids))
    known = [(user_index[p], item_index[t], good) for p, t, good in events if t in item_index]
    rows = np.array([u for u, _, _ in known], dtype=np.int64)
    cols = np.array([i for _, i, _ in known], dtype=np.int64)
    good = np.array([g for _, _, g in known], dtype=bool)
    seen = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=shape)
    seen.data[:] = 1
    seen = _masked(seen, maturity_mask(emb.user_ids, emb.item_ids))
    liked = sp.csr_matrix((np.ones(good.sum(), dtype=np.float32), (rows[good], cols[good])), shape=shape)
    with transaction.atomic():
        Candidate.objects.filter(model_version=version, profile_id__in=wanted).delete()
        write_candidates(version, emb, np.array([user_index[p] for p in wanted]), seen, liked, progress=progress)
    return len(wanted)


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
    activate(to)
    to.refresh_from_db()
    return to


def prune_old_versions(keep: int | None = None) -> None:
    """Drop candidates, neighbours and artefacts of all but the newest `keep` once-active versions."""
    keep = keep or setting("RECOMMENDER_KEEP_VERSIONS", 3)
    once_active = ModelVersion.objects.filter(
        status__in=[ModelVersion.Status.ACTIVE, ModelVersion.Status.RETIRED]
    ).order_by("-is_active", "-activated_at")
    for old in once_active[keep:]:
        Candidate.objects.filter(model_version=old).delete()
        ItemNeighbour.objects.filter(model_version=old).delete()
        if old.artifact:
            artifact_path(old).unlink(missing_ok=True)
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
