"""bench/artwork.py serving: the cost of choosing a 40-title row's artwork, previous path beside current."""

import json
import time

import numpy as np

from artwork import bandits
from bench.artwork_simulator import ARMS, make_subscriber


def previous_probabilities(kind: str, params: dict, context, arms, rng) -> np.ndarray:
    """The serving path before the compiled state, kept as the side-by-side baseline: per title, the linear
    state is rebuilt and inverted and a generator is seeded for the Monte Carlo draws."""
    k = len(arms)
    if kind == "uniform":
        return np.full(k, 1 / k)
    rng = rng()
    if kind == "thompson":
        seg = params.get("segments", {}).get(context.segment, {})
        alpha = np.array([1 + seg.get(str(a.arm_id), [0, 0])[0] for a in arms], dtype=float)
        beta = np.array([1 + seg.get(str(a.arm_id), [0, 0])[1] for a in arms], dtype=float)
        draws = rng.beta(alpha, beta, size=(bandits.MC_DRAWS, k))
    else:
        a_inv, theta = bandits.linear_posterior(params)
        X = np.stack([bandits.joint_vector(context, a.features) for a in arms])
        cov = X @ a_inv @ X.T * float(params.get("v2", 0.25))
        draws = X @ theta + rng.standard_normal((bandits.MC_DRAWS, k)) @ np.linalg.cholesky(cov + 1e-9 * np.eye(k)).T
    wins = np.bincount(draws.argmax(axis=1), minlength=k) / bandits.MC_DRAWS
    p = np.maximum(wins, bandits.MIN_PROBABILITY)
    return p / p.sum()


def serving_cost(world, seed: int, rows: int = 1000, previous_rows: int = 50):
    """p99 ms of choosing 40 titles' artwork, previous path and current path side by side, per policy kind
    (policy maths and the session-stable draws; the one asset query is not included). The previous path is
    timed on the first `previous_rows` rows only: it inverts the linear state once per title."""
    rng = np.random.default_rng(seed)
    out = {}
    row_arms = [[bandits.Arm(title * ARMS + a, f) for a, f in enumerate(world[title % len(world)])]
                for title in range(40)]
    # Each row is a different profile (its taste vector is reduced against the state afresh, as for a
    # profile served for the first time since the state's version), with the simulator's tastes.
    viewers = [make_subscriber(rng).context() for _ in range(rows)]
    for kind in ("uniform", "thompson", "lints"):
        rows_data = [(viewers[i % rows], i * ARMS, world[i % len(world)][0], float(rng.random() < 0.1))
                     for i in range(2000)]
        params = json.loads(json.dumps(bandits.update(kind, {}, rows_data)))  # as stored: JSON lists
        compiled = bandits.compile_state(kind, params)  # once per state version (cached by artwork.policy_state)
        before, after, before_cpu, after_cpu = [], [], [], []
        for r in range(rows):
            if r < previous_rows:  # the previous path inverts per title: a sample of rows is enough
                start, cpu = time.perf_counter(), time.thread_time()
                for title, arms in enumerate(row_arms):
                    p = previous_probabilities(kind, params, viewers[r], arms,
                                               lambda r=r, t=title: np.random.default_rng([r, t]))
                    bandits.draw(p, bandits.stable_uniform("draw", r, title))
                before.append(time.perf_counter() - start)
                before_cpu.append(time.thread_time() - cpu)
            start, cpu = time.perf_counter(), time.thread_time()
            vectors = bandits.row_probabilities(compiled, viewers[r], row_arms)
            for title, p in enumerate(vectors):
                bandits.draw(p, bandits.stable_uniform("draw", r, title))
            after.append(time.perf_counter() - start)
            after_cpu.append(time.thread_time() - cpu)
        out[kind] = {"previous_median_ms": round(float(np.median(before) * 1000), 3),
                     "current_median_ms": round(float(np.median(after) * 1000), 3),
                     "previous_p99_ms": round(float(np.percentile(before, 99) * 1000), 3),
                     "current_p99_ms": round(float(np.percentile(after, 99) * 1000), 3),
                     # CPU time of this thread: the same p99 without the waits for a core on a shared machine
                     "previous_p99_cpu_ms": round(float(np.percentile(before_cpu, 99) * 1000), 3),
                     "current_p99_cpu_ms": round(float(np.percentile(after_cpu, 99) * 1000), 3),
                     "compile_once_ms": round(_time_ms(lambda k=kind, p=params: bandits.compile_state(k, p)), 3)}
        out[kind]["median_speedup"] = round(out[kind]["previous_median_ms"] / max(out[kind]["current_median_ms"], 1e-6), 1)
    return out


def _time_ms(work) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000
