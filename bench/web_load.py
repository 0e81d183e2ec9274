"""Load test of the web tier: gunicorn + PostgreSQL, 16 concurrent keep-alive clients on loopback.

Measures requests/s and p50/p99 latency of the home page and the rows API beside a trivial
Django view (/healthz) served by the same server in the same run, and prints the ratios.

    .venv/bin/python bench/web_load.py [--database-url postgres://postgres@127.0.0.1:5432/marquee_bench]
        [--clients 16] [--rounds 5] [--max-seconds 6] [--requests CAP] [--workers 5] [--cache-url redis://...] [--fresh]

It creates the database if missing (psycopg), migrates it, seeds the demo world, trains the
recommender so home rows come from stored candidates, collects static files for whitenoise,
then starts gunicorn with DEBUG=0 on 127.0.0.1 only.

Pages log their impressions to a Redis buffer that production flushes into PostgreSQL every 10 s.
Here the flush runs right after each phase, alone on the machine, and its time is added to the
phase's: the throughput reported is what the page sustains *including* writing its impressions,
and no phase pays for another's backlog.
"""

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for the bench.* modules beside this script

from bench.web_load_clients import pooled, run_phase  # noqa: E402
from bench.web_load_server import Flusher, bench_sessions, ensure_database, free_port, manage, wait_for  # noqa: E402

PYTHON = sys.executable
ENDPOINTS = [
    ("trivial /healthz", "/healthz"),
    ("home /", "/"),
    ("rows API /api/recommendations/rows/", "/api/recommendations/rows/"),
    ("cards API /api/rows/", "/api/rows/"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/marquee_bench")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=100_000, help="per endpoint and round (cap)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds; the ratio reported is their median")
    parser.add_argument("--max-seconds", type=float, default=6, help="per endpoint and round, whichever comes first")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/14",
                        help="shared cache for all gunicorn workers, as in production ('' for per-process memory)")
    parser.add_argument("--only", default="", help="comma-separated endpoint paths to run (default: all); the trivial view always runs")
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the bench database")
    parser.add_argument("--skip-setup", action="store_true", help="reuse the database as it is")
    args = parser.parse_args()

    static_root = REPO / "var" / "bench-static"
    env = {**os.environ, "DATABASE_URL": args.database_url, "DEBUG": "0", "SECRET_KEY": "bench-" + "x" * 50,
           "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0", "STATIC_ROOT": str(static_root),
           "DATABASE_CONN_MAX_AGE": "600", "CACHE_URL": args.cache_url, "IMPRESSION_BUFFER_URL": args.cache_url, "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "marquee.settings",
           "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "platform")])}
    if not args.skip_setup:
        ensure_database(args.database_url, args.fresh)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "seed_demo", "--if-empty")
        manage(env, "train_recommender")
        manage(env, "collectstatic", "--noinput", "-v", "0")
    sessions = bench_sessions(env, args.clients)
    if not sessions:
        raise SystemExit("no demo profiles with viewing history in the bench database")

    flusher = Flusher(env)
    impressions_before = flusher.ask("count")["rows"]
    port = free_port()
    server = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "marquee.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--worker-class", "sync", "--keep-alive", "30", "--log-level", "warning"],
        cwd=REPO, env=env,
    )
    try:
        wait_for(port)
        wanted = {p for p in args.only.split(",") if p}
        chosen = [(label, path) for label, path in ENDPOINTS if not wanted or path == "/healthz" or path in wanted]
        for _label, path in chosen:
            run_phase(port, path, sessions, args.clients, args.clients * 5, 10)  # warm every worker
        flusher.flush()
        # Rounds alternate the endpoints, so a burst of other load on the machine hits them alike.
        rounds: dict[str, list[dict]] = {label: [] for label, _ in chosen}
        for number in range(1, args.rounds + 1):
            for label, path in chosen:
                r = run_phase(port, path, sessions, args.clients, args.requests, args.max_seconds)
                r["flush_s"], report = flusher.flush()
                r["flush_cpu_s"] = report.get("cpu_s", float("nan"))
                r["rps_raw"] = r["rps"]
                # Sustained throughput with the page's impressions written. Conservative: the flush is charged
                # its wall time, as if nothing could run beside it. By CPU: charged the CPU the flusher and its
                # PostgreSQL backend used, spread over the machine's cores (they run beside the pages in production).
                r["rps"] = r["requests"] / (r["wall_s"] + r["flush_s"])
                cpu = r["flush_cpu_s"] if r["flush_cpu_s"] == r["flush_cpu_s"] else r["flush_s"] * (os.cpu_count() or 1)
                r["rps_cpu"] = r["requests"] / (r["wall_s"] + cpu / (os.cpu_count() or 1))
                rounds[label].append(r)
                print(f"round {number} {label:36} {r['requests']:6d} ok {r['errors']:4d} errors  {r['rps']:8.1f} req/s "
                      f"(serving alone {r['rps_raw']:.1f}, flush charged by CPU {r['rps_cpu']:.1f}; flush {r['flush_s']:.2f} s wall, "
                      f"{r['flush_cpu_s']:.2f} s CPU) "
                      f"p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms", flush=True)
        results = {label: pooled(runs) for label, runs in rounds.items()}
    finally:
        server.terminate()
        server.wait(timeout=30)
    flusher.flush()
    logged = flusher.ask("count")["rows"] - impressions_before
    flusher.close()

    base = results[ENDPOINTS[0][0]]
    print(f"\n{args.clients} clients, {args.workers} gunicorn sync workers, {os.cpu_count()} CPUs, PostgreSQL, DEBUG=0\n")
    print("| endpoint | requests | errors | req/s (median of rounds) | ratio to trivial (median of rounds) | ratio per round | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for label in results:
        r = results[label]
        ratios = [x / b for x, b in zip(r["round_rps"], base["round_rps"], strict=True)]
        print(f"| {label} | {r['requests']} | {r['errors']} | {r['rps']:.1f} | {statistics.median(ratios):.2f} | "
              f"{', '.join(f'{x:.2f}' for x in ratios)} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} |")
    print("\nthe same ratio (median of rounds) with each phase's impression flush charged by CPU instead of wall time, "
          "and for serving alone (flush not charged):")
    for label in results:
        r = results[label]
        by_cpu = statistics.median(x / b for x, b in zip(r["round_rps_cpu"], base["round_rps_cpu"], strict=True))
        alone = statistics.median(x / b for x, b in zip(r["round_rps_raw"], base["round_rps_raw"], strict=True))
        print(f"  {label:36} by CPU {by_cpu:.2f}   serving alone {alone:.2f}")
    pages = sum(r["requests"] for label, r in results.items() if label != ENDPOINTS[0][0])
    print(f"\nimpressions written during the run: {logged} "
          f"for {pages} measured pages with cards (warm-up pages log too)")
    if any(r["errors"] for r in results.values()):
        print("errors:", {k: r["error_kinds"] for k, r in results.items() if r["errors"]})


if __name__ == "__main__":
    main()
