"""First-search latency with and without the MiniLM warm-up, each in a fresh interpreter, side by side.

    nice -n 10 .venv/bin/python bench/search_warmup.py [--runs 3] [--pause 0]

"cold": a web process takes its first request with SEMANTIC_WARMUP off, then embeds the first query
(what a first search pays: the model load plus one embedding). "warm": the same with the warm-up on, the
query arriving `--pause` seconds after the first request (0 = at once: it then waits for the running load;
a pause longer than the load is the common case of a home page before the first search). Times the
embedding of the query only, as search.meaning.meaning_scores does it; the index lookup is the same in both.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
import django
django.setup()
from django.core.signals import request_started
request_started.send(sender=None)  # the process's first request (any page)
t_request = time.perf_counter()
time.sleep(float(sys.argv[1]))
from catalog.embeddings import embed_texts
t0 = time.perf_counter()
embed_texts(["a heist in space"])
done = time.perf_counter()
print(json.dumps({"first_search_s": done - t0, "since_first_request_s": done - t_request}))
"""


def run(warm: bool, pause: float) -> dict:
    env = {
        **os.environ,
        "SEMANTIC_WARMUP": "1" if warm else "0",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
    }
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(pause)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--pause", type=float, default=0.0, help="seconds between the first request and the search"
    )
    args = parser.parse_args()
    cold, warm = [], []
    for _ in range(args.runs):  # interleaved, so load on the machine hits both alike
        cold.append(run(False, args.pause)["first_search_s"])
        warm.append(run(True, args.pause)["first_search_s"])
    c, w = statistics.median(cold), statistics.median(warm)
    print(
        f"first search, median of {args.runs} fresh processes, query {args.pause:.0f} s after the first request"
    )
    print(f"  cold (SEMANTIC_WARMUP=0): {c * 1000:8.0f} ms   runs: {', '.join(f'{x:.2f}' for x in cold)} s")
    print(f"  warm (SEMANTIC_WARMUP=1): {w * 1000:8.0f} ms   runs: {', '.join(f'{x:.2f}' for x in warm)} s")
    print(f"  warm / cold: {w / c:.3f}x")


if __name__ == "__main__":
    main()
