"""Off-policy evaluation: replay, clipped IPS, SNIPS, the direct method and doubly robust, with bootstrap CIs.

Inputs are arrays over logged rows: the logged action index, its reward and logging propensity, the target
policy's probability of every action (n x K) and optionally context features (n x d) for the reward model.
When each action's own features are known (n x K x f: the arm's faces, brightness, ...), the reward model
is one ridge regression on context x action features shared by all actions, as the contextual policy's
model is; otherwise one ridge regression per action index on the context alone.
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


def joint_reward_model(rewards: np.ndarray, contexts: np.ndarray, action_features: np.ndarray,
                       actions: np.ndarray, *, ridge: float = 1.0) -> np.ndarray:
    """q̂(x, a) for every row and action from one ridge regression on outer([1, x], [1, f_a]).

    An action index means nothing across rows (arm 0 of one title is not arm 0 of another), but its
    features do, so every logged row teaches the model about every action; the per-action model splits
    the log K ways and must find the chosen arm's features among all of them."""
    n, k, _ = action_features.shape
    x = np.hstack([np.ones((n, 1)), contexts])
    f = np.concatenate([np.ones((n, k, 1)), action_features], axis=2)
    joint = np.einsum("nd,nkf->nkdf", x, f).reshape(n, k, -1)  # (n, K, D)
    chosen = joint[np.arange(n), actions]
    prior = float(rewards.mean()) if n else 0.0
    w = np.linalg.solve(chosen.T @ chosen + ridge * np.eye(chosen.shape[1]), chosen.T @ (rewards - prior))
    return np.clip(joint @ w + prior, 0.0, max(1.0, float(rewards.max()) if n else 1.0))


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
             estimators=ESTIMATORS, action_features: np.ndarray | None = None) -> list[Estimate]:
    """Every estimator's value of `target` with a bootstrap 95% interval (percentile, rows resampled).

    `action_features` (n x K x f), when given, switches DM's and DR's reward model to the joint one."""
    n, k = target.shape
    contexts = np.zeros((n, 0)) if contexts is None else contexts
    rng = np.random.default_rng(seed)
    # Replay keeps the rows where the target's own draw matches the logged action (Li et al. 2011).
    replay_pick = np.array([rng.choice(k, p=row) for row in target])
    q = (reward_model(actions, rewards, contexts, k) if action_features is None
         else joint_reward_model(rewards, contexts, action_features, actions))
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
