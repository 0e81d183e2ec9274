"""Insights benchmarks of issue 19: forecast quality, trend computation at scale, cache-fill hit rate.

    python bench/insights.py forecast --movielens /work/shared/data/ml-latest-small [--seeds 0 1 2] \
        [--demo-db /tmp/marquee_bench_insights_demo.sqlite3 --demo-accounts 3000 --demo-titles 600]
    python bench/insights.py trends --database-url postgres://postgres@127.0.0.1:5432/marquee_bench_insights \
        [--events 1000000]
    python bench/insights.py cache --movielens /work/shared/data/ml-latest-small [-k 50]

`forecast`, per seed: holds out 30% of the titles with at least 20 viewers and removes every one of their
events; half of them are validation titles, half test titles. The hybrid (recommendations.hybrid, 32
components, 15 epochs) is trained on the rest, so no held-out title's interaction reaches the model or any
popularity table. Each held-out title gets, per region, the five estimates `insights.forecast` blends (reach,
similar, genres, tags, regression; same functions), from its features alone. The ridge strength and the blend
weights (a 0.1 grid on the simplex) are chosen on the validation titles only; the test titles, which no choice
saw, report Spearman per region between forecast and actual first-month viewers (distinct users within 30
days of the title's first view), averaged over regions, beside the genre-popularity baseline (the mean, over
the title's genres, of the region's first-month viewers per training title of that genre) and each estimate
alone. "blend_landed_weights" is the same test with `insights.forecast.BLEND` / `RIDGE_ALPHA` (the demo
world's seed-0 choice; on other seeds their test titles may overlap seed 0's validation titles).
Two worlds: the demo world, built by `seed_demo --titles 600 --accounts 3000 --videos 0` into a SQLite file
(regional tastes by construction, `catalog.demo`; views only, as `insights.forecast` counts them), read with
`recommendations.behaviour.dataset_from_database`, each region's nearest titles limited to what it can watch
(`Title.objects.visible_in`); and ml-latest-small with users assigned to six regions uniformly at random
(seeded), so regions differ only by chance.

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


def _forecast_world(data, regions: np.ndarray, seed: int, threads: int, *, kinds=None, visible=None) -> dict:
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


def _seeded_demo_database(path: Path, accounts: int, titles: int) -> None:
    """seed_demo (the real generator, regional tastes and all) into a SQLite file, once."""
    import subprocess

    if path.exists():
        return
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{path}", MEDIA_ROOT=str(path.with_suffix(".media")))
    log(f"  seed_demo --titles {titles} --accounts {accounts} --videos 0 into {path}")
    for command in (["migrate", "-v0"], ["seed_demo", "--titles", str(titles), "--accounts", str(accounts), "--videos", "0"]):
        subprocess.run([sys.executable, str(REPO_ROOT / "manage.py"), *command], env=env, check=True, stdout=subprocess.DEVNULL)


def _demo_world():
    """The seed_demo database as a Dataset, each profile's region (REGIONS: none) and what each region can watch."""
    from accounts.models import Profile
    from catalog.models import Region, Title
    from recommendations.behaviour import dataset_from_database

    data = dataset_from_database()
    codes = list(Region.objects.order_by("code"))
    assert len(codes) == REGIONS, f"expected {REGIONS} regions, found {len(codes)}"
    column = {r.pk: j for j, r in enumerate(codes)}
    region_of = dict(Profile.objects.values_list("pk", "account__region_id"))
    regions = np.array([column.get(region_of.get(int(p)), REGIONS) for p in data.user_ids])
    index = {int(t): i for i, t in enumerate(data.item_ids)}
    visible = np.zeros((REGIONS, data.n_items), bool)
    for j, region in enumerate(codes):
        for pk in Title.objects.visible_in(region, None).values_list("pk", flat=True):
            visible[j, index[pk]] = True
    return data, regions, visible, [r.code for r in codes]


def forecast_bench(args) -> dict:
    from recommendations.dataset import VIEW, from_movielens

    results = {"seeds": args.seeds, "demo": [], "movielens": []}
    log("seed_demo world (region tastes by construction)")
    demo = _demo_world()
    for seed in args.seeds:
        data, regions, visible, codes = demo
        result = _forecast_world(data, regions, seed, args.threads, kinds=[VIEW], visible=visible)
        result["regions"] = codes
        results["demo"].append(result)
        log(f"  seed {seed}: test {json.dumps(result['test'], default=str)[:200]}")
    log("ml-latest-small (regions at random)")
    data = from_movielens(args.movielens)
    for seed in args.seeds:
        regions = np.random.default_rng(seed).integers(0, REGIONS, data.n_users)
        result = _forecast_world(data, regions, seed, args.threads)
        results["movielens"].append(result)
        log(f"  seed {seed}: test {json.dumps(result['test'], default=str)[:200]}")
    for world in ("demo", "movielens"):
        runs = results[world]
        results[f"{world}_mean_test"] = {
            key: float(np.mean([run["test"][key] for run in runs if run["test"][key] is not None]))
            for key in runs[0]["test"]
            if key != "per_region"
        }
    return results


# -- cache fill --------------------------------------------------------------------------------------
def _picks_exposure(data, regions: np.ndarray, day: np.ndarray, start: int, threads: int) -> np.ndarray:
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


def _cache_world(data, regions: np.ndarray, days: np.ndarray, k: int, exposure: np.ndarray | None) -> dict:
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


def cache_bench(args) -> dict:
    from recommendations.dataset import VIEW, from_movielens

    results = {}
    if args.demo_db:
        log("seed_demo world: the last 60 days replayed, views only")
        data, regions, _visible, _codes = _demo_world()
        data = data.with_events(data.events.take(data.events.kind == VIEW))
        day = (data.events.time // 86400).astype(np.int64)
        days = np.arange(day.max() - 59, day.max() + 1)
        exposure = _picks_exposure(data, regions, day, int(days[0]), args.threads)
        results["demo"] = _cache_world(data, regions, days, args.k, exposure)
    log("ml-latest-small: the 120 busiest days replayed (ratings as views, regions at random)")
    data = from_movielens(args.movielens)
    regions = np.random.default_rng(args.seed).integers(0, REGIONS, data.n_users)
    day = (data.events.time // 86400).astype(np.int64)
    active, volume = np.unique(day, return_counts=True)
    # The 120 busiest days (MovieLens days are sparse: most carry a handful of ratings), in order.
    busiest = np.sort(active[np.argsort(-volume, kind="stable")[:120]])
    results["movielens"] = _cache_world(data, regions, busiest, args.k, None)
    return results


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

    from insights import trends, weekly_counts

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
    last = weekly_counts.week_of(now)
    start, end = weekly_counts._window(last - __import__("datetime").timedelta(weeks=1), last)
    sql, params = weekly_counts._grouped_views(start, end)["genre"].query.sql_with_params()
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
    f.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="one split and model per seed")
    f.add_argument("--threads", type=int, default=1)
    f.add_argument("--demo-db", type=Path, default=Path("/tmp/marquee_bench_insights_demo.sqlite3"),
                   help="seed_demo's world as SQLite; built here if the file does not exist")
    f.add_argument("--demo-accounts", type=int, default=3000)
    f.add_argument("--demo-titles", type=int, default=600)
    c = sub.add_parser("cache")
    c.add_argument("--movielens", required=True)
    c.add_argument("-k", type=int, default=50)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--threads", type=int, default=1)
    c.add_argument("--demo-db", type=Path, default=None,
                   help="also replay seed_demo's world from this SQLite file (built like forecast's --demo-db)")
    t = sub.add_parser("trends")
    t.add_argument("--database-url", required=True)
    t.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.bench == "forecast" or (args.bench == "cache" and args.demo_db):
        _seeded_demo_database(args.demo_db, getattr(args, "demo_accounts", 3000), getattr(args, "demo_titles", 600))
        os.environ["DATABASE_URL"] = f"sqlite:///{args.demo_db}"
    if args.bench in ("forecast", "cache"):
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
        import django

        django.setup()
    result = {"forecast": forecast_bench, "cache": cache_bench, "trends": trends_bench}[args.bench](args)
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
