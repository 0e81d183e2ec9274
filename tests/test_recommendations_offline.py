"""The array-level pieces: signal folding, the two split protocols, batch scoring matching LightFM, metrics' shape."""

import numpy as np
import pytest

from recommendations.dataset import RATING, THUMB, VIEW, Events, SignalWeights, fold_events
from recommendations.evaluation import make_split, ranking_metrics, split_by_time, split_stratified
from recommendations.scoring import top_n_for_users


def events(rows):
    u, i, k, v, t = zip(*rows, strict=True)
    return Events(np.array(u, np.int32), np.array(i, np.int32), np.array(k, np.int8), np.array(v, np.float32),
                  np.array(t, np.float64))


def test_low_ratings_and_thumbs_down_are_negative_even_after_a_completed_view():
    pairs = fold_events(events([
        (0, 0, VIEW, 1.0, 1), (0, 0, RATING, 1.0, 2),  # watched it all, then hated it
        (0, 1, THUMB, -1, 3),
        (0, 2, RATING, 4.5, 4),
        (0, 3, VIEW, 0.3, 5),
    ]), SignalWeights())
    weight = dict(zip(pairs.item.tolist(), pairs.weight.tolist(), strict=True))
    relevant = dict(zip(pairs.item.tolist(), pairs.relevant.tolist(), strict=True))
    assert weight[0] < 0 and weight[1] < 0 and weight[2] > 0 and 0 < weight[3] < weight[2]
    assert relevant == {0: False, 1: False, 2: True, 3: False}


def test_time_decay_weights_old_behaviour_less():
    rows = [(0, 0, VIEW, 1.0, 0.0), (0, 1, VIEW, 1.0, 400 * 86400.0)]
    pairs = fold_events(events(rows), SignalWeights(half_life_days=100))
    weight = dict(zip(pairs.item.tolist(), pairs.weight.tolist(), strict=True))
    assert weight[0] < weight[1]


def toy_pairs(n_users=20, per_user=10, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_users):
        for j, item in enumerate(rng.choice(50, per_user, replace=False)):
            rows.append((u, int(item), RATING, float(rng.choice([1.0, 3.0, 4.0, 5.0])), float(j)))
    return fold_events(events(rows), SignalWeights())


def test_time_split_holds_out_each_users_latest_fifth():
    pairs = toy_pairs()
    train, test = split_by_time(pairs)
    for u in range(20):
        assert (test.user == u).sum() == 2
        assert train.time[train.user == u].max() < test.time[test.user == u].min()


def test_stratified_split_holds_out_a_quarter_and_counts_every_held_out_pair():
    pairs = toy_pairs(per_user=12)
    train, test = split_stratified(pairs, seed=3)
    assert all((test.user == u).sum() == 3 for u in range(20))
    assert len(train) + len(test) == len(pairs)
    split = make_split(pairs, "stratified", seed=3)
    assert len(split.relevant) == len(split.test)
    time_split = make_split(pairs, "time")
    assert time_split.relevant.relevant.all()


def test_batch_scoring_ranks_like_lightfm_predict():
    import scipy.sparse as sp
    from lightfm import LightFM

    from recommendations.dataset import Dataset
    from recommendations.hybrid import HybridParams, HybridRecommender

    pairs = toy_pairs()
    data = Dataset(np.arange(20), np.arange(50), Events.empty(), sp.csr_matrix((50, 0), dtype=np.float32), [],
                   sp.csr_matrix((20, 0), dtype=np.float32), [])
    model = HybridRecommender(HybridParams(no_components=4, epochs=3), threads=1)
    model.fit(data, pairs)
    assert isinstance(model.model, LightFM)
    seen = pairs.matrix(20, 50, positive_only=False, binary=True)
    for batch, best, scores in top_n_for_users(model.embeddings, np.arange(20), seen, 5, chunk=7):
        for row, user in enumerate(batch):
            predicted = model.model.predict(int(user), np.arange(50), item_features=model.item_features,
                                            user_features=model.user_features)
            predicted[seen[user].indices] = -np.inf
            # predict() adds the user's bias, a constant per user that cannot change the ranking.
            offset = np.sort(predicted)[::-1][:5] - scores[row]
            assert np.allclose(offset, offset[0], atol=1e-4)
            assert not set(best[row]) & set(seen[user].indices)


def test_ranking_metrics_reward_hits_at_the_top():
    relevant = __import__("scipy.sparse", fromlist=["csr_matrix"]).csr_matrix(
        (np.ones(2), ([0, 0], [3, 4])), shape=(1, 10)
    )
    top = ranking_metrics(np.array([[3, 4, 0, 1, 2, 5, 6, 7, 8, 9]]), np.array([0]), relevant)
    bottom = ranking_metrics(np.array([[0, 1, 2, 5, 6, 7, 8, 9, 3, 4]]), np.array([0]), relevant)
    assert top["ndcg@10"] > bottom["ndcg@10"] and top["map@10"] > bottom["map@10"]
    assert top["recall@10"] == bottom["recall@10"]


def test_unknown_protocol_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown protocol"):
        make_split(toy_pairs(), "random")
