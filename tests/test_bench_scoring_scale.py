"""The scale benchmark's synthetic profiles look like the trained ones, and its projection fits what it measured."""

import importlib.util
from pathlib import Path

import numpy as np

from recommendations.hybrid import Embeddings

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "scoring_scale.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("scoring_scale", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def trained_embeddings(n_users=40, n_items=60, d=8):
    rng = np.random.default_rng(1)
    return Embeddings(
        item_vectors=rng.normal(size=(n_items, d)).astype(np.float32),
        item_bias=rng.normal(size=n_items).astype(np.float32),
        user_vectors=(rng.normal(size=(n_users, d)) + 2.0).astype(np.float32),
        user_feature_vectors=np.zeros((0, d), dtype=np.float32),
        user_feature_names=[],
        user_ids=np.arange(n_users, dtype=np.int64),
        item_ids=np.arange(100, 100 + n_items, dtype=np.int64),
        item_popularity=rng.integers(0, 50, size=n_items).astype(np.float32),
    )


def test_it_makes_the_asked_number_of_profiles_with_a_few_seen_titles_each():
    bench = load_bench()
    emb = trained_embeddings()

    profiles, seen, liked = bench.synthetic_profiles(emb, 500, seen_range=(3, 20))

    assert profiles.user_vectors.shape == (500, 8)
    assert len(profiles.user_ids) == len(set(profiles.user_ids.tolist())) == 500
    assert profiles.item_ids is emb.item_ids
    per_profile = np.diff(seen.indptr)
    assert seen.shape == liked.shape == (500, 60)
    assert per_profile.min() >= 1 and per_profile.max() <= 20
    assert (liked - liked.multiply(seen)).nnz == 0  # liked titles are seen ones
    # Drawn around the trained users' mean, not the origin.
    assert np.allclose(profiles.user_vectors.mean(axis=0), emb.user_vectors.mean(axis=0), atol=0.3)


def test_the_per_profile_model_recovers_a_cost_that_grows_with_the_profiles_compared():
    bench = load_bench()
    pool = bench.PEER_POOL
    rows = [{"profiles": p, "peers_s": p * (2e-4 + 3e-9 * min(p, pool))} for p in (1_000, 10_000, 100_000)]

    intercept, slope = bench.per_profile_model(rows, "peers_s")

    assert np.isclose(intercept, 2e-4) and np.isclose(slope, 3e-9)


def test_past_the_peer_pool_the_projection_grows_linearly():
    bench = load_bench()
    rows = [{"profiles": p, "top_n_s": p * 1e-4, "peers_s": p * (2e-4 + 3e-9 * min(p, bench.PEER_POOL))}
            for p in (1_000, 10_000, 100_000)]

    ten_million = bench.projection(rows, 10_000_000)["peers"]
    twenty_million = bench.projection(rows, 20_000_000)["peers"]

    assert np.isclose(twenty_million, 2 * ten_million)
