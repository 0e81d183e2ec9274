"""Benchmark: batch-scoring time and peak memory against the number of profiles (issue 16).

    nice -n 10 .venv/bin/python bench/scoring_scale.py /work/shared/data/ml-latest-small \
        [--profiles 1000,10000,100000] [--chunk 5000] [--epochs 5]

Fits the hybrid on the MovieLens folder with few epochs (the model's quality does not matter here, only
the shape of its embeddings: 64 components over the catalogue), then, for each profile count, in a fresh
process so peaks do not mix: draws synthetic profiles (user vectors from a normal with the trained
users' mean and covariance, plus a few seen titles each, drawn by popularity) and scores them in
fan-out chunks of `--chunk` profiles with the two generators `candidates.write_candidates` consumes in
a chunk (`rescore_profiles`, what `score_profiles_task` runs): the hybrid's top-N
(`scoring.top_n_for_users`) and the peer lists (`scoring.peer_lists`), with the production settings'
sizes. Not in these timings: the database (reading the chunk's history, writing its Candidate rows),
loading the artefact, and the two-stage ranker (a version that has one takes its top picks from
`ranker.ranked_lists` instead of the top-N; its generators are fitted on the real training users and
cannot score synthetic ones), so they are the scoring's own cost, a lower bound of a chunk's. Then, in
one more process, the anchor's profiles go through `write_candidates` itself with its Candidate rows
bulk-created in a throwaway SQLite database, to show what the write adds beside the scoring-only run.

Per size: wall and CPU seconds of each generator, seconds per 1k profiles, peak RSS (getrusage in that
process) and the RSS before scoring, and the ratio of the per-profile time to the smallest size's (the
anchor, measured in the same run): ~1.0 where the cost grows linearly. Then a projection for 10M
profiles on 1, 8 and 32 chunk workers from one worker's measured per-profile cost.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "platform")]

from bench.scoring_scale_measure import (  # noqa: E402
    CANDIDATES,
    FANOUT_CHUNK,
    PEER_CANDIDATES,
    THREADS,
    WRITE_CHUNK,
    measure,
    measure_with_writes,
    synthetic_profiles,  # noqa: F401 (tests/test_bench_scoring_scale.py reaches it through this script)
)
from recommendations.dataset import from_movielens  # noqa: E402
from recommendations.hybrid import HybridParams, HybridRecommender  # noqa: E402
from recommendations.scoring import PEER_POOL  # noqa: E402

TARGET = 10_000_000
WORKERS = (1, 8, 32)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def growth_exponent(small: dict, large: dict, key: str) -> float:
    """b in t = a * P^b between two sizes (1 = linear, 2 = quadratic)."""
    return float(np.log(large[key] / small[key]) / np.log(large["profiles"] / small["profiles"]))


def compared(profiles: int) -> int:
    """How many profiles each profile is compared with in the peer lists: all of them, up to the peer pool."""
    return min(profiles, PEER_POOL)


def per_profile_model(results: list[dict], key: str) -> tuple[float, float]:
    """(a, b) of seconds per profile = a + b * C, least squares over the measured sizes, C = `compared(P)`.

    The peer lists compare each profile with the C profiles of the peer pool and then rank the catalogue
    from its peers, so their cost per profile is a constant plus a part that grows with C (with P until
    the pool is full, then no more); the top-N has no such term in its code.
    """
    sizes = np.array([compared(row["profiles"]) for row in results], dtype=np.float64)
    per = np.array([row[key] / row["profiles"] for row in results])
    if len(results) < 2:
        return float(per[0]), 0.0
    slope, intercept = np.polyfit(sizes, per, 1)
    return float(intercept), float(max(slope, 0.0))


def projection(results: list[dict], target: int = TARGET) -> dict[str, float]:
    """One worker's seconds for `target` profiles per generator: the top-N at the largest size's per-profile
    cost (linear), the peer lists from `per_profile_model` (linear in total once the peer pool is full)."""
    largest = results[-1]
    intercept, slope = per_profile_model(results, "peers_s")
    # Past a full peer pool each profile is compared with the same number of others: the largest size's
    # measured cost per profile then holds (it is above the fit's where load noise lifted it).
    if compared(target) == compared(largest["profiles"]):
        per_peer_profile = largest["peers_s"] / largest["profiles"]
    else:
        per_peer_profile = intercept + slope * compared(target)
    return {
        "top_n": largest["top_n_s"] / largest["profiles"] * target,
        "peers": per_peer_profile * target,
    }


def duration(seconds: float) -> str:
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:,.1f} {unit}"
    return f"{seconds:.1f} s"


def report(results: list[dict], chunk: int) -> None:
    for row in results:
        row["total_s"] = row["top_n_s"] + row["peers_s"]
        row["total_cpu_s"] = row["top_n_cpu_s"] + row["peers_cpu_s"]
    anchor = results[0]

    def per_k(row: dict, key: str) -> float:
        return row[key] / row["profiles"] * 1000

    def ratio(row: dict, key: str) -> float:
        return per_k(row, key) / per_k(anchor, key)

    print(f"\nfan-out chunks of {chunk:,} profiles; top-{CANDIDATES} and {PEER_CANDIDATES} peer picks per profile, "
          f"{THREADS} threads; anchor = {anchor['profiles']:,} profiles, ratio = time per profile / the anchor's "
          f"(1.0 = linear growth)\n")
    print("| profiles | chunks | top-N wall s | s / 1k | ratio | peer lists wall s | s / 1k | ratio |")
    print("| " + " | ".join(["---"] * 8) + " |")
    for row in results:
        cells = [f"{row['profiles']:,}", str(row["chunks"])]
        for key in ("top_n_s", "peers_s"):
            cells += [f"{row[key]:.2f}", f"{per_k(row, key):.3f}", f"{ratio(row, key):.2f}"]
        print("| " + " | ".join(cells) + " |")
    print("\n| profiles | total wall s | wall s / 1k | wall ratio | total CPU s | CPU s / 1k | CPU ratio "
          "| RSS before scoring MB | peak RSS MB |")
    print("| " + " | ".join(["---"] * 9) + " |")
    for row in results:
        cells = [f"{row['profiles']:,}"]
        for key in ("total_s", "total_cpu_s"):
            cells += [f"{row[key]:.2f}", f"{per_k(row, key):.3f}", f"{ratio(row, key):.2f}"]
        cells += [f"{row['rss_before_mb']:.0f}", f"{row['peak_mb']:.0f}"]
        print("| " + " | ".join(cells) + " |")
    if len(results) > 1:
        small, large = results[-2], results[-1]
        exponents = {name: growth_exponent(small, large, f"{name}_s") for name in ("top_n", "peers", "total")}
        print(f"\ngrowth exponent b (wall t ~ P^b) between {small['profiles']:,} and {large['profiles']:,}: "
              + ", ".join(f"{name} {b:.2f}" for name, b in exponents.items()))
        extra = (large["peak_mb"] - large["rss_before_mb"]) - (small["peak_mb"] - small["rss_before_mb"])
        print(f"scoring's peak above the RSS before it: {small['peak_mb'] - small['rss_before_mb']:.0f} MB at "
              f"{small['profiles']:,}, {large['peak_mb'] - large['rss_before_mb']:.0f} MB at {large['profiles']:,} "
              f"({extra * 1024 / (large['profiles'] - small['profiles']):.2f} kB per extra profile)")
    intercept, slope = per_profile_model(results, "peers_s")
    single = projection(results)
    largest = results[-1]
    print(f"\nprojection for {TARGET:,} profiles from one chunk worker's measured cost: top-N at "
          f"{per_k(largest, 'top_n_s'):.3f} s / 1k (its cost at {largest['profiles']:,}, linear); peer lists at "
          f"{intercept * 1e6:.0f} us + {slope * 1e9:.2f} us x C/1k per profile (C = profiles compared, all of them up "
          f"to the {PEER_POOL:,}-profile peer pool; fitted over the sizes above, or the largest size's own cost once the pool is full there). Workers on their own {THREADS} cores; database, artefact loading and the ranker not "
          f"included:")
    print("| workers | top-N | peer lists | both |")
    print("| --- | --- | --- | --- |")
    for workers in WORKERS:
        print(f"| {workers} | {duration(single['top_n'] / workers)} | {duration(single['peers'] / workers)} | "
              f"{duration(sum(single.values()) / workers)} |")
    print(f"memory at {TARGET:,}: each worker holds every profile's vector ({TARGET * 64 * 4 / 1e9:.1f} GB at 64 "
          f"float32 components) and, in the peer lists, a block of {WRITE_CHUNK} x {compared(TARGET):,} similarities "
          f"({WRITE_CHUNK * compared(TARGET) * 4 / 1e6:.0f} MB float32, plus top_k's negated copy and int64 indexes)")


def report_writes(written: dict, results: list[dict]) -> None:
    """The write-inclusive chunk beside the scoring-only one of the same size (or the anchor, per profile)."""
    same = next((row for row in results if row["profiles"] == written["profiles"]), results[0])
    scoring_per = (same["top_n_s"] + same["peers_s"]) / same["profiles"]
    write_per = written["write_s"] / written["profiles"]
    print(f"\nwrite_candidates itself (Candidate rows bulk-created in SQLite, a transaction per chunk), "
          f"{written['profiles']:,} profiles: {written['write_s']:.1f} s ({write_per * 1000:.2f} s / 1k, CPU "
          f"{written['write_cpu_s']:.1f} s), {written['rows']:,} rows, peak RSS {written['peak_mb']:.0f} MB; "
          f"scoring only at {same['profiles']:,} in this run {scoring_per * 1000:.3f} s / 1k: write-inclusive / "
          f"scoring-only = {write_per / scoring_per:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("movielens", type=Path, help="a MovieLens folder (ratings.csv, movies.csv, tags.csv)")
    parser.add_argument("--profiles", default="1000,10000,100000",
                        help="comma-separated profile counts; the first is the anchor the ratios are taken against")
    parser.add_argument("--chunk", type=int, default=FANOUT_CHUNK, help="profiles per fan-out chunk")
    parser.add_argument("--epochs", type=int, default=5, help="training epochs (quality does not matter here)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write-profiles", type=int, default=None,
                        help="also run write_candidates with SQLite writes for this many profiles (default: the "
                             "anchor size; 0 skips)")
    args = parser.parse_args()
    if not (args.movielens / "ratings.csv").is_file():
        parser.error(f"{args.movielens}: no ratings.csv there")
    sizes = [int(part) for part in args.profiles.split(",") if part.strip()]
    if not sizes or min(sizes) < 1 or args.chunk < 1:
        parser.error("--profiles and --chunk must be positive")
    wall = time.perf_counter()
    load_at_start = os.getloadavg()
    data = from_movielens(args.movielens)
    started = time.perf_counter()
    model = HybridRecommender(HybridParams(epochs=args.epochs), seed=args.seed, threads=THREADS)
    model.fit_events(data)
    log(f"{data.n_users} users, {data.n_items} titles, {len(data.events)} ratings; hybrid fitted with "
        f"{args.epochs} epochs in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory(prefix="marquee-bench-scale-") as workdir:
        artifact = Path(workdir) / "embeddings.npz"
        artifact.write_bytes(model.embeddings.to_bytes())
        results = []
        for n in sizes:
            # A fresh process per size: its peak RSS is that size's alone.
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                results.append(pool.apply(measure, (str(artifact), n, args.chunk, args.seed)))
            row = results[-1]
            log(f"{n:,} profiles: top-N {row['top_n_s']:.2f} s, peers {row['peers_s']:.2f} s, peak RSS "
                f"{row['peak_mb']:.0f} MB (generated in {row['generate_s']:.1f} s)")
        written = None
        write_n = sizes[0] if args.write_profiles is None else args.write_profiles
        if write_n > 0:
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                written = pool.apply(measure_with_writes, (str(artifact), write_n, args.chunk, args.seed, workdir))
    report(results, args.chunk)
    if written:
        report_writes(written, results)
    load_at_end = os.getloadavg()
    print(f"\nwall time {time.perf_counter() - wall:.0f} s; load average (1/5/15 min) at start "
          f"{'/'.join(f'{x:.1f}' for x in load_at_start)}, at end {'/'.join(f'{x:.1f}' for x in load_at_end)} "
          f"({os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
