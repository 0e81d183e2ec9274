"""Writing a version's stored candidates: every profile's top picks (from the two-stage ranker when the
version has one, else the hybrid's own scores), peer lists and title neighbours, and re-scoring a chunk
of profiles from their current history (the unit of the fan-out)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db import transaction

from activity.models import Rating, ViewingEvent
from activity.opinions import is_disliked, is_liked
from jobs import Progress

from .artifacts import load_artifact
from .dataset import Dataset, Pairs, SignalWeights
from .hybrid import Embeddings
from .models import Candidate, ItemNeighbour, ModelVersion
from .scoring import PEER_POOL, item_neighbours, peer_lists, top_n_for_users


def setting(name: str, default):
    return getattr(settings, name, default)


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


def store_candidates(
    version: ModelVersion, data: Dataset, emb: Embeddings, pairs: Pairs, *, ranker=None, **kwargs
) -> None:
    """Write every profile's candidates and every title's neighbours under `version` (right after training)."""
    seen = pairs.matrix(data.n_users, data.n_items, positive_only=False, binary=True)
    seen = _masked(seen, maturity_mask(emb.user_ids, emb.item_ids))
    liked = pairs.matrix(data.n_users, data.n_items, positive_only=True, binary=True)
    write_candidates(version, emb, np.arange(data.n_users), seen, liked, ranker=ranker, **kwargs)
    write_neighbours(version, emb)


def write_candidates(
    version: ModelVersion, emb: Embeddings, users: np.ndarray, seen: sp.csr_matrix, liked: sp.csr_matrix,
    *, chunk: int = 512, progress: Progress | None = None, ranker=None,
) -> None:
    """Top-N candidates and peer lists for `users` (indexes into the artefact), chunk by chunk.

    With `ranker` (a fitted two-stage ranker over these embeddings) the top picks are its ranking, each
    row naming the generator that proposed the title and, for item-to-item generators, the liked title
    behind it; else the hybrid's own scores.
    """
    from . import ranker as two_stage_ranker  # scikit-learn and the generators: only when writing

    n = setting("RECOMMENDER_CANDIDATES", 100)
    profile_ids, title_ids = emb.user_ids, emb.item_ids
    if ranker is not None:
        top = two_stage_ranker.ranked_lists(ranker, users, seen, liked, n)
    else:
        hybrid = top_n_for_users(emb, users, seen, n, chunk, workers=setting("RECOMMENDER_THREADS", 2))
        top = ((batch, best, scores, None, None) for batch, best, scores in hybrid)
    peers = peer_lists(
        emb, liked, users, seen, setting("RECOMMENDER_PEER_CANDIDATES", 50), chunk=chunk,
        pool_size=setting("RECOMMENDER_PEER_POOL", PEER_POOL),
    )
    sources = [
        (Candidate.Source.MODEL, top),
        (Candidate.Source.PEERS, ((batch, best, scores, None, None) for batch, best, scores in peers)),
    ]
    for source, chunks in sources:
        done = 0
        for batch, best, scores, generators, anchors in chunks:
            rows = [
                Candidate(
                    model_version=version, profile_id=int(profile_ids[user]), title_id=int(title_ids[item]),
                    source=source, rank=rank, score=float(score),
                    generator=generators[row][rank] if generators is not None else "",
                    anchor_id=int(title_ids[anchors[row, rank]]) if anchors is not None and anchors[row, rank] >= 0 else None,
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
    from .ranker import load_ranker

    ranker = load_ranker(version, emb)  # the ranker also masks each profile's training history
    with transaction.atomic():
        Candidate.objects.filter(model_version=version, profile_id__in=wanted).delete()
        write_candidates(
            version, emb, np.array([user_index[p] for p in wanted]), seen, liked, progress=progress, ranker=ranker
        )
    return len(wanted)
