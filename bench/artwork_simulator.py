"""The world bench/artwork.py simulates: hidden taste groups, each title's candidate artwork, and the
policies run on them.

Everything here knows the truth (each group's take probability per arm); the policies only see the
observed segment, through `artwork.bandits`, as serving does.
"""

import numpy as np

from artwork import bandits

GROUPS = ["faces", "landscape", "dark"]
SEGMENTS = ["Drama", "Documentary", "Horror"]  # the observed taste segment of each hidden group
WEIGHTS = {  # hidden preference per arm attribute (faces, closeup, brightness, colour, dark)
    "faces": np.array([1.2, 1.0, 0.0, 0.2, -0.3]),
    "landscape": np.array([-0.9, -0.8, 0.6, 0.9, -0.4]),
    "dark": np.array([-0.2, 0.0, -1.0, -0.3, 1.4]),
}
BASE = -2.2
ARMS = 4


def make_world(titles: int, rng):
    attrs = []
    for _ in range(titles):
        faces = rng.random(ARMS) < 0.5
        closeup = faces & (rng.random(ARMS) < 0.6)
        brightness = rng.uniform(0.1, 0.9, ARMS)
        attrs.append([{"faces": float(f), "closeup": float(c), "brightness": float(b),
                       "colour": float(rng.uniform(0, 1)), "dark": float(b < 0.3)}
                      for f, c, b in zip(faces, closeup, brightness, strict=True)])
    return attrs


def take_prob(group: str, features: dict) -> float:
    x = np.array([features[name] for name in bandits.ARM_FEATURES])
    return float(1 / (1 + np.exp(-(BASE + WEIGHTS[group] @ x))))


def observed_segment(group_index: int, rng) -> str:
    if rng.random() < 0.8:
        return SEGMENTS[group_index]
    return SEGMENTS[rng.integers(len(SEGMENTS))]


def simulate(policy: str, world, rounds: int, seed: int, batch: int = 500, *, epsilon: float = 0.1,
             v2: float | None = None):
    rng = np.random.default_rng(seed)
    truth = np.array([[[take_prob(g, f) for f in title] for title in world] for g in GROUPS])  # G x T x A
    best_overall = truth.mean(axis=0).argmax(axis=1)  # the A/B winner per title, for everyone
    params: dict = {} if v2 is None else {"v2": v2}
    pending, rewards, regret = [], np.zeros(rounds), np.zeros(rounds)
    kind = {"epsilon-greedy": "epsilon", "thompson": "thompson", "contextual": "lints"}.get(policy)
    state = bandits.compile_state(kind or "uniform", params)
    for t in range(rounds):
        g = int(rng.integers(len(GROUPS)))
        title = int(rng.integers(len(world)))
        segment = observed_segment(g, rng)
        arms = [bandits.Arm(title * ARMS + a, f) for a, f in enumerate(world[title])]
        if policy == "random":
            a = int(rng.integers(ARMS))
        elif policy == "single-best":
            a = int(best_overall[title])
        else:
            p = bandits.probabilities(kind, state, segment, arms, epsilon=epsilon)
            a = int(rng.choice(ARMS, p=p))
        r = float(rng.random() < truth[g, title, a])
        rewards[t], regret[t] = r, truth[g, title].max() - truth[g, title, a]
        if kind:
            pending.append((segment, arms[a].arm_id, arms[a].features, r))
            if len(pending) >= batch:
                params = bandits.update(kind, params, pending)
                state = bandits.compile_state(kind, params)  # once per state version, as serving does
                pending = []
    return rewards, np.cumsum(regret)


def segment_posterior() -> np.ndarray:
    """P(hidden group | observed segment), S x G, from the simulator's 80% agreement."""
    joint = np.array([[0.8 * (s == g) + 0.2 / len(SEGMENTS) for g in range(len(GROUPS))]
                      for s in range(len(SEGMENTS))])
    return joint / joint.sum(axis=1, keepdims=True)


def ceilings(world) -> dict:
    """Take rates from the truth: the A/B winner, the best arm per (segment, title) (the most any policy that
    sees only the segment can reach) and per (hidden group, title) (what a context revealing the group would)."""
    truth = np.array([[[take_prob(g, f) for f in title] for title in world] for g in GROUPS])  # G x T x A
    single = truth.mean(axis=0).max(axis=1).mean()
    post = segment_posterior()
    p_segment = np.full(len(GROUPS), 1 / len(GROUPS)) @ np.array(
        [[0.8 * (s == g) + 0.2 / len(SEGMENTS) for s in range(len(SEGMENTS))] for g in range(len(GROUPS))])
    by_segment = sum(p_segment[s] * np.tensordot(post[s], truth, axes=1).max(axis=1).mean() for s in range(len(SEGMENTS)))
    by_group = truth.max(axis=2).mean()
    return {"single_best": round(float(single), 4), "segment_oracle": round(float(by_segment), 4),
            "group_oracle": round(float(by_group), 4),
            "segment_ceiling_ratio": round(float(by_segment / single), 3),
            "group_ceiling_ratio": round(float(by_group / single), 3)}


def uniform_log(world, rounds: int, seed: int):
    """A log of the uniform logging policy on these titles: (segment, title, action, reward) rows."""
    rng = np.random.default_rng(seed)
    truth = np.array([[[take_prob(g, f) for f in title] for title in world] for g in GROUPS])
    rows = []
    for _ in range(rounds):
        g = int(rng.integers(len(GROUPS)))
        title = int(rng.integers(len(world)))
        segment = observed_segment(g, rng)
        a = int(rng.integers(ARMS))
        rows.append((segment, title, a, float(rng.random() < truth[g, title, a])))
    return rows


def replay_take_rate(kind: str, world, log, seed: int, *, epsilon: float = 0.1, v2: float | None = None,
                     batch: int = 500) -> tuple[float, int]:
    """Replay (Li et al. 2011) of an adaptive policy on a uniform log: a row counts, and is learned from, only
    when the policy's own draw is the logged arm; take rate over the kept rows after the first third."""
    rng = np.random.default_rng(seed)
    params: dict = {} if v2 is None else {"v2": v2}
    state = bandits.compile_state(kind, params)
    pending, kept = [], []
    for segment, title, logged, reward in log:
        arms = [bandits.Arm(title * ARMS + a, f) for a, f in enumerate(world[title])]
        p = bandits.probabilities(kind, state, segment, arms, epsilon=epsilon)
        if int(rng.choice(ARMS, p=p)) != logged:
            continue
        kept.append(reward)
        pending.append((segment, arms[logged].arm_id, arms[logged].features, reward))
        if len(pending) >= batch:
            params = bandits.update(kind, params, pending)
            state = bandits.compile_state(kind, params)
            pending = []
    return float(np.mean(kept[len(kept) // 3:])), len(kept)
