"""'Viewers like you' draws its peers from a bounded pool of the most active profiles, so batch scoring stays linear."""

import numpy as np
import scipy.sparse as sp

from recommendations.hybrid import Embeddings
from recommendations.scoring import peer_lists, peer_pool


def _world(n_users: int = 40, n_items: int = 30, seed: int = 3):
    rng = np.random.default_rng(seed)
    liked = sp.csr_matrix((rng.random((n_users, n_items)) < 0.15).astype(np.float32))
    emb = Embeddings(
        item_vectors=rng.normal(size=(n_items, 8)).astype(np.float32),
        item_bias=np.zeros(n_items, dtype=np.float32),
        user_vectors=rng.normal(size=(n_users, 8)).astype(np.float32),
        user_feature_vectors=np.zeros((0, 8), dtype=np.float32),
        user_feature_names=[],
    )
    return emb, liked


def _lists(emb, liked, **kwargs) -> dict[int, list[int]]:
    users = np.arange(liked.shape[0])
    out = {}
    for batch, best, scores in peer_lists(emb, liked, users, liked, 5, peers=4, chunk=7, **kwargs):
        for row, user in enumerate(batch):
            out[int(user)] = [int(i) for i, s in zip(best[row], scores[row], strict=True) if np.isfinite(s)]
    return out


def test_the_pool_is_everyone_while_the_catalogue_of_profiles_is_small():
    _, liked = _world()
    assert list(peer_pool(liked, 100)) == list(range(40))


def test_the_pool_keeps_the_profiles_that_liked_most_titles():
    liked = sp.csr_matrix(np.array([[1, 0, 0], [1, 1, 1], [0, 0, 0], [1, 1, 0], [0, 1, 0]], dtype=np.float32))
    assert list(peer_pool(liked, 2)) == [1, 3]
    # equal activity: the lower index, so every fan-out chunk computes the same pool
    assert list(peer_pool(liked, 3)) == [0, 1, 3]


def test_a_pool_as_large_as_the_profiles_changes_nothing():
    emb, liked = _world()
    assert _lists(emb, liked, pool_size=40) == _lists(emb, liked, pool_size=10_000)


def test_peers_come_only_from_the_pool_and_a_profile_is_never_its_own_peer():
    emb, liked = _world()
    pool = set(peer_pool(liked, 10).tolist())
    outside = [u for u in range(40) if u not in pool]
    # Titles liked only by profiles outside the pool can never be proposed.
    only_outside = np.flatnonzero(
        (np.asarray(liked[outside].sum(axis=0)).ravel() > 0) & (np.asarray(liked[sorted(pool)].sum(axis=0)).ravel() == 0)
    )
    lists = _lists(emb, liked, pool_size=10)
    assert all(not set(items) & set(only_outside.tolist()) for items in lists.values())
    assert all(set(items) <= set(np.flatnonzero(np.asarray(liked[sorted(pool)].sum(axis=0)).ravel()).tolist())
               for items in lists.values())
    # A pool member whose only peers-in-pool share nothing still gets no list from itself: with a pool
    # of two, each member's single peer is the other one.
    pair = peer_pool(liked, 2)
    two = _lists(emb, liked, pool_size=2)
    for member, other in ((pair[0], pair[1]), (pair[1], pair[0])):
        other_likes = set(liked[other].indices.tolist()) - set(liked[member].indices.tolist())
        assert set(two[int(member)]) <= other_likes
