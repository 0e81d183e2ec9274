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

from bench.insights_cache_fill import cache_world, picks_exposure  # noqa: E402
from bench.insights_forecast import forecast_world  # noqa: E402
from bench.insights_worlds import REGIONS, demo_world, log, seeded_demo_database  # noqa: E402


# -- forecast ----------------------------------------------------------------------------------------
def forecast_bench(args) -> dict:
    from recommendations.dataset import VIEW, from_movielens

    results = {"seeds": args.seeds, "demo": [], "movielens": []}
    log("seed_demo world (region tastes by construction)")
    demo = demo_world()
    for seed in args.seeds:
        data, regions, visible, codes = demo
        result = forecast_world(data, regions, seed, args.threads, kinds=[VIEW], visible=visible)
        result["regions"] = codes
        results["demo"].append(result)
        log(f"  seed {seed}: test {json.dumps(result['test'], default=str)[:200]}")
    log("ml-latest-small (regions at random)")
    data = from_movielens(args.movielens)
    for seed in args.seeds:
        regions = np.random.default_rng(seed).integers(0, REGIONS, data.n_users)
        result = forecast_world(data, regions, seed, args.threads)
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
def cache_bench(args) -> dict:
    from recommendations.dataset import VIEW, from_movielens

    results = {}
    if args.demo_db:
        log("seed_demo world: the last 60 days replayed, views only")
        data, regions, _visible, _codes = demo_world()
        data = data.with_events(data.events.take(data.events.kind == VIEW))
        day = (data.events.time // 86400).astype(np.int64)
        days = np.arange(day.max() - 59, day.max() + 1)
        exposure = picks_exposure(data, regions, day, int(days[0]), args.threads)
        results["demo"] = cache_world(data, regions, days, args.k, exposure)
    log("ml-latest-small: the 120 busiest days replayed (ratings as views, regions at random)")
    data = from_movielens(args.movielens)
    regions = np.random.default_rng(args.seed).integers(0, REGIONS, data.n_users)
    day = (data.events.time // 86400).astype(np.int64)
    active, volume = np.unique(day, return_counts=True)
    # The 120 busiest days (MovieLens days are sparse: most carry a handful of ratings), in order.
    busiest = np.sort(active[np.argsort(-volume, kind="stable")[:120]])
    results["movielens"] = cache_world(data, regions, busiest, args.k, None)
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
        seeded_demo_database(args.demo_db, getattr(args, "demo_accounts", 3000), getattr(args, "demo_titles", 600))
        os.environ["DATABASE_URL"] = f"sqlite:///{args.demo_db}"
    if args.bench in ("forecast", "cache"):
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
        import django

        django.setup()
    result = {"forecast": forecast_bench, "cache": cache_bench, "trends": trends_bench}[args.bench](args)
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
