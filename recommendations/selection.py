"""Exact top-n per row of a score block, compiled with numba: the selection step of batch scoring.

Imported only where batch scoring runs (the ml worker, `train_recommender`), never by the web tier.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(nogil=True, cache=True)
def _keep_best(values: np.ndarray, labels: np.ndarray, kept: int, capacity: int, value, label: int) -> int:
    """Insert (value, label) into the descending buffer values[:kept], after equal values; return the new count.

    A full buffer (kept == capacity) drops its last entry for a greater value and ignores any other.
    """
    if kept < capacity:
        slot = kept
        kept += 1
    elif value > values[capacity - 1]:
        slot = capacity - 1
    else:
        return kept
    while slot > 0 and values[slot - 1] < value:
        values[slot] = values[slot - 1]
        labels[slot] = labels[slot - 1]
        slot -= 1
    values[slot] = value
    labels[slot] = label
    return kept


@numba.njit(nogil=True, cache=True)
def top_n_rows(
    scores: np.ndarray, bias: np.ndarray, seen_indptr: np.ndarray, seen_columns: np.ndarray, n: int, samples: int
) -> tuple[np.ndarray, np.ndarray]:
    """(columns, scores) of each row's n best, best first, equal scores by lower column.

    `bias` (one per column) is added to every row and seen entries are set to -inf, in place.

    Exact, and about twice as fast as a heap top-k over ~10k titles (bench/recommend.py). The first
    `samples` columns must be a spread sample of the titles: their rank-th best score, with rank chosen
    so that ~2n scores in the row reach it, is the cut-off. One pass inserts the scores at or above
    it into a sorted buffer of n, raising the cut-off to the buffer's last score once it is full. If
    n scores reached the cut-off, the n best are among them; if fewer did (a row with many seen
    titles), the rank grows and the pass repeats. `seen_indptr` / `seen_columns` are a CSR of each
    row's seen columns. Releases the GIL, so chunks run in parallel on plain threads.
    """
    rows, cols = scores.shape
    n = min(n, cols)
    best = np.empty((rows, n), np.int64)
    best_scores = np.empty((rows, n), np.float32)
    if n == 0:
        return best, best_scores
    samples = max(1, min(samples, cols))
    first_rank = min(samples, max(1, (2 * n * samples) // cols))
    sampled = np.empty(samples, np.float32)  # the rank best sampled scores, descending
    sampled_columns = np.empty(samples, np.int64)
    for r in range(rows):
        row, top, where = scores[r], best_scores[r], best[r]
        row += bias
        for j in range(seen_indptr[r], seen_indptr[r + 1]):
            row[seen_columns[j]] = -np.inf
        rank = first_rank
        while True:
            kept = 0
            for c in range(samples):
                kept = _keep_best(sampled, sampled_columns, kept, rank, row[c], c)
            cutoff = sampled[kept - 1] if rank < samples else -np.inf  # all sampled: take every column
            found = 0
            for c in range(cols):
                value = row[c]
                if value >= cutoff:
                    found = _keep_best(top, where, found, n, value, c)
                    if found == n:
                        cutoff = top[n - 1]
            if found == n or cutoff == -np.inf:
                break
            rank = min(samples, rank * 4)
        for c in range(cols):  # only NaN scores fail a cut-off of -inf: they go last
            if found == n:
                break
            if not row[c] >= -np.inf:
                top[found] = row[c]
                where[found] = c
                found += 1
    return best, best_scores
