"""Bandit policies as probability vectors over a title's arms, so the logged propensity is the true one.

Each policy maps (context, arms, learned state) to a probability per arm; serving then draws one arm
from that vector with a session-stable generator. Thompson policies get their vector by Monte Carlo
over posterior draws (a fixed number per call), so the vector *is* the distribution the choice is made
from, and the propensity logged is exact for the mechanism actually used.
"""

import hashlib
from dataclasses import dataclass

import numpy as np

ARM_FEATURES = ("faces", "closeup", "brightness", "colour", "dark")
SEGMENT_BUCKETS = 8  # taste segments hashed into this many context slots for the linear policy
MC_DRAWS = 64
MIN_PROBABILITY = 1e-3  # exploration is never zero: every arm keeps at least this share (renormalised)


@dataclass(frozen=True)
class Arm:
    arm_id: int
    features: dict


def arm_vector(features: dict) -> np.ndarray:
    return np.array([1.0, *(float(features.get(name, 0.0)) for name in ARM_FEATURES)])


def context_vector(segment: str) -> np.ndarray:
    x = np.zeros(SEGMENT_BUCKETS + 1)
    x[0] = 1.0
    x[1 + int(hashlib.blake2b(segment.encode(), digest_size=2).hexdigest(), 16) % SEGMENT_BUCKETS] = 1.0
    return x


def joint_vector(segment: str, features: dict) -> np.ndarray:
    """Context x arm features: one weight per (segment slot, arm attribute) pair."""
    return np.outer(context_vector(segment), arm_vector(features)).ravel()


JOINT_DIM = (SEGMENT_BUCKETS + 1) * (len(ARM_FEATURES) + 1)


def _floor(p: np.ndarray, floor: float) -> np.ndarray:
    p = np.maximum(p, floor)
    return p / p.sum()


def probabilities(kind: str, params: dict, segment: str, arms: list[Arm], *, epsilon: float = 0.1,
                  rng=None) -> np.ndarray:
    """The policy's probability of each arm (sums to 1) for this segment."""
    k = len(arms)
    if k == 1:
        return np.ones(1)
    if kind == "uniform":
        return np.full(k, 1 / k)
    if callable(rng):  # a factory: only the sampling policies pay for building a generator
        rng = rng()
    rng = rng or np.random.default_rng(0)
    counts = params.get("arms", {})
    if kind == "epsilon":
        means = np.array([_mean(counts.get(str(a.arm_id))) for a in arms])
        p = np.full(k, epsilon / k)
        best = np.flatnonzero(means == means.max())
        p[best] += (1 - epsilon) / len(best)
        return p
    if kind == "thompson":
        seg = params.get("segments", {}).get(segment, {})
        alpha = np.array([1 + seg.get(str(a.arm_id), [0, 0])[0] for a in arms], dtype=float)
        beta = np.array([1 + seg.get(str(a.arm_id), [0, 0])[1] for a in arms], dtype=float)
        draws = rng.beta(alpha, beta, size=(MC_DRAWS, k))
    elif kind == "lints":
        a_inv, theta = linear_posterior(params)
        X = np.stack([joint_vector(segment, a.features) for a in arms])
        mean = X @ theta
        cov = X @ a_inv @ X.T * float(params.get("v2", 0.25))
        chol = np.linalg.cholesky(cov + 1e-9 * np.eye(k))
        draws = mean + rng.standard_normal((MC_DRAWS, k)) @ chol.T
    else:
        raise ValueError(f"unknown policy kind {kind!r}")
    wins = np.bincount(draws.argmax(axis=1), minlength=k) / MC_DRAWS
    return _floor(wins, MIN_PROBABILITY)


def _mean(pair) -> float:
    plays, misses = pair or (0, 0)
    return (plays + 1) / (plays + misses + 2)


def linear_posterior(params: dict) -> tuple[np.ndarray, np.ndarray]:
    """A^-1 and theta of ridge regression (lambda 1) from the stored sufficient statistics."""
    a = np.array(params["A"]) if "A" in params else np.eye(JOINT_DIM)
    b = np.array(params["b"]) if "b" in params else np.zeros(JOINT_DIM)
    a_inv = np.linalg.inv(a)
    return a_inv, a_inv @ b


def stable_uniform(*parts: object) -> float:
    """A number in [0, 1) fixed by its parts: the session-stable draw, without building a generator."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def draw(p: np.ndarray, u: float) -> int:
    return min(int(np.searchsorted(np.cumsum(p), u, side="right")), len(p) - 1)


def stable_rng(*parts: object) -> np.random.Generator:
    """A generator seeded from the session, title and state version: the same choice on every reload."""
    seed = int.from_bytes(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest(), "big")
    return np.random.default_rng(seed)


def update(kind: str, params: dict, rows: list[tuple[str, int, dict, float]]) -> dict:
    """Fold (segment, arm id, arm features, reward) rows into a copy of the parameters."""
    params = {key: value for key, value in params.items()}
    if kind in ("epsilon", "uniform", "thompson"):
        arms = {k: list(v) for k, v in params.get("arms", {}).items()}
        segments = {s: {k: list(v) for k, v in arm.items()} for s, arm in params.get("segments", {}).items()}
        for segment, arm_id, _features, reward in rows:
            pair = arms.setdefault(str(arm_id), [0, 0])
            pair[0] += reward
            pair[1] += 1 - reward
            seg = segments.setdefault(segment, {}).setdefault(str(arm_id), [0, 0])
            seg[0] += reward
            seg[1] += 1 - reward
        params["arms"], params["segments"] = arms, segments
    elif kind == "lints":
        a = np.array(params["A"]) if "A" in params else np.eye(JOINT_DIM)
        b = np.array(params["b"]) if "b" in params else np.zeros(JOINT_DIM)
        for segment, _arm_id, features, reward in rows:
            x = joint_vector(segment, features)
            a += np.outer(x, x)
            b += reward * x
        params["A"], params["b"] = a.tolist(), b.tolist()
    return params
