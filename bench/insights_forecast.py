"""bench/insights.py forecast: one held-out split of a world, the blend chosen on its validation titles,
scored on its test titles."""

from __future__ import annotations

import time

import numpy as np

from bench.insights_worlds import REGIONS, log

FIRST_MONTH_S = 30 * 86400


def _spearman(a: np.ndarray, b: np.ndarray) -> float | None:
    from scipy.stats import spearmanr

    if len(a) < 5 or np.all(a == a[0]) or np.all(b == b[0]):
        return None
    return float(spearmanr(a, b).statistic)


VALIDATION_SHARE = 0.5  # of the held-out titles; the rest are the test titles no choice sees
GRID_STEP = 0.1
COMPONENTS = ("reach", "similar", "genres", "tags", "regression")
ALPHAS = (1.0, 3.0, 10.0, 30.0, 100.0)


def _first_month(data, regions: np.ndarray, kinds: list[int] | None) -> np.ndarray:
    """items x regions: distinct users who had an event (of `kinds`) within 30 days of the item's first one."""
    ev = data.events if kinds is None else data.events.take(np.isin(data.events.kind, kinds))
    first = np.full(data.n_items, np.inf)
    np.minimum.at(first, ev.item, ev.time)
    early = ev.time < first[ev.item] + FIRST_MONTH_S
    pairs = np.unique(ev.user[early].astype(np.int64) * data.n_items + ev.item[early])
    users, items = pairs // data.n_items, pairs % data.n_items
    out = np.zeros((data.n_items, REGIONS + 1))  # the last column: users without a region
    np.add.at(out, (items, regions[users]), 1)
    return out[:, :REGIONS]


def _simplex(step: float = GRID_STEP, n: int = len(COMPONENTS)):
    units = round(1 / step)

    def parts(left: int, k: int):
        if k == 1:
            yield (left,)
            return
        for first in range(left + 1):
            for rest in parts(left - first, k - 1):
                yield (first, *rest)

    for combo in parts(units, n):
        yield dict(zip(COMPONENTS, (c / units for c in combo), strict=True))


def _mean_spearman(predicted: np.ndarray, actual: np.ndarray) -> float | None:
    values = [_spearman(predicted[:, r], actual[:, r]) for r in range(actual.shape[1])]
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def forecast_world(data, regions: np.ndarray, seed: int, threads: int, *, kinds=None, visible=None) -> dict:
    """Hold out 30% of the titles with >= 20 viewers (half validation, half test), train without any of
    their events, estimate each held-out title's first-month viewers per region from features alone, choose
    the blend weights on the validation titles, and report every estimate on the test titles."""
    from insights.forecast import (
        BLEND,
        RIDGE_ALPHA,
        SIMILAR,
        TOP_K,
        blend_viewers,
        candidate_popularity,
        expected_viewers,
        feature_popularity,
        regional_regression,
    )
    from recommendations.hybrid import HybridParams, HybridRecommender

    rng = np.random.default_rng(seed)
    actual = _first_month(data, regions, kinds)
    viewers = np.bincount(data.events.item, minlength=data.n_items)
    eligible = np.flatnonzero(viewers >= 20)
    held = rng.choice(eligible, max(20, int(len(eligible) * 0.3)), replace=False)
    n_val = int(len(held) * VALIDATION_SHARE)
    keep = ~np.isin(data.events.item, held)
    train = data.with_events(data.events.take(keep))
    model = HybridRecommender(HybridParams(no_components=32, epochs=15), seed=seed, threads=threads)
    t = time.perf_counter()
    model.fit_events(train)
    emb = model.embeddings
    log(f"  trained in {time.perf_counter() - t:.0f}s on {keep.sum()} events, {len(held)} titles held out")
    known = np.ones(data.n_items, bool)
    known[held] = False
    scores = emb.user_vectors @ emb.item_vectors.T + emb.item_bias
    seen = np.zeros_like(scores, dtype=bool)
    seen[train.events.user, train.events.item] = True
    scores[seen | ~known[None, :]] = -np.inf
    cutoffs = -np.sort(-scores, axis=1)[:, TOP_K - 1]  # each user's 50th best unseen title
    unit = emb.item_vectors / np.maximum(np.linalg.norm(emb.item_vectors, axis=1, keepdims=True), 1e-9)
    # Regional popularity of genres and tags among the training titles only (held-out titles never count).
    names = data.item_feature_names
    genre_cols = [i for i, n in enumerate(names) if n.startswith("genre:")]
    tag_cols = [i for i, n in enumerate(names) if n.startswith("tag:")]
    dense = data.item_features.toarray()
    train_titles = known & (actual.sum(axis=1) > 0)
    genre_table = feature_popularity((dense[train_titles][:, genre_cols] > 0).astype(float), actual[train_titles])
    tag_table = feature_popularity((dense[train_titles][:, tag_cols] > 0).astype(float), actual[train_titles])
    estimates = {name: np.full((len(held), REGIONS), np.nan) for name in COMPONENTS}
    # The regional regression on genre and tag indicators, one per ridge strength (chosen on validation).
    members = (dense[train_titles][:, genre_cols + tag_cols] > 0).astype(float)
    held_x = np.minimum(dense[held][:, genre_cols + tag_cols], 1.0)
    by_alpha = {
        alpha: regional_regression(members, actual[train_titles], held_x, alpha)
        for alpha in sorted(set(ALPHAS) | {RIDGE_ALPHA})
    }
    reach_only = np.zeros((len(held), REGIONS))  # diagnostic: the top-50 count alone
    for row, item in enumerate(held):
        features = {names[c]: v for c, v in zip(data.item_features[item].indices, data.item_features[item].data, strict=True)}
        genre_pop = candidate_popularity((dense[item, genre_cols] > 0).astype(float), genre_table)
        tag_pop = candidate_popularity(np.minimum(dense[item, tag_cols], 1.0), tag_table)
        if genre_pop is not None:
            estimates["genres"][row] = genre_pop
        if tag_pop is not None:
            estimates["tags"][row] = tag_pop
        cold = emb.cold_item(features)
        if cold is None:
            continue
        vector, bias = cold
        in_top = emb.user_vectors @ vector + bias > cutoffs
        reach_only[row] = np.bincount(regions[in_top], minlength=REGIONS + 1)[:REGIONS]
        cos = unit @ (vector / max(np.linalg.norm(vector), 1e-9))
        cos[~known] = -np.inf
        order = np.argsort(-cos)
        for r in range(REGIONS):
            # The five nearest titles the region can watch, as `insights.forecast` picks them.
            similar = order[: SIMILAR * 4]
            if visible is not None:
                similar = similar[visible[r][similar]]
            similar = similar[:SIMILAR]
            sim_top = (emb.user_vectors @ emb.item_vectors[similar].T + emb.item_bias[similar]) > cutoffs[:, None]
            users = regions == r
            estimates["reach"][row, r] = expected_viewers(float(in_top[users].sum()), sim_top[users].sum(axis=0), actual[similar, r])
            estimates["similar"][row, r] = actual[similar, r].mean()

    def blended(weights: dict[str, float], rows: slice, alpha: float) -> np.ndarray:
        """`insights.forecast.blend_viewers` for each held-out title and region in `rows`."""
        estimates["regression"] = by_alpha[alpha]
        out = np.zeros((len(held), REGIONS))[rows]
        for i, row in enumerate(range(len(held))[rows]):
            for r in range(REGIONS):
                values = {k: None if np.isnan(estimates[k][row, r]) else estimates[k][row, r] for k in COMPONENTS}
                out[i, r] = blend_viewers(values, weights)
        return out

    def fast_blend(weights: dict[str, float], rows: slice, alpha: float) -> np.ndarray:
        """The same blend in log space, vectorised for the weight search (rank-equal to `blended`)."""
        estimates["regression"] = by_alpha[alpha]
        logs = np.stack([np.log1p(np.maximum(estimates[k][rows], 0)) for k in COMPONENTS])
        w = np.array([weights[k] for k in COMPONENTS])[:, None, None] * ~np.isnan(logs)
        with np.errstate(invalid="ignore"):
            return np.nansum(w * np.nan_to_num(logs), axis=0) / w.sum(axis=0)

    val, test = slice(0, n_val), slice(n_val, None)
    actual_val, actual_test = actual[held[val]], actual[held[test]]
    regression_only = {c: float(c == "regression") for c in COMPONENTS}
    alpha = max(ALPHAS, key=lambda a: _mean_spearman(fast_blend(regression_only, val, a), actual_val) or -1.0)
    search = [(_mean_spearman(fast_blend(w, val, alpha), actual_val) or -1.0, w) for w in _simplex()]
    best_val, chosen = max(search, key=lambda pair: pair[0])
    baseline = {c: float(c == "genres") for c in COMPONENTS}  # the genre-popularity baseline
    out = {
        "held_out": len(held),
        "validation_titles": n_val,
        "test_titles": len(held) - n_val,
        "chosen_weights": chosen,
        "chosen_alpha": alpha,
        "validation": {
            "blend": _mean_spearman(blended(chosen, val, alpha), actual_val),
            "genre_popularity": _mean_spearman(blended(baseline, val, alpha), actual_val),
        },
        "test": {
            "blend_chosen_here": _mean_spearman(blended(chosen, test, alpha), actual_test),
            "blend_landed_weights": _mean_spearman(blended(BLEND, test, RIDGE_ALPHA), actual_test),
            "genre_popularity": _mean_spearman(blended(baseline, test, alpha), actual_test),
            "reach_only": _mean_spearman(reach_only[test], actual_test),
            **{
                f"{k}_alone": _mean_spearman(blended({c: float(c == k) for c in COMPONENTS}, test, alpha), actual_test)
                for k in COMPONENTS
            },
        },
        "landed_weights": BLEND,
        "landed_alpha": RIDGE_ALPHA,
    }
    out["test"]["per_region"] = {
        r: {
            "blend_chosen_here": _spearman(blended(chosen, test, alpha)[:, r], actual_test[:, r]),
            "genre_popularity": _spearman(blended(baseline, test, alpha)[:, r], actual_test[:, r]),
        }
        for r in range(REGIONS)
    }
    return out
