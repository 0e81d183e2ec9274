"""Campaign benchmarks of issue 14: scale on PostgreSQL, and the lift interval's coverage.

    python bench/marketing.py scale --database-url postgres://postgres@127.0.0.1:5432/marquee_bench_marketing \
        [--counts 10000 100000 --views-per-account 8]
    python bench/marketing.py lift [--repetitions 100 --population 20000 --seed 1]

`scale` runs each subscriber count in a fresh child process on a freshly created database: it generates
subscribers, profiles and viewing events in SQL, then times the engagement tiers, a segment refresh
(five rules, AND/OR and an exclusion), the campaign start (holdout and offers drawn and stored) and the
whole send through the console backend (to /dev/null), and reports each child's peak RSS. The smallest
count is the baseline of the ratios.

`lift` simulates campaigns on a population with a known treatment effect and counts how often the
Newcombe 95% interval that the results page shows covers it, beside the plain Wald interval.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "platform")]


def _setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.console.EmailBackend"
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()


def _recreate(database_url: str) -> None:
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _generate(count: int, views_per_account: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from catalog.models import Genre, Region, Title

    call_command("migrate", verbosity=0)
    regions = [Region.objects.create(code=c, name=c) for c in ("US", "GB", "DE", "FR")]
    genres = [Genre.objects.create(name=g, slug=g.lower()) for g in ("Comedy", "Drama", "Horror", "Action")]
    titles = Title.objects.bulk_create([
        Title(name=f"Bench title {i}", year=1990 + i % 30, maturity_rating=["PG", "PG-13", "R"][i % 3])
        for i in range(400)
    ])
    for i, t in enumerate(titles):
        t.genres.add(genres[i % 4])
    from accounts.models import Plan

    plans = [Plan.objects.create(code=c, name=c, monthly_price=p) for c, p in (("basic", 7), ("premium", 15))]
    r0, p0, t0 = regions[0].pk, plans[0].pk, titles[0].pk
    with connection.cursor() as c:
        c.execute(
            """INSERT INTO accounts_user (password, is_superuser, email, is_staff, is_active, date_joined,
                   first_name, last_name, marketing_consent, region_id, plan_id)
               SELECT '!', false, 'bench' || g || '@bench.test', false, true, now() - (g %% 700) * interval '1 day',
                   '', '', (g %% 10) < 8, %s + (g %% 4), %s + (g %% 2) FROM generate_series(1, %s) g""",
            [r0, p0, count],
        )
        c.execute(
            """INSERT INTO accounts_profile (account_id, name, maturity_limit, avatar_color, created_at)
               SELECT id, 'Main', 'all', '#e50914', now() - interval '800 days' FROM accounts_user"""
        )
        c.execute(
            """INSERT INTO activity_viewingevent (profile_id, title_id, started_at, updated_at, seconds_watched, completion)
               SELECT p.id, %s + ((p.id * 7 + s * 13) %% 400),
                      now() - ((p.id %% 90) + s * ((p.id %% 5) + 1)) * interval '1 day' / 2, now(),
                      600 * (1 + (p.id + s) %% 10), 0.1 * (1 + (p.id + s) %% 9)
               FROM accounts_profile p CROSS JOIN generate_series(1, %s) s
               WHERE s <= 1 + (p.id %% %s)""",
            [t0, views_per_account, views_per_account],
        )
        c.execute("ANALYZE")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(database_url: str, count: int, views_per_account: int, workers: int) -> dict:
    _setup(database_url)
    from django.db import connection

    t = time.perf_counter()
    _generate(count, views_per_account)
    out = {"count": count, "generate_s": time.perf_counter() - t}
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM activity_viewingevent")
        out["views"] = c.fetchone()[0]
    out["rss_after_generate_mb"] = _peak_mb()

    from marketing import campaigns, segments
    from marketing.models import Campaign, Offer, Segment, SegmentRule

    t = time.perf_counter()
    segments.refresh_engagement_tiers()
    out["tiers_s"] = time.perf_counter() - t
    lapsed = Segment.objects.create(name="lapsed")
    SegmentRule.objects.create(segment=lapsed, field="days_since_last_view", operator="gte", value="40")
    target = Segment.objects.create(name="target", match=Segment.Match.ALL)
    for field, op, value, amount in [
        ("region", "is", "US, GB, DE", None), ("tenure_days", "gte", "30", None),
        ("hours_watched_30d", "lt", "40", None), ("genre_affinity", "lte", "horror", 3),
        ("engagement_tier", "is_not", "Champions", None),
    ]:
        SegmentRule.objects.create(segment=target, field=field, operator=op, value=value, amount=amount)
    target.exclude.add(lapsed)
    t = time.perf_counter()
    out["members"] = segments.refresh_membership(target)
    out["refresh_s"] = time.perf_counter() - t
    out["rss_after_refresh_mb"] = _peak_mb()

    campaign = Campaign.objects.create(
        name="bench", segment=target, holdout_share=0.1, subject="Hi {profile_name}: {offer}",
        html_body="<p>{offer}</p><p><a href='{title_url}'>{title}</a> <img src='{artwork_url}'></p>",
        text_body="{offer} {title} {title_url}",
    )
    for code in ("ten-off", "upgrade", "new-season"):
        Offer.objects.create(campaign=campaign, code=code, headline=code)
    t = time.perf_counter()
    out["recipients"] = campaigns.start(campaign, refresh_segment=False)
    out["start_s"] = time.perf_counter() - t
    out["rss_after_start_mb"] = _peak_mb()
    t = time.perf_counter()
    # Each sender is its own process, as Celery workers would be; claims keep their rows disjoint.
    procs = [
        subprocess.Popen([sys.executable, __file__, "_send", "--database-url", database_url, "--campaign", str(campaign.pk)],
                         stdout=subprocess.PIPE, text=True)
        for _ in range(workers)
    ]
    reports = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    out["send_s"] = time.perf_counter() - t
    out["sent"] = sum(r["sent"] for r in reports)
    out["sender_peak_rss_mb"] = max(r["peak_rss_mb"] for r in reports)
    out["peak_rss_mb"] = max(_peak_mb(), out["sender_peak_rss_mb"])
    return out


def _send(database_url: str, campaign_id: int) -> dict:
    _setup(database_url)
    from django.core.mail import get_connection

    from marketing import sending

    sent = 0
    with open(os.devnull, "w") as null:
        connection = get_connection(stream=null)  # the console backend, writing to /dev/null
        while True:
            counts = sending.send_batch(campaign_id, connection=connection)
            sent += counts["sent"]
            if not counts["remaining"] or not (counts["sent"] or counts["skipped"]):
                break
    return {"sent": sent, "peak_rss_mb": _peak_mb()}


def scale(args) -> None:
    rows = []
    for count in args.counts:
        _recreate(args.database_url)
        proc = subprocess.run(
            [sys.executable, __file__, "_child", "--database-url", args.database_url, "--count", str(count),
             "--views-per-account", str(args.views_per_account), "--workers", str(args.workers)],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode:
            sys.exit(proc.stderr[-4000:])
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    base = rows[0]
    print(f"senders: {args.workers} process(es)")
    for r in rows:
        print(f"{r['count']:,}: RSS MB after generating {r['rss_after_generate_mb']:.0f}, after tiers+refresh "
              f"{r['rss_after_refresh_mb']:.0f}, after start {r['rss_after_start_mb']:.0f}, "
              f"peak sender {r['sender_peak_rss_mb']:.0f}")
    print("| subscribers | views | members | recipients | tiers s | refresh s | start s | send s (sent) | peak RSS MB | "
          "refresh × | send × | RSS × |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['count']:,} | {r['views']:,} | {r['members']:,} | {r['recipients']:,} | {r['tiers_s']:.1f} | "
              f"{r['refresh_s']:.1f} | {r['start_s']:.1f} | {r['send_s']:.1f} ({r['sent']:,}) | {r['peak_rss_mb']:.0f} | "
              f"{r['refresh_s'] / base['refresh_s']:.1f} | {r['send_s'] / base['send_s']:.1f} | "
              f"{r['peak_rss_mb'] / base['peak_rss_mb']:.2f} |")


# --- Lift interval coverage -------------------------------------------------------------------------


def _wald(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float, float]:
    p1, p2 = x1 / n1, x2 / n2
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return p1 - p2, p1 - p2 - 1.96 * se, p1 - p2 + 1.96 * se


def lift(args) -> None:
    import django
    import numpy as np

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
    django.setup()  # results.py lives among the app's models; no database is touched here
    from marketing.results import newcombe_difference

    rng = np.random.default_rng(args.seed)
    random.seed(args.seed)
    cases = [(0.10, 0.02, 0.1), (0.03, 0.01, 0.1), (0.20, 0.0, 0.2), (0.01, 0.005, 0.05)]
    print("| base rate | true lift | holdout | population | Newcombe covers | Wald covers | Newcombe mean width pp |")
    print("|---|---|---|---|---|---|---|")
    for base, effect, holdout in cases:
        covered = {"newcombe": 0, "wald": 0}
        width = 0.0
        for _ in range(args.repetitions):
            held = rng.random(args.population) < holdout
            p = np.where(held, base, base + effect)
            converted = rng.random(args.population) < p
            x1, n1 = int(converted[~held].sum()), int((~held).sum())
            x2, n2 = int(converted[held].sum()), int(held.sum())
            _, lo, hi = newcombe_difference(x1, n1, x2, n2)
            covered["newcombe"] += lo <= effect <= hi
            width += hi - lo
            _, lo, hi = _wald(x1, n1, x2, n2)
            covered["wald"] += lo <= effect <= hi
        print(f"| {base:.3f} | {effect:+.3f} | {holdout:.2f} | {args.population:,} | "
              f"{covered['newcombe']}/{args.repetitions} | {covered['wald']}/{args.repetitions} | "
              f"{100 * width / args.repetitions:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("scale")
    s.add_argument("--database-url", required=True)
    s.add_argument("--counts", type=int, nargs="+", default=[10_000, 100_000])
    s.add_argument("--views-per-account", type=int, default=8)
    s.add_argument("--workers", type=int, default=1, help="sender processes (Celery workers)")
    c = sub.add_parser("_child")
    c.add_argument("--database-url", required=True)
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--views-per-account", type=int, default=8)
    c.add_argument("--workers", type=int, default=1)
    snd = sub.add_parser("_send")
    snd.add_argument("--database-url", required=True)
    snd.add_argument("--campaign", type=int, required=True)
    lf = sub.add_parser("lift")
    lf.add_argument("--repetitions", type=int, default=100)
    lf.add_argument("--population", type=int, default=20_000)
    lf.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.command == "scale":
        scale(args)
    elif args.command == "_child":
        print(json.dumps(_child(args.database_url, args.count, args.views_per_account, args.workers)))
    elif args.command == "_send":
        print(json.dumps(_send(args.database_url, args.campaign)))
    else:
        lift(args)


if __name__ == "__main__":
    main()
