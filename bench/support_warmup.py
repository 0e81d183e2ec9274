"""First support answer's latency in a fresh web process: no warm-up, MiniLM's warm-up only (as before
support_bot.warmup), and both warm-ups, each in fresh interpreters, interleaved.

    nice -n 10 .venv/bin/python bench/support_warmup.py --engine FILE [--runs 2] [--pause 20]

FILE is an engine saved by `bench/support_bot.py --save-engine FILE`; it is registered as the active engine
in a throwaway SQLite database and artefact folder under --workdir (nothing else is touched). Each child
takes its first request (`request_started`, any page), waits `--pause` seconds (the pages a subscriber opens
before asking), then times what `support_bot.services.decide` pays for the first question: the active
engine (`index.active_engine()`, loading the artefact if needed) and its prediction.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGISTER = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
import django
django.setup()
from support_bot.models import EngineIndex
EngineIndex.objects.all().delete()
EngineIndex.objects.create(version=1, kb_fingerprint="bench", status=EngineIndex.Status.READY, is_active=True,
                           artifact="engine-v1.joblib")
"""
CHILD = """
import json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marquee.settings")
import django
django.setup()
from django.core.signals import request_started
if sys.argv[2] == "minilm-only":  # the process as it was before support_bot.warmup
    request_started.disconnect(dispatch_uid="support_bot.warmup.first_request")
request_started.send(sender=None)  # the process's first request (any page)
t_request = time.perf_counter()
time.sleep(float(sys.argv[1]))
from support_bot import index
t0 = time.perf_counter()
_, engine = index.active_engine()
prediction = engine.predict("how do i cancle my plan")
done = time.perf_counter()
print(json.dumps({"first_answer_s": done - t0, "slug": prediction.slug}))
"""
MODES = {"cold": "0", "minilm-only": "1", "both": "1"}  # mode -> SEMANTIC_WARMUP


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", required=True, help="engine .joblib saved by bench/support_bot.py")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--pause", type=float, default=20.0, help="seconds between the first request and the question")
    parser.add_argument("--workdir", help="where the throwaway database and artefact go (default: a temp folder)")
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="support-warmup-"))
    (work / "models" / "support_bot").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.engine, work / "models" / "support_bot" / "engine-v1.joblib")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
        "MODEL_ARTIFACT_DIR": str(work / "models"),
        "CACHE_URL": "",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "platform")]),
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "-c", REGISTER], cwd=ROOT, env=env, check=True)

    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    for _ in range(args.runs):  # interleaved, so load on the machine hits every mode alike
        for mode, warm in MODES.items():
            out = subprocess.run([sys.executable, "-c", CHILD, str(args.pause), mode], cwd=ROOT,
                                 env={**env, "SEMANTIC_WARMUP": warm}, capture_output=True, text=True, check=True)
            times[mode].append(json.loads(out.stdout.strip().splitlines()[-1])["first_answer_s"])
    print(f"first support answer, median of {args.runs} fresh processes, question {args.pause:.0f} s after the "
          f"first request; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    cold = statistics.median(times["cold"])
    for mode, label in (("cold", "no warm-up (SEMANTIC_WARMUP=0)"), ("minilm-only", "MiniLM warm-up only (before)"),
                        ("both", "MiniLM + support engine warm-up")):
        median = statistics.median(times[mode])
        print(f"  {label:34s} {median * 1000:8.0f} ms  ({median / cold:.3f}x cold)   runs: "
              f"{', '.join(f'{x:.2f}' for x in times[mode])} s")


if __name__ == "__main__":
    main()
