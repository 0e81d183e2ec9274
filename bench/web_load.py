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
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ENDPOINTS = [
    ("trivial /healthz", "/healthz"),
    ("home /", "/"),
    ("rows API /api/recommendations/rows/", "/api/recommendations/rows/"),
    ("cards API /api/rows/", "/api/rows/"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_database(url: str, fresh: bool) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def manage(env: dict, *args: str) -> None:
    print("$ manage.py", " ".join(args), flush=True)
    subprocess.run([PYTHON, "manage.py", *args], cwd=REPO, env=env, check=True)


def bench_sessions(env: dict, count: int) -> list[str]:
    """Session cookies of `count` onboarded demo profiles, made in the bench database directly."""
    code = f"""
import django, json
django.setup()
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from accounts.access import SESSION_PROFILE_KEY
from accounts.models import Profile
profiles = list(Profile.objects.filter(account__is_staff=False, viewing_events__isnull=False)
                .select_related("account").distinct().order_by("id")[:{count}])
keys = []
for p in profiles:
    if p.onboarded_at is None:
        p.onboarded_at = timezone.now(); p.save(update_fields=["onboarded_at"])
    s = SessionStore()
    s[SESSION_KEY] = str(p.account.pk); s[BACKEND_SESSION_KEY] = "accounts.cached.CachedModelBackend"
    s[HASH_SESSION_KEY] = p.account.get_session_auth_hash(); s[SESSION_PROFILE_KEY] = p.pk
    s.create(); keys.append(s.session_key)
print(json.dumps(keys))
"""
    out = subprocess.run([PYTHON, "-c", code], cwd=REPO, env=env, check=True, capture_output=True, text=True)
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


FLUSHER = """
import django, json, os, sys, time
from dataclasses import asdict
django.setup()
from django.db import connection
from activity.impressions import flush_buffer
from activity.models import Impression

def backend_cpu():  # CPU seconds of this process's PostgreSQL backend (same machine), or None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None

for line in sys.stdin:  # "flush", or "count" (kept out of the flush timing: a count scans the table)
    if line.strip() == "flush":
        own, pg = time.process_time(), backend_cpu()
        reply = asdict(flush_buffer())
        after = backend_cpu()
        reply["cpu_s"] = time.process_time() - own + (after - pg if pg is not None and after is not None else float("nan"))
    else:
        reply = {"rows": Impression.objects.count()}
    print(json.dumps(reply), flush=True)
"""


class Flusher:
    """A Django process that empties the impression buffer on request (what the beat task does)."""

    def __init__(self, env: dict) -> None:
        self.process = subprocess.Popen([PYTHON, "-c", FLUSHER], cwd=REPO, env=env, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def ask(self, command: str) -> dict:
        import json

        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def flush(self) -> tuple[float, dict]:
        started = time.perf_counter()
        report = self.ask("flush")
        return time.perf_counter() - started, report

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer on 127.0.0.1:{port} within {timeout}s")


def run_phase(port: int, path: str, sessions: list[str], clients: int, total: int, max_seconds: float) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(total))
    deadline = time.monotonic() + max_seconds

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": f"sessionid={sessions[index % len(sessions)]}", "Connection": "keep-alive"}
        local = []
        while time.monotonic() < deadline:
            with lock:
                if next(counter, None) is None:
                    break
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException) as error:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                response = error
            elapsed = time.perf_counter() - start
            if ok:
                local.append(elapsed)
            else:
                with lock:
                    errors.append(str(getattr(response, "status", response)))
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")  # noqa: E731
    return {"requests": len(latencies), "errors": len(errors), "error_kinds": sorted(set(errors))[:3], "latencies": latencies,
            "rps": len(latencies) / wall if wall else 0.0, "wall_s": wall, "p50_ms": pick(0.50), "p99_ms": pick(0.99),
            "mean_ms": statistics.fmean(latencies) * 1000 if latencies else float("nan")}


def pooled(runs: list[dict]) -> dict:
    """Median throughput over rounds; latency percentiles over every request of every round."""
    latencies = sorted(x for r in runs for x in r["latencies"])
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")  # noqa: E731
    return {"requests": len(latencies), "errors": sum(r["errors"] for r in runs),
            "error_kinds": sorted({k for r in runs for k in r["error_kinds"]})[:3],
            "rps": statistics.median(r["rps"] for r in runs), "round_rps": [r["rps"] for r in runs],
            "round_rps_cpu": [r["rps_cpu"] for r in runs], "round_rps_raw": [r["rps_raw"] for r in runs],
            "p50_ms": pick(0.50), "p99_ms": pick(0.99)}


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
