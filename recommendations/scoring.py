"""Batch scoring from embeddings: top-N per profile, item neighbours and peer-based lists, in bounded chunks.

Each function yields one chunk at a time, so memory is chunk x n_items whatever the number of profiles,
and a chunk is the unit a Celery worker can take.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np
import scipy.sparse as sp

from .evaluation import top_k
from .hybrid import Embeddings


def mask_rows(scores: np.ndarray, mask: sp.csr_matrix) -> None:
    """Set the masked (already seen) entries of each row to -inf, in place."""
    rows = np.repeat(np.arange(mask.shape[0]), np.diff(mask.indptr))
    scores[rows, mask.indices] = -np.inf


# One title in SAMPLE_STRIDE goes to the front of the layout, as the sample the selection takes its cut-off from.
SAMPLE_STRIDE = 16


def _typical_layout(emb: Embeddings) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """(order, position of each title in it, item vectors and biases in that order, sample size) for batch scoring.

    Titles are ordered as an average profile ranks them, so the selection's buffer fills with high
    scores early and most later scores fail the cut-off at once; every SAMPLE_STRIDE-th of them is
    moved to the front, a contiguous sample spread over the whole range. Vectors as rows, not
    transposed: BLAS takes `rows.T` without a copy. The bias is added by the selection as it reads
    each row, rather than folded into the product as a column (which cost a ~1.5 ms copy here).
    """
    typical = emb.item_bias + (emb.item_vectors @ emb.user_vectors.mean(axis=0) if len(emb.user_vectors) else 0)
    by_typical = np.argsort(-typical, kind="stable")
    sampled = np.zeros(len(by_typical), dtype=bool)
    sampled[::SAMPLE_STRIDE] = True
    order = np.concatenate([by_typical[sampled], by_typical[~sampled]])
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    # np.take, not fancy indexing: 0.3 against 1.8 ms here.
    rows = np.take(emb.item_vectors.astype(np.float32, copy=False), order, axis=0)
    return order, position, rows, np.take(emb.item_bias, order).astype(np.float32), int(sampled.sum())


@cache
def _thread_pools():
    """threadpoolctl's view of the loaded BLAS libraries; building it scans them (~2.5 ms), so once."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def effective_chunk(n_users: int, chunk: int, workers: int) -> int:
    """Profiles per chunk: `chunk`, but never so many that a worker goes without one."""
    return max(1, min(chunk, -(-n_users // max(1, workers))))


def top_n_for_users(
    emb: Embeddings, users: np.ndarray, seen: sp.csr_matrix, n: int, chunk: int = 512, workers: int = 2
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield (user indexes, top-n item indexes, their scores) chunk by chunk, in order.

    Each chunk is one BLAS product U_chunk @ V.T and one exact top-n selection compiled with numba
    (`selection.top_n_rows`, which also adds the item bias and masks seen titles).
    Titles are laid out in the order an average profile would rank them, with a spread sample in
    front (see `_typical_layout`). Chunks run on `workers` threads that are each single-threaded:
    left multithreaded, BLAS's own threads spin against the workers on few cores (measured in
    bench/recommend.py). Chunks are shrunk so that every worker gets one, never grown: one product
    per chunk is cheaper than several smaller ones (BLAS packs V once per product). At most
    `workers + 1` score blocks of chunk x n_items exist at once, whatever the number of profiles.
    """
    from .selection import top_n_rows  # numba: compiled code the web tier never needs

    n = min(n, emb.item_vectors.shape[0])
    workers = max(1, workers)
    chunk = effective_chunk(len(users), chunk, workers)

    def score(batch: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        scores = np.take(emb.user_vectors, batch, axis=0).astype(np.float32, copy=False) @ items.T
        contiguous = len(batch) and batch[-1] - batch[0] == len(batch) - 1 and np.all(np.diff(batch) == 1)
        rows_seen = seen[batch[0] : batch[-1] + 1] if contiguous else seen[batch]  # row slices are cheap
        best, best_scores = top_n_rows(scores, bias, rows_seen.indptr, position[rows_seen.indices], n, samples)
        return batch, order[best], best_scores

    with _thread_pools().limit(limits=1, user_api="blas"), ThreadPoolExecutor(workers) as pool:
        # Under the limit too: a multithreaded BLAS call here would leave threads spinning.
        order, position, items, bias, samples = _typical_layout(emb)
        pending: deque = deque()
        for start in range(0, len(users), chunk):
            pending.append(pool.submit(score, users[start : start + chunk]))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def item_neighbours(emb: Embeddings, k: int, chunk: int = 1024) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Yield (item indexes, k nearest items by cosine of item vectors, similarities), excluding the item itself."""
    vectors = emb.item_vectors / np.maximum(np.linalg.norm(emb.item_vectors, axis=1, keepdims=True), 1e-9)
    n_items = len(vectors)
    for start in range(0, n_items, chunk):
        batch = np.arange(start, min(start + chunk, n_items))
        sims = vectors[batch] @ vectors.T
        sims[np.arange(len(batch)), batch] = -np.inf
        best = top_k(sims, min(k, n_items - 1))
        yield batch, best, np.take_along_axis(sims, best, axis=1)


# How many profiles "viewers like you" may draw its peers from. Comparing every profile with every other
# is quadratic: at 100k profiles it was 98% of batch-scoring time (bench/scoring_scale.py). A bounded pool
# keeps scoring linear in the profile count, and the most active profiles are the peers with most to give.
PEER_POOL = 20_000


def peer_pool(liked: sp.csr_matrix, size: int = PEER_POOL) -> np.ndarray:
    """Sorted indexes of the candidate peers: every profile up to `size`, else the `size` that liked most titles.

    Ties go to the lower index, so every fan-out chunk, computing it from the same matrix, gets the same pool.
    """
    n = liked.shape[0]
    if size <= 0 or n <= size:
        return np.arange(n)
    most_active_first = np.lexsort((np.arange(n), -np.diff(liked.indptr)))
    return np.sort(most_active_first[:size])


def peer_lists(
    emb: Embeddings, liked: sp.csr_matrix, users: np.ndarray, seen: sp.csr_matrix, n: int,
    peers: int = 30, chunk: int = 512, pool_size: int = PEER_POOL,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Viewers like you: the titles the most similar profiles of the peer pool (cosine of user vectors) liked,
    weighted by similarity. A profile is never its own peer."""
    vectors = emb.user_vectors / np.maximum(np.linalg.norm(emb.user_vectors, axis=1, keepdims=True), 1e-9)
    pool = peer_pool(liked, pool_size)
    pool_vectors, pool_liked = vectors[pool], liked[pool]
    peers = min(peers, len(pool) - 1)
    for start in range(0, len(users), chunk):
        batch = users[start : start + chunk]
        if peers < 1:
            yield batch, np.zeros((len(batch), 0), dtype=np.int64), np.zeros((len(batch), 0))
            continue
        sims = vectors[batch] @ pool_vectors.T
        at = np.minimum(np.searchsorted(pool, batch), len(pool) - 1)
        in_pool = pool[at] == batch
        sims[np.flatnonzero(in_pool), at[in_pool]] = -np.inf
        nearest = top_k(sims, peers)
        weights = np.maximum(np.take_along_axis(sims, nearest, axis=1), 0)
        rows = np.repeat(np.arange(len(batch)), peers)
        peer_matrix = sp.csr_matrix((weights.ravel(), (rows, nearest.ravel())), shape=(len(batch), len(pool)))
        scores = (peer_matrix @ pool_liked).toarray().astype(np.float32)
        mask_rows(scores, seen[batch])
        scores[scores <= 0] = -np.inf  # only titles some peer actually liked
        best = top_k(scores, n)
        yield batch, best, np.take_along_axis(scores, best, axis=1)
