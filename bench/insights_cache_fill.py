"""bench/insights.py cache: a day-by-day replay of `insights.cache_fill`'s lists against yesterday's top K."""

from __future__ import annotations

import numpy as np

from bench.insights_worlds import REGIONS


def picks_exposure(data, regions: np.ndarray, day: np.ndarray, start: int, threads: int) -> np.ndarray:
    """regions x items: `insights.cache_fill`'s candidate half, from a model trained on the days before
    `start` (one batch scoring for the whole replay): each profile's top picks among the titles it had not
    seen, weighted by position, times its daily viewing rate over the last RATE_DAYS and TOP_PICKS_SHARE."""
    from insights.cache_fill import RATE_DAYS, TOP_PICKS, TOP_PICKS_SHARE
    from recommendations.hybrid import HybridParams, HybridRecommender

    before = day < start
    train = data.with_events(data.events.take(before))
    model = HybridRecommender(HybridParams(no_components=32, epochs=15), seed=0, threads=threads)
    model.fit_events(train)
    emb = model.embeddings
    scores = emb.user_vectors @ emb.item_vectors.T + emb.item_bias
    scores[train.events.user, train.events.item] = -np.inf
    picks = np.argsort(-scores, axis=1)[:, :TOP_PICKS]
    recent = before & (day >= start - RATE_DAYS)
    rate = np.bincount(data.events.user[recent], minlength=data.n_users) / RATE_DAYS * TOP_PICKS_SHARE
    position = 1 / np.arange(1, TOP_PICKS + 1)
    position /= position.sum()
    exposure = np.zeros((REGIONS + 1, data.n_items))
    np.add.at(exposure, (np.repeat(regions, TOP_PICKS), picks.ravel()), (rate[:, None] * position).ravel())
    return exposure[:REGIONS]


def cache_world(data, regions: np.ndarray, days: np.ndarray, k: int, exposure: np.ndarray | None) -> dict:
    """Per replayed day and region: the cache-fill list(s) and yesterday's top k, scored on the next day."""
    from insights.cache_fill import HISTORY_DAYS, decayed_daily_mean, hit_rate

    day = (data.events.time // 86400).astype(np.int64)
    lists = {"trend_half": [], "yesterday_top_k": []} | ({"trends_and_picks": []} if exposure is not None else {})
    for d in days:
        for r in range(REGIONS):
            in_region = regions[data.events.user] == r
            window = in_region & (day >= d - HISTORY_DAYS) & (day < d)
            nxt = in_region & (day == d)
            if not nxt.any() or not window.any():
                continue
            items, inverse = np.unique(data.events.item[window], return_inverse=True)
            daily = np.zeros((len(items), HISTORY_DAYS))
            np.add.at(daily, (inverse, day[window] - (d - HISTORY_DAYS)), 1)
            expected = decayed_daily_mean(daily)
            counts = dict(zip(*np.unique(data.events.item[nxt], return_counts=True), strict=True))
            lists["trend_half"].append(hit_rate(items[np.argsort(-expected, kind="stable")[:k]].tolist(), counts))
            yesterday = daily[:, -1]
            base_list = items[np.argsort(-yesterday, kind="stable")[:k]][: int((yesterday > 0).sum())]
            lists["yesterday_top_k"].append(hit_rate(base_list.tolist(), counts))
            if exposure is not None:
                total = exposure[r].copy()
                total[items] += expected
                lists["trends_and_picks"].append(hit_rate(np.argsort(-total, kind="stable")[:k].tolist(), counts))
    out = {"k": k, "region_days": len(lists["trend_half"])}
    out |= {name: float(np.mean(values)) for name, values in lists.items()}
    for name in lists:
        if name != "yesterday_top_k":
            out[f"{name}_ratio"] = out[name] / max(out["yesterday_top_k"], 1e-9)
    return out
