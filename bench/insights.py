"""Insights benchmarks of issue 19: forecast quality, trend computation at scale, cache-fill hit rate.

    python bench/insights.py forecast --movielens /work/shared/data/ml-latest-small [--seed 0]
    python bench/insights.py trends --database-url postgres://postgres@127.0.0.1:5432/marquee_bench_insights \
        [--events 1000000]
    python bench/insights.py cache --movielens /work/shared/data/ml-latest-small [-k 50]

`forecast` holds out 10% of the titles with at least 20 viewers, removes every one of their events, trains
the hybrid (recommendations.hybrid) on the rest, and forecasts each held-out title from its features alone
with the same arithmetic as `insights.forecast` (cold-start vector from the feature embeddings; profiles
with it above their 50th best unseen title; the five nearest titles' actual first-month viewers scaled by
reach). Spearman per region between forecast and actual first-month viewers (distinct users within 30 days
of the title's first event), averaged over regions, beside the genre-popularity baseline (the mean, over the
title's genres, of the region's first-month viewers per title of that genre among the training titles).
Two worlds: ml-latest-small with users assigned to six regions uniformly at random (seeded), so regions
differ only by chance; and a generated world built like `catalog.demo` (16 genres, 40 tags, hidden tastes)
where each region adds its own genre preference to its profiles' tastes and titles arrive over the period.

`trends` creates a fresh database, migrates, generates N views over 20 weeks in SQL, times the first
(full, ten-week) refresh and a routine (two-week) refresh, and prints the plan of the routine views query.

`cache` replays ml-latest-small day by day (ratings as views, regions at random as above): for each of the
120 busiest days (most MovieLens days hold a handful of ratings), per region, the decayed-daily-views list of `insights.cache_fill` (the trend half:
a replay has no top picks) and yesterday's top K, each scored by the share of the next day's views it holds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "platform")]

REGIONS = 6
FIRST_MONTH_S = 30 * 86400


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- forecast ----------------------------------------------------------------------------------------
def _spearman(a: np.ndarray, b: np.ndarray) -> float | None:
    from scipy.stats import spearmanr

    if len(a) < 5 or np.all(a == a[0]) or np.all(b == b[0]):
        return None
    return float(spearmanr(a, b).statistic)


def _first_month(data, regions: np.ndarray) -> np.ndarray:
    """items x regions: distinct users who had an event within 30 days of the item's first event."""
    ev = data.events
    first = np.full(data.n_items, np.inf)
    np.minimum.at(first, ev.item, ev.time)
    early = ev.time < first[ev.item] + FIRST_MONTH_S
    pairs = np.unique(ev.user[early].astype(np.int64) * data.n_items + ev.item[early])
    users, items = pairs // data.n_items, pairs % data.n_items
    out = np.zeros((data.n_items, REGIONS))
    np.add.at(out, (items, regions[users]), 1)
    return out


def _demo_world(seed: int):
    """A `catalog.demo`-like world where each region tilts its profiles' genre tastes (arrays only)."""
    from recommendations.dataset import RATING, Dataset, Events, FeatureBuilder, year_bucket

    rng = np.random.default_rng(seed)
    n_titles, n_users, n_genres, n_tags, days = 600, 1500, 16, 40, 360
    genre_m = np.zeros((n_titles, n_genres))
    tag_m = np.zeros((n_titles, n_tags))
    features = FeatureBuilder(n_titles)
    years = rng.integers(1972, 2026, n_titles)
    for t in range(n_titles):
        for g in rng.choice(n_genres, rng.choice([1, 2, 2, 3]), replace=False):
            genre_m[t, g] = 1
            features.add(t, f"genre:g{g}")
        for g in rng.choice(n_tags, rng.choice([2, 3, 3, 4]), replace=False):
            tag_m[t, g] = 1
            features.add(t, f"tag:t{g}", 1.0)
        features.add(t, year_bucket(int(years[t])))
    quality = rng.normal(0, 0.6, n_titles)
    release = rng.uniform(0, days - 40, n_titles)  # titles arrive over the period
    region_taste = (
        rng.dirichlet(np.full(n_genres, 0.3), REGIONS) * 4
    )  # by construction: tastes differ by region
    regions = rng.integers(0, REGIONS, n_users)
    users, items, times = [], [], []
    for u in range(n_users):
        taste = rng.dirichlet(np.full(n_genres, 0.3)) * 3 + region_taste[regions[u]]
        tag_taste = rng.dirichlet(np.full(n_tags, 0.2)) * 6
        affinity = genre_m @ taste + tag_m @ tag_taste + quality
        weights = np.exp(2.0 * (affinity - affinity.max()))
        chosen = rng.choice(
            n_titles, size=int(rng.integers(10, 60)), replace=False, p=weights / weights.sum()
        )
        for t in chosen:
            users.append(u)
            items.append(t)
            times.append((release[t] + rng.exponential(25)) * 86400)  # most viewing soon after arrival
    item_features, names = features.build()
    events = Events(
        np.array(users, np.int32),
        np.array(items, np.int32),
        np.full(len(users), RATING, np.int8),
        np.full(len(users), 4.5, np.float32),
        np.array(times),
    )
    import scipy.sparse as sp

    data = Dataset(
        np.arange(n_users),
        np.arange(n_titles),
        events,
        item_features,
        names,
        sp.csr_matrix((n_users, 0), dtype=np.float32),
        [],
    )
    return data, regions


def _forecast_world(data, regions: np.ndarray, seed: int, threads: int) -> dict:
    from insights.forecast import SIMILAR, TOP_K, expected_viewers
    from recommendations.hybrid import HybridParams, HybridRecommender

    rng = np.random.default_rng(seed)
    actual = _first_month(data, regions)
    viewers = np.bincount(data.events.item, minlength=data.n_items)
    eligible = np.flatnonzero(viewers >= 20)
    held = rng.choice(eligible, max(10, len(eligible) // 10), replace=False)
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
    # Genre popularity per region among the training titles: first-month viewers per title of the genre.
    genre_cols = [i for i, n in enumerate(data.item_feature_names) if n.startswith("genre:")]
    g = data.item_features[:, genre_cols].toarray() > 0
    train_titles = known & (viewers > 0)
    per_genre = (g[train_titles].T @ actual[train_titles]) / np.maximum(
        g[train_titles].sum(axis=0)[:, None], 1
    )
    index = {n: i for i, n in enumerate(data.item_feature_names)}
    forecasts, baselines = np.zeros((len(held), REGIONS)), np.zeros((len(held), REGIONS))
    reach_only = np.zeros((len(held), REGIONS))  # diagnostic: the top-50 count alone, without the neighbours
    for row, item in enumerate(held):
        features = {
            data.item_feature_names[c]: v
            for c, v in zip(data.item_features[item].indices, data.item_features[item].data, strict=True)
        }
        cold = emb.cold_item(features)
        if cold is None:
            continue
        vector, bias = cold
        in_top = emb.user_vectors @ vector + bias > cutoffs
        reach_only[row] = np.bincount(regions[in_top], minlength=REGIONS)
        cos = unit @ (vector / max(np.linalg.norm(vector), 1e-9))
        cos[~known] = -np.inf
        similar = np.argsort(-cos)[:SIMILAR]
        sim_top = (emb.user_vectors @ emb.item_vectors[similar].T + emb.item_bias[similar]) > cutoffs[:, None]
        for r in range(REGIONS):
            users = regions == r
            forecasts[row, r] = expected_viewers(
                float(in_top[users].sum()), sim_top[users].sum(axis=0), actual[similar, r]
            )
        genres = [index[n] for n in features if n.startswith("genre:")]
        cols = [genre_cols.index(c) for c in genres]
        baselines[row] = per_genre[cols].mean(axis=0) if cols else 0
    out = {"held_out": len(held), "regions": {}}
    for r in range(REGIONS):
        out["regions"][r] = {
            "forecast": _spearman(forecasts[:, r], actual[held, r]),
            "genre_popularity": _spearman(baselines[:, r], actual[held, r]),
            "reach_only": _spearman(reach_only[:, r], actual[held, r]),
        }
    for name in ("forecast", "genre_popularity", "reach_only"):
        values = [v[name] for v in out["regions"].values() if v[name] is not None]
        out[f"mean_{name}"] = float(np.mean(values)) if values else None
    return out


def forecast_bench(args) -> dict:
    from recommendations.dataset import from_movielens

    results = {}
    log("demo-like world (region tastes by construction)")
    data, regions = _demo_world(args.seed)
    results["demo"] = _forecast_world(data, regions, args.seed, args.threads)
    log("ml-latest-small (regions at random)")
    data = from_movielens(args.movielens)
    regions = np.random.default_rng(args.seed).integers(0, REGIONS, data.n_users)
    results["movielens"] = _forecast_world(data, regions, args.seed, args.threads)
    return results


# -- cache fill --------------------------------------------------------------------------------------
def cache_bench(args) -> dict:
    from insights.cache_fill import HISTORY_DAYS, decayed_daily_mean, hit_rate
    from recommendations.dataset import from_movielens

    data = from_movielens(args.movielens)
    regions = np.random.default_rng(args.seed).integers(0, REGIONS, data.n_users)
    day = (data.events.time // 86400).astype(np.int64)
    active, volume = np.unique(day, return_counts=True)
    # The 120 busiest days (MovieLens days are sparse: most carry a handful of ratings), in order.
    busiest = np.sort(active[np.argsort(-volume, kind="stable")[:120]])
    ours, base = [], []
    for d in busiest:
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
            ours_list = items[np.argsort(-expected, kind="stable")[: args.k]]
            yesterday = daily[:, -1]
            base_list = items[np.argsort(-yesterday, kind="stable")[: args.k]][: int((yesterday > 0).sum())]
            counts = dict(zip(*np.unique(data.events.item[nxt], return_counts=True), strict=True))
            ours.append(hit_rate(ours_list.tolist(), counts))
            base.append(hit_rate(base_list.tolist(), counts))
    return {
        "k": args.k,
        "region_days": len(ours),
        "hit_rate": float(np.mean(ours)),
        "yesterday_top_k": float(np.mean(base)),
        "ratio": float(np.mean(ours) / max(np.mean(base), 1e-9)),
    }


# -- trends at scale ---------------------------------------------------------------------------------
def trends_bench(args) -> dict:
    import psycopg

    base, name = args.database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from insights import trends

    call_command("migrate", verbosity=0)
    now = timezone.now()
    t = time.perf_counter()
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO catalog_region (code, name) SELECT 'R' || g, 'Region ' || g FROM generate_series(0, 7) g"
        )
        c.execute(
            "INSERT INTO catalog_genre (name, slug) SELECT 'Genre ' || g, 'genre-' || g FROM generate_series(0, 19) g"
        )
        c.execute(
            "INSERT INTO catalog_tag (name, slug, description, is_active, kind, created_at) "
            "SELECT 'Tag ' || g, 'tag-' || g, '', true, 'theme', now() FROM generate_series(0, 59) g"
        )
        c.execute(
            "INSERT INTO catalog_title (name, kind, synopsis, maturity_rating, imdb_id, added_at) "
            "SELECT 'Title ' || g, 'movie', '', 'PG', '', now() FROM generate_series(1, 3000) g"
        )
        c.execute(
            "INSERT INTO catalog_title_genres (title_id, genre_id) SELECT t.id, g.id FROM catalog_title t "
            "JOIN catalog_genre g ON (t.id + g.id) % 10 = 0"
        )
        c.execute(
            "INSERT INTO catalog_titletag (title_id, tag_id, source, confidence, created_at) "
            "SELECT t.id, g.id, 'staff', 1, now() FROM catalog_title t JOIN catalog_tag g ON (t.id * 7 + g.id) % 20 = 0"
        )
        c.execute(
            "INSERT INTO accounts_user (password, is_superuser, email, is_staff, is_active, date_joined, "
            "first_name, last_name, marketing_consent, playback_quality, region_id) SELECT '!', false, 'b' || g || '@b.test', "
            "false, true, now(), '', '', false, 'auto', (SELECT min(id) FROM catalog_region) + g % 8 "
            "FROM generate_series(1, 20000) g"
        )
        c.execute(
            "INSERT INTO accounts_profile (account_id, name, maturity_limit, avatar_color, pin_hash, created_at) "
            "SELECT id, 'Main', 'all', '#e50914', '', now() FROM accounts_user"
        )
        c.execute(
            "INSERT INTO activity_viewingevent (profile_id, title_id, started_at, updated_at, seconds_watched, completion) "
            "SELECT (SELECT min(id) FROM accounts_profile) + (random() * 19999)::int, "
            "(SELECT min(id) FROM catalog_title) + least(2999, floor(3000 * power(random(), 2)))::int, "
            "%s - random() * interval '140 days', now(), 600, 0.5 FROM generate_series(1, %s)",
            [now, args.events],
        )
        c.execute("ANALYZE")
    out = {"events": args.events, "generate_s": time.perf_counter() - t}
    log(f"  generated in {out['generate_s']:.0f}s")
    t = time.perf_counter()
    first = trends.refresh_trends(now=now)
    out["full_refresh_s"] = time.perf_counter() - t
    t = time.perf_counter()
    routine = trends.refresh_trends(now=now)
    out["routine_refresh_s"] = time.perf_counter() - t
    out["full"], out["routine"] = first, routine
    last = trends.week_of(now)
    start, end = trends._window(last - __import__("datetime").timedelta(weeks=1), last)
    sql, params = trends._grouped_views(start, end)["genre"].query.sql_with_params()
    with connection.cursor() as c:
        c.execute("EXPLAIN " + sql, params)
        out["plan_routine_genres"] = [row[0] for row in c.fetchall()]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="bench", required=True)
    f = sub.add_parser("forecast")
    f.add_argument("--movielens", required=True)
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--threads", type=int, default=1)
    c = sub.add_parser("cache")
    c.add_argument("--movielens", required=True)
    c.add_argument("-k", type=int, default=50)
    c.add_argument("--seed", type=int, default=0)
    t = sub.add_parser("trends")
    t.add_argument("--database-url", required=True)
    t.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.bench in ("forecast", "cache"):
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
        import django

        django.setup()
    result = {"forecast": forecast_bench, "cache": cache_bench, "trends": trends_bench}[args.bench](args)
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
