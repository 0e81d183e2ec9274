"""Artwork bandit simulator: synthetic subscribers whose hidden taste depends on artwork attributes.

    .venv/bin/python bench/artwork.py [--rounds 30000 --titles 60 --seed 7 --plot docs/artwork_regret.svg]

Three hidden groups (faces and close-ups, landscapes, dark frames); each subscriber has a viewing history
drawn from its group's genre taste and, mostly, a recommender's noisy view of it (bench/artwork_simulator.py
says how), and the policies see what serving computes from them: the taste segment and the taste vector.
Each title has four candidates with random attributes. Reports take rate after warm-up and cumulative regret
(against the best arm per group and title) for random, the single best artwork for everyone (the A/B
winner), epsilon-greedy, Thompson per segment, linear Thompson over the segment alone (hashed into 16 slots,
the previous context) and linear Thompson over the taste vector, all from `artwork.bandits`, updated in
batches as the beat learner does. Then checks the estimators (`artwork.evaluation`) against the simulator's
truth on 100 repeated uniform logs (an observed segment that agrees with the group 80% of the time), and
times a 40-title row's choice.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from artwork import bandits, evaluation  # noqa: E402
from bench.artwork_serving import serving_cost  # noqa: E402
from bench.artwork_simulator import (  # noqa: E402
    ARMS,
    GROUPS,
    SEGMENTS,
    ceilings,
    make_world,
    observed_segment,
    replay_take_rate,
    simulate,
    take_prob,
    uniform_log,
)

V2_GRID = (0.001, 0.003, 0.01, 0.05, 0.1, 0.25, 1.0)  # linear TS posterior scale (its exploration)
EPSILON_GRID = (0.01, 0.02, 0.05, 0.1, 0.2)
# How many views the recommender's genre distribution counts as in the taste vector (artwork.taste)
EMBEDDING_WEIGHT_GRID = (0.0, 1.0, 3.0, 10.0, 30.0)


def held_out_report(world, args) -> dict:
    """Hyper-parameters chosen by replay on a uniform log of the validation titles; the comparison is run on
    the test titles (other titles, other subscribers, another seed), which no choice saw."""
    half = len(world) // 2
    validation, test = world[:half], world[half:]
    log = uniform_log(validation, args.validation_log, args.seed + 11)
    scores = {}

    def replay(key, kind, **options):
        scores[key] = replay_take_rate(kind, validation, log, args.seed + 12, **options)
        print(f"  validation replay, {key}: take rate {scores[key][0]:.4f} on {scores[key][1]} kept rows", flush=True)

    for v2 in V2_GRID:
        replay(("segment", v2), "lints", v2=v2, context="segment")
    for weight in EMBEDDING_WEIGHT_GRID:
        for v2 in V2_GRID:
            replay(("taste", v2, weight), "lints", v2=v2, context="taste", embedding_weight=weight)
    for eps in EPSILON_GRID:
        replay(("epsilon", eps), "epsilon", epsilon=eps)
    seg_v2 = max(V2_GRID, key=lambda v: scores[("segment", v)][0])
    taste_v2, weight = max(((v, w) for v in V2_GRID for w in EMBEDDING_WEIGHT_GRID),
                           key=lambda vw: scores[("taste", *vw)][0])
    history_v2 = max(V2_GRID, key=lambda v: scores[("taste", v, 0.0)][0])
    eps = max(EPSILON_GRID, key=lambda e: scores[("epsilon", e)][0])
    print(f"chosen on validation: segment linear TS v2={seg_v2}; taste linear TS v2={taste_v2}, embedding weight "
          f"{weight} (history only: v2={history_v2}); epsilon-greedy epsilon={eps}")
    runs = {
        "random": ("random", {}),
        "single-best": ("single-best", {}),
        "epsilon-greedy": ("epsilon-greedy", {"epsilon": eps}),
        "thompson": ("thompson", {}),
        "contextual, segment": ("contextual", {"v2": seg_v2, "context": "segment"}),
        "contextual, taste": ("contextual", {"v2": taste_v2, "context": "taste", "embedding_weight": weight}),
        "contextual, taste without recommender": ("contextual", {"v2": history_v2, "context": "taste",
                                                                 "embedding_weight": 0.0}),
    }
    report = {}
    warm = args.rounds // 3
    for name, (policy, options) in runs.items():
        rewards, regret = simulate(policy, test, args.rounds, args.seed + 21, **options)
        half_r = args.rounds // 2
        report[name] = {"take_rate_after_warmup": round(float(rewards[warm:].mean()), 4),
                        "regret_first_half": round(float(regret[half_r - 1]), 1),
                        "regret_second_half": round(float(regret[-1] - regret[half_r - 1]), 1)}
        print("held-out", name, json.dumps(report[name]), flush=True)
    base = report["single-best"]["take_rate_after_warmup"]
    for name in runs:
        if name not in ("random", "single-best"):
            print(f"held-out {name} / single-best: {report[name]['take_rate_after_warmup'] / base:.3f} (target >= 1.25)")
    print("held-out ceilings from the truth:", json.dumps(ceilings(test)))
    return report


def estimator_check(world, repeats: int, n: int, seed: int):
    """DR and friends on uniform logs against the exact value of a fixed target policy."""
    rng = np.random.default_rng(seed)
    truth = np.array([[[take_prob(g, f) for f in title] for title in world] for g in GROUPS])
    # The target: 80% on the arm best for the observed segment's group, the rest spread.
    def target_row(segment, title):
        p = np.full(ARMS, 0.2 / (ARMS - 1))
        p[truth[SEGMENTS.index(segment), title].argmax()] = 0.8
        return p

    # Exact value: expectation over group, segment noise and title.
    value = 0.0
    for gi in range(len(GROUPS)):
        for si, segment in enumerate(SEGMENTS):
            ps = 0.8 * (si == gi) + 0.2 / len(SEGMENTS)
            for title in range(len(world)):
                value += ps * (target_row(segment, title) @ truth[gi, title]) / len(GROUPS) / len(world)
    seen = {"per-action": {"covered": 0, "errors": []}, "joint": {"covered": 0, "errors": []}}
    first = None
    for rep in range(repeats):
        g = rng.integers(len(GROUPS), size=n)
        titles = rng.integers(len(world), size=n)
        segments = [observed_segment(int(x), rng) for x in g]
        actions = rng.integers(ARMS, size=n)
        rewards = (rng.random(n) < truth[g, titles, actions]).astype(float)
        props = np.full(n, 1 / ARMS)
        target = np.stack([target_row(s, t) for s, t in zip(segments, titles, strict=True)])
        one_hot = np.eye(len(SEGMENTS))[[SEGMENTS.index(s) for s in segments]]
        arm_features = np.array([[[f[k] for k in bandits.ARM_FEATURES] for f in world[t]] for t in titles])
        # Baseline (the previous DR): one ridge model per action index, on the segment and every arm's features.
        contexts = np.hstack([one_hot, arm_features.reshape(n, -1)])
        names = evaluation.ESTIMATORS if rep == 0 else ("dr",)
        results = evaluation.evaluate(actions, rewards, props, target, contexts, bootstrap=200, seed=rep,
                                      estimators=names)
        # Current: one ridge model on segment x the action's own features (evaluation.joint_reward_model).
        joint = evaluation.evaluate(actions, rewards, props, target, one_hot, bootstrap=200, seed=rep,
                                    estimators=("dm", "dr") if rep == 0 else ("dr",), action_features=arm_features)
        if rep == 0:
            first = results + [evaluation.Estimate(f"{r.estimator} (joint model)", r.estimate, r.ci95, r.n)
                               for r in joint]
        for label, found in (("per-action", results), ("joint", joint)):
            dr = next(r for r in found if r.estimator == "dr")
            seen[label]["covered"] += dr.ci95[0] <= value <= dr.ci95[1]
            seen[label]["errors"].append(abs(dr.estimate - value) / value)
    summary = {label: {"coverage": d["covered"] / repeats, "max_error": float(np.max(d["errors"])),
                       "mean_error": float(np.mean(d["errors"])),
                       "within_10pct": float(np.mean(np.array(d["errors"]) <= 0.10))} for label, d in seen.items()}
    return value, first, summary


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30000)
    parser.add_argument("--titles", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--log-size", type=int, default=5000)
    parser.add_argument("--plot", default="")
    parser.add_argument("--validation-log", type=int, default=30000,
                        help="rows of the uniform log on the validation titles (held-out part)")
    parser.add_argument("--parts", default="policies,estimators,serving",
                        help="comma-separated subset of policies, held-out, estimators, serving")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    world = make_world(args.titles, np.random.default_rng(args.seed))
    warm = args.rounds // 3
    report = {}
    curves = {}
    policies = {"random": ("random", {}), "single-best": ("single-best", {}),
                "epsilon-greedy": ("epsilon-greedy", {}), "thompson": ("thompson", {}),
                "contextual, segment": ("contextual", {"context": "segment"}),
                "contextual, taste": ("contextual", {"context": "taste"})}
    for name, (policy, options) in policies.items() if "policies" in parts else ():
        rewards, regret = simulate(policy, world, args.rounds, args.seed + 1, **options)
        curves[name] = regret
        half = args.rounds // 2
        report[name] = {"take_rate_after_warmup": round(float(rewards[warm:].mean()), 4),
                        "regret_first_half": round(float(regret[half - 1]), 1),
                        "regret_second_half": round(float(regret[-1] - regret[half - 1]), 1)}
        print(name, json.dumps(report[name]), flush=True)
    if "policies" in parts:
        for name in ("contextual, segment", "contextual, taste"):
            ratio = report[name]["take_rate_after_warmup"] / report["single-best"]["take_rate_after_warmup"]
            print(f"{name} / single-best take rate after warm-up: {ratio:.3f} (target >= 1.25)")
    if "held-out" in parts:
        held_out_report(world, args)
    if "estimators" in parts:
        estimators_report(world, args)
    if "serving" in parts:
        cost = serving_cost(world, args.seed)
        for kind, figures in cost.items():
            print(f"40-title row, {kind}:", json.dumps(figures), "(target current p99 < 5 ms)")
    if args.plot and curves:
        write_svg(curves, args.plot)
        print("regret plot:", args.plot)


def estimators_report(world, args):
    value, first, summary = estimator_check(world, args.repeats, args.log_size, args.seed + 2)
    print(f"target policy true value {value:.4f}")
    for r in first:
        print("  ", json.dumps(r.as_json()))
    for label, figures in summary.items():
        print(f"DR ({label} reward model) over {args.repeats} logs: CI coverage {figures['coverage']:.2f} "
              f"(target >= 0.90), relative error mean {figures['mean_error']:.3f} max {figures['max_error']:.3f} "
              f"(target within 0.10), share of logs within 10%: {figures['within_10pct']:.2f}")


def write_svg(curves: dict, path: str):
    width, height, pad = 640, 360, 40
    top = max(c[-1] for c in curves.values()) or 1
    colours = ["#888", "#c60", "#06c", "#393", "#c0c", "#c00"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
             f'<text x="{pad}" y="20">cumulative regret over rounds</text>']
    for i, (name, curve) in enumerate(curves.items()):
        step = max(1, len(curve) // 200)
        pts = " ".join(f"{pad + (width - 2 * pad) * j / len(curve):.1f},{height - pad - (height - 2 * pad) * curve[j] / top:.1f}"
                       for j in range(0, len(curve), step))
        parts.append(f'<polyline fill="none" stroke="{colours[i]}" stroke-width="2" points="{pts}"/>')
        parts.append(f'<text x="{width - 150}" y="{40 + 16 * i}" fill="{colours[i]}">{name}</text>')
    parts.append("</svg>")
    Path(path).write_text("".join(parts))


if __name__ == "__main__":
    main()
