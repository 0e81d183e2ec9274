"""The simple baselines the recommender is judged against: EASE^R and user-kNN pick their own hyperparameter."""

from types import SimpleNamespace

import numpy as np
import pytest
import scipy.sparse as sp

from recommendations.baselines import BASELINES, EASE, Popularity, UserKNN, best_baseline, make_baseline
from recommendations.dataset import RATING, Events, SignalWeights, fold_events
from recommendations.evaluation import make_split, recommend_for


def two_taste_groups(n_users=24, items_per_group=12, seed=0):
    """Users 0..n/2-1 watch only titles of group A, the rest only group B; each watches 8 of the 12."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_users):
        offset = 0 if u < n_users // 2 else items_per_group
        for j, item in enumerate(rng.choice(items_per_group, 8, replace=False)):
            rows.append((u, offset + int(item), RATING, 5.0, float(j)))
    u, i, k, v, t = (np.array(c) for c in zip(*rows, strict=True))
    events = Events(
        u.astype(np.int32), i.astype(np.int32), k.astype(np.int8), v.astype(np.float32), t.astype(np.float64)
    )
    data = SimpleNamespace(n_users=n_users, n_items=2 * items_per_group)
    return data, fold_events(events, SignalWeights())


@pytest.mark.parametrize(
    "model", [EASE(lambdas=(1.0, 10.0)), UserKNN(neighbours=(3, 6))], ids=["ease", "user_knn"]
)
def test_baseline_recommends_unseen_titles_from_the_users_own_taste_group(model):
    data, pairs = two_taste_groups()
    split = make_split(pairs, "time")
    model.fit(data, split.train)
    seen = split.train.matrix(data.n_users, data.n_items, positive_only=False, binary=True)
    users = np.arange(data.n_users)
    recs = recommend_for(model, users, seen, 3)
    for user, row in zip(users, recs, strict=True):
        group = range(0, 12) if user < 12 else range(12, 24)
        assert all(int(item) in group for item in row), (user, row)
        assert not set(row.tolist()) & set(seen[user].indices.tolist())


def test_hyperparameter_is_chosen_from_the_grid_on_the_training_part_only(monkeypatch):
    data, pairs = two_taste_groups()
    split = make_split(pairs, "stratified")
    fitted_on = []
    original = EASE._fit_one

    def spy(self, data, train, lam):
        fitted_on.append(len(train))
        return original(self, data, train, lam)

    monkeypatch.setattr(EASE, "_fit_one", spy)
    model = EASE(lambdas=(1.0, 10.0, 100.0), protocol="stratified")
    model.fit(data, split.train)
    assert model.chosen["lambda"] in (1.0, 10.0, 100.0) and model.lam == model.chosen["lambda"]
    # Three fits on the inner training part (smaller), then the chosen one refitted on the whole training part.
    assert len(fitted_on) == 4 and max(fitted_on[:3]) < len(split.train) == fitted_on[3]


def test_every_baseline_is_made_for_a_protocol_and_the_best_one_is_named():
    assert {type(make_baseline(name, "stratified")).__name__ for name in BASELINES} >= {"EASE", "UserKNN"}
    assert make_baseline("ease", "stratified").protocol == "stratified"
    metrics = {"hybrid": {"ndcg@10": 0.9}, "ease": {"ndcg@10": 0.3}, "item_knn": {"ndcg@10": 0.2}, "gate": {}}
    assert best_baseline(metrics) == "ease"
    assert best_baseline({"hybrid": {"ndcg@10": 0.9}}) is None


def test_admin_chart_draws_each_versions_strongest_baseline_as_the_bar():
    from recommendations.admin import metrics_chart

    history = [
        {
            "version": 1,
            "is_active": False,
            "metrics": {
                "hybrid": {"ndcg@10": 0.30},
                "ease": {"ndcg@10": 0.28},
                "item_knn": {"ndcg@10": 0.20},
            },
        },
        {
            "version": 2,
            "is_active": True,
            "metrics": {
                "hybrid": {"ndcg@10": 0.31},
                "ease": {"ndcg@10": 0.10},
                "user_knn": {"ndcg@10": 0.25},
            },
        },
    ]
    svg = str(metrics_chart(history))
    assert "Best baseline (the bar) v1: 0.2800" in svg and "Best baseline (the bar) v2: 0.2500" in svg
    assert "EASE^R v1: 0.2800" in svg and "User-kNN v2: 0.2500" in svg


def test_two_stage_ranks_only_unseen_titles_the_generators_proposed():
    from recommendations.two_stage import TwoStageRecommender

    data, pairs = two_taste_groups(n_users=40)
    data.item_descriptors = lambda: sp.identity(data.n_items, format="csr")
    split = make_split(pairs, "time")

    def generators():
        return {
            "ease": EASE(lambdas=(10.0,)),
            "user_knn": UserKNN(neighbours=(5,)),
            "popularity": Popularity(),
        }

    model = TwoStageRecommender(generators, per_generator=4)
    model.fit(data, split.train)
    seen = split.train.matrix(data.n_users, data.n_items, positive_only=False, binary=True)
    scores = model.score(np.arange(data.n_users))
    assert model.training_rows > 0
    for user in range(data.n_users):
        finite = set(np.flatnonzero(np.isfinite(scores[user])).tolist())
        assert finite and not finite & set(seen[user].indices.tolist())
        assert len(finite) <= 3 * 4  # at most per_generator from each of the three generators


def test_every_recommender_setting_read_in_code_is_declared_in_settings_and_readme():
    import re
    from pathlib import Path

    from django.conf import settings

    root = Path(__file__).resolve().parents[1]
    names = set()
    for path in (root / "recommendations").rglob("*.py"):
        names |= set(re.findall(r"RECOMMENDER_[A-Z_]+", path.read_text()))
    readme = (root / "README.md").read_text()
    assert names and all(hasattr(settings, n) for n in names), sorted(
        n for n in names if not hasattr(settings, n)
    )
    assert all(n in readme for n in names), sorted(n for n in names if n not in readme)


def test_the_request_path_does_not_import_training():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = (
        "import django, os, sys; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'marquee.settings'); "
        "django.setup(); import recommendations.api, recommendations.services, recommendations.ranking; "
        "print(any(m in sys.modules for m in ('recommendations.training', 'recommendations.ranker', "
        "'recommendations.two_stage', 'sklearn')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, "PYTHONPATH": f"{root}:{root / 'platform'}"},
    )
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_the_discounts_chosen_are_the_widest_coverage_within_tolerance_of_the_best_validation_ndcg():
    from recommendations.two_stage import choose_discounts

    validation = {  # (coverage weight, exposure weight) -> (validation NDCG@10, validation coverage)
        (0.0, 0.0): (0.300, 0.05), (0.1, 0.0): (0.297, 0.06), (0.2, 0.0): (0.280, 0.08),
        (0.0, 0.5): (0.296, 0.12), (0.0, 1.0): (0.250, 0.30), (0.1, 0.5): (0.294, 0.12),
    }
    # Within 2% of 0.300: the widest coverage is 0.12, tied; the smaller exposure, then coverage weight, wins.
    assert choose_discounts(validation, 0.02) == (0.0, 0.5)
    # The rule before the exposure discount: the largest coverage weight within tolerance.
    assert choose_discounts({k: v for k, v in validation.items() if k[1] == 0}, 0.02, widest=False) == (0.1, 0.0)
    assert choose_discounts(validation, 0.0) == (0.0, 0.0)


def test_an_exposure_discount_moves_the_most_recommended_title_out_of_top_lists():
    from recommendations.evaluation import top_k
    from recommendations.two_stage import TwoStageRecommender

    data, pairs = two_taste_groups(n_users=40)
    data.item_descriptors = lambda: sp.identity(data.n_items, format="csr")
    split = make_split(pairs, "time")
    model = TwoStageRecommender(
        lambda: {"ease": EASE(lambdas=(10.0,)), "popularity": Popularity()}, per_generator=6,
        coverage_weights=(0.0,), exposure_weights=(0.0, 5.0),
    )
    model.fit(data, split.train)
    model.fit_exposure()  # whatever validation chose, the shares of the undiscounted top 10s
    users = np.flatnonzero(np.diff(model.seen.indptr) > 0)
    raw = model.raw_scores(users)[0]
    crowding = int(np.argmax(model.exposure))  # the title in most undiscounted top 10s (of its fit's users)
    lists = {}
    for weight in (0.0, 5.0):
        model.coverage_weight, model.exposure_weight = 0.0, weight
        assert np.allclose(model.score(users), raw * model.discount(0.0, weight), equal_nan=True)
        lists[weight] = top_k(model.score(users), 3)
    in_lists = {weight: int((recs == crowding).any(axis=1).sum()) for weight, recs in lists.items()}
    assert in_lists[5.0] < in_lists[0.0]
