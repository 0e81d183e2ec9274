"""Off-policy evaluation: replay, clipped IPS, SNIPS, the direct method and doubly robust, with bootstrap CIs.

Inputs are arrays over logged rows: the logged action index, its reward and logging propensity, the target
policy's probability of every action (n x K) and optionally context features (n x d) for the reward model.
"""

from dataclasses import dataclass

import numpy as np

ESTIMATORS = ("replay", "ips", "snips", "dm", "dr")
CLIP = 10.0  # largest importance weight kept by IPS (bias for variance)


@dataclass
class Estimate:
    estimator: str
    estimate: float
    ci95: tuple[float, float]
    n: int

    def as_json(self) -> dict:
        return {"estimator": self.estimator, "estimate": round(self.estimate, 6),
                "ci95": [round(self.ci95[0], 6), round(self.ci95[1], 6)], "n": self.n}


def reward_model(actions: np.ndarray, rewards: np.ndarray, contexts: np.ndarray, k: int) -> np.ndarray:
    """q̂(x, a) for every row and action: ridge regression per action on the context (the DM's model)."""
    n = len(actions)
    X = np.hstack([np.ones((n, 1)), contexts]) if contexts.size else np.ones((n, 1))
    q = np.zeros((n, k))
    prior = float(rewards.mean()) if n else 0.0
    for a in range(k):
        rows = actions == a
        if not rows.any():
            q[:, a] = prior
            continue
        Xa, ya = X[rows], rewards[rows] - prior
        w = np.linalg.solve(Xa.T @ Xa + 1.0 * np.eye(X.shape[1]), Xa.T @ ya)
        q[:, a] = np.clip(X @ w + prior, 0.0, max(1.0, float(rewards.max())))
    return q


def _point(name: str, actions, rewards, propensities, target, q, replay_pick) -> float:
    idx = np.arange(len(actions))
    pi_a = target[idx, actions]
    w = pi_a / propensities
    if name == "replay":
        kept = replay_pick == actions
        return float(rewards[kept].mean()) if kept.any() else float("nan")
    if name == "ips":
        return float(np.mean(np.minimum(w, CLIP) * rewards))
    if name == "snips":
        return float(np.sum(w * rewards) / np.sum(w)) if np.sum(w) > 0 else float("nan")
    dm = np.sum(target * q, axis=1)
    if name == "dm":
        return float(dm.mean())
    if name == "dr":
        return float(np.mean(dm + w * (rewards - q[idx, actions])))
    raise ValueError(name)


def evaluate(actions: np.ndarray, rewards: np.ndarray, propensities: np.ndarray, target: np.ndarray,
             contexts: np.ndarray | None = None, *, bootstrap: int = 200, seed: int = 0,
             estimators=ESTIMATORS) -> list[Estimate]:
    """Every estimator's value of `target` with a bootstrap 95% interval (percentile, rows resampled)."""
    n, k = target.shape
    contexts = np.zeros((n, 0)) if contexts is None else contexts
    rng = np.random.default_rng(seed)
    # Replay keeps the rows where the target's own draw matches the logged action (Li et al. 2011).
    replay_pick = np.array([rng.choice(k, p=row) for row in target])
    q = reward_model(actions, rewards, contexts, k)
    results = []
    samples = [rng.integers(0, n, n) for _ in range(bootstrap)]
    for name in estimators:
        point = _point(name, actions, rewards, propensities, target, q, replay_pick)
        boots = np.array([_point(name, actions[s], rewards[s], propensities[s], target[s], q[s], replay_pick[s])
                          for s in samples])
        boots = boots[~np.isnan(boots)]
        lo, hi = (np.percentile(boots, [2.5, 97.5]) if len(boots) else (float("nan"), float("nan")))
        n_used = int((replay_pick == actions).sum()) if name == "replay" else n
        results.append(Estimate(name, point, (float(lo), float(hi)), n_used))
    return results
