"""Batch scoring's compiled top-n selection gives exactly what a full sort gives, whatever the rows hold."""

import numpy as np
import pytest

from recommendations.selection import top_n_rows


def full_sort(scores, seen_rows, n, bias=None):
    """The reference: add the bias, mask, then a stable sort of every column by score, best first."""
    masked = scores + (0 if bias is None else bias)
    for row, columns in enumerate(seen_rows):
        masked[row, columns] = -np.inf
    best = np.argsort(-masked, axis=1, kind="stable")[:, :n]
    return best, np.take_along_axis(masked, best, axis=1)


def as_csr(seen_rows):
    indptr = np.cumsum([0] + [len(columns) for columns in seen_rows]).astype(np.int32)
    columns = np.concatenate([np.asarray(c, dtype=np.int64) for c in seen_rows]) if seen_rows else np.zeros(0, np.int64)
    return indptr, columns


@pytest.mark.parametrize(
    ("rows", "cols", "n", "samples"),
    [(40, 3000, 100, 188), (7, 50, 5, 4), (5, 120, 120, 8), (3, 10, 4, 1), (4, 200, 30, 200)],
)
def test_selection_matches_a_full_sort(rows, cols, n, samples):
    rng = np.random.default_rng(rows * cols)
    scores = rng.normal(size=(rows, cols)).astype(np.float32)
    bias = rng.normal(size=cols).astype(np.float32)
    seen_rows = [rng.choice(cols, size=rng.integers(0, cols // 3), replace=False) for _ in range(rows)]
    expected_best, expected_scores = full_sort(scores, seen_rows, n, bias)

    best, best_scores = top_n_rows(scores, bias, *as_csr(seen_rows), n, samples)

    assert np.array_equal(best_scores, expected_scores)
    assert np.array_equal(best, expected_best)


def test_rows_with_most_titles_seen_still_get_their_best_unseen_first():
    """The sampled cut-off lets too few scores through when the sampled titles were all seen: the pass repeats."""
    rng = np.random.default_rng(7)
    scores = rng.normal(size=(3, 1000)).astype(np.float32)
    seen_rows = [np.arange(0, 990), np.arange(0, 64), np.arange(500, 1000)]  # the first 64 columns are the sample

    best, best_scores = top_n_rows(scores.copy(), np.zeros(1000, np.float32), *as_csr(seen_rows), 20, 64)

    expected_best, expected_scores = full_sort(scores, seen_rows, 20)
    assert np.array_equal(best_scores, expected_scores) and np.array_equal(best, expected_best)
    assert set(best[0][:10]) == set(range(990, 1000)) and np.isneginf(best_scores[0][10:]).all()


def test_equal_scores_keep_the_lower_column_first():
    scores = np.array([[1, 3, 3, 2, 3, 0, 3]], dtype=np.float32)

    best, best_scores = top_n_rows(scores, np.zeros(7, np.float32), *as_csr([np.zeros(0, np.int64)]), 4, 3)

    assert best[0].tolist() == [1, 2, 4, 6] and best_scores[0].tolist() == [3, 3, 3, 3]


def test_nan_scores_come_last_and_are_never_dropped():
    scores = np.array([[np.nan, 0.5, np.nan, 0.2]], dtype=np.float32)

    best, best_scores = top_n_rows(scores, np.zeros(4, np.float32), *as_csr([np.zeros(0, np.int64)]), 4, 2)

    assert best[0].tolist()[:2] == [1, 3] and sorted(best[0].tolist()[2:]) == [0, 2]
    assert np.isnan(best_scores[0][2:]).all()


def test_no_titles_or_n_of_zero_give_empty_lists():
    for scores, n in ((np.zeros((2, 0), np.float32), 5), (np.ones((2, 3), np.float32), 0)):
        best, best_scores = top_n_rows(scores, np.zeros(scores.shape[1], np.float32), *as_csr([[], []]), n, 1)
        assert best.shape == best_scores.shape == (2, 0)
