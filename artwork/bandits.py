"""Bandit policies as probability vectors over a title's arms, so the logged propensity is the true one.

Each policy maps (context, arms, learned state) to a probability per arm; serving then draws one arm
from that vector with a session-stable uniform. Thompson policies get their vector by Monte Carlo over
posterior draws (a fixed number, from fixed common random numbers), so the vector *is* the distribution
the choice is made from, and the propensity logged is exact for the mechanism actually used. The state is
compiled once per version (`compile_state`: the linear model inverted) and a row of titles is scored in one
batched call (`row_probabilities`) for one profile's context (`artwork.taste.Context`: the taste segment for
the per-segment Thompson policy, the taste vector for the linear one; a bare segment string means the
neutral taste vector).
"""

import hashlib
from dataclasses import dataclass, field

import numpy as np

from .taste import TASTE_DIM, Context

ARM_FEATURES = ("faces", "closeup", "brightness", "colour", "dark")
# A preview window's arm: what the artwork arms carry, its motion and tag variety, and its tags hashed into
# PREVIEW_TAG_BUCKETS shares, so the linear policy can learn which taste likes which kind of scene.
PREVIEW_TAG_BUCKETS = 4
PREVIEW_ARM_FEATURES = ("faces", "closeup", "brightness", "dark", "motion", "tag_variety",
                        *(f"tags_{i}" for i in range(PREVIEW_TAG_BUCKETS)))
MC_DRAWS = 64
MIN_PROBABILITY = 1e-3  # exploration is never zero: every arm keeps at least this share (renormalised)


@dataclass(frozen=True)
class Arm:
    arm_id: int
    features: dict


def arm_vector(features: dict, names: tuple = ARM_FEATURES) -> np.ndarray:
    return np.array([1.0, *(float(features.get(name, 0.0)) for name in names)])


def _bucket(text: str, buckets: int) -> int:
    return int(hashlib.blake2b(text.encode(), digest_size=2).hexdigest(), 16) % buckets


def preview_arm_features(features: dict, tags) -> dict:
    """A preview window's arm features (PREVIEW_ARM_FEATURES) from its stored features and tags."""
    tags = sorted(set(tags or ()))
    out = {name: float(features.get(name, 0.0)) for name in ("faces", "closeup", "brightness", "dark", "motion")}
    out["tag_variety"] = min(len(tags) / 5.0, 1.0)
    for i in range(PREVIEW_TAG_BUCKETS):
        out[f"tags_{i}"] = 0.0
    for tag in tags:
        out[f"tags_{_bucket(tag, PREVIEW_TAG_BUCKETS)}"] += 1.0 / len(tags)
    return out


def as_context(context: "Context | str") -> Context:
    return context if isinstance(context, Context) else Context(context)


def context_vector(context: "Context | str") -> np.ndarray:
    """The linear policy's context: an intercept and the profile's taste vector (artwork.taste)."""
    return np.concatenate([[1.0], as_context(context).vector])


def joint_vector(context: "Context | str", features: dict, names: tuple = ARM_FEATURES) -> np.ndarray:
    """Context x arm features: one weight per (taste slot, arm attribute) pair, and the intercept's row."""
    return np.outer(context_vector(context), arm_vector(features, names)).ravel()


CONTEXT_DIM = 1 + TASTE_DIM


def joint_dim(names: tuple = ARM_FEATURES) -> int:
    return CONTEXT_DIM * (len(names) + 1)


JOINT_DIM = joint_dim(ARM_FEATURES)


def _floor(p: np.ndarray, floor: float) -> np.ndarray:
    p = np.maximum(p, floor)
    return p / p.sum()


@dataclass
class Compiled:
    """A policy state prepared once per state version: the linear model inverted and cut into blocks,
    so serving a row is a few small matrix products (`row_probabilities`)."""

    kind: str
    params: dict
    v2: float = 0.25
    names: tuple = ARM_FEATURES  # the arm features of this channel (ARM_FEATURES or PREVIEW_ARM_FEATURES)
    a_inv: np.ndarray | None = None
    theta: np.ndarray | None = None
    # theta and A^-1 cut into (context slot, arm feature) blocks, so a context reduces them in two products
    theta_blocks: np.ndarray | None = None  # (CONTEXT_DIM, d)
    a_blocks: np.ndarray | None = None  # (CONTEXT_DIM, CONTEXT_DIM, d, d)
    per_context: dict = field(default_factory=dict)  # taste tuple -> (theta_c (d,), M_c (d, d))

    def linear(self, context: "Context | str") -> tuple[np.ndarray, np.ndarray]:
        """theta and covariance factor over the arm vector for one context c: joint x = outer(c, arm), so
        x.theta = arm.(sum_i c_i theta_i) and x A^-1 x' = arm (sum_ij c_i c_j A^-1_ij) arm'. Only the
        non-zero slots of c are summed (a taste vector is mostly zeros)."""
        context = as_context(context)
        found = self.per_context.get(context.taste)
        if found is None:
            c = context_vector(context)
            slots = np.flatnonzero(c)
            w = c[slots]
            theta_c = w @ self.theta_blocks[slots]
            m = np.tensordot(w, np.tensordot(w, self.a_blocks[np.ix_(slots, slots)], axes=(0, 0)), axes=(0, 0))
            found = (theta_c, m)
            if len(self.per_context) < 10_000:  # one entry per distinct profile taste; bounded
                self.per_context[context.taste] = found
        return found


def compile_state(kind: str, params: dict, names: tuple = ARM_FEATURES) -> Compiled:
    compiled = Compiled(kind, params, float(params.get("v2", 0.25)), names)
    if kind == "lints":
        compiled.a_inv, compiled.theta = linear_posterior(params, names)
        d = len(names) + 1
        compiled.theta_blocks = compiled.theta.reshape(CONTEXT_DIM, d)
        compiled.a_blocks = np.ascontiguousarray(
            compiled.a_inv.reshape(CONTEXT_DIM, d, CONTEXT_DIM, d).transpose(0, 2, 1, 3)
        )
    return compiled


_NORMALS: list[np.ndarray] = []


def common_normals(k: int) -> np.ndarray:
    """Fixed standard normal draws (MC_DRAWS x k, then a second block for Beta's other gamma): common random
    numbers, so an arm set's vector depends only on the state and the context, never on the row around it."""
    if not _NORMALS or _NORMALS[0].shape[1] < k:
        rng = np.random.default_rng(20260213)
        _NORMALS[:] = [rng.standard_normal((MC_DRAWS, max(k, 16))) for _ in range(2)]
    return _NORMALS[0][:, :k], _NORMALS[1][:, :k]


def _gamma_from_normal(shape: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Gamma(shape) draws from standard normals by the Wilson-Hilferty cube (close for shape >= 1)."""
    c = 1.0 / (9.0 * shape)
    return shape * np.maximum(1.0 - c + z * np.sqrt(c), 1e-3) ** 3


def row_probabilities(
    compiled: Compiled, context: "Context | str", rows: list[list[Arm]], *, epsilon: float = 0.1
) -> list[np.ndarray]:
    """Each title's probability vector over its arms (each sums to 1) for one profile's context, batched:
    titles with the same number of arms are stacked and handled in one set of matrix operations."""
    context = as_context(context)
    out: list[np.ndarray | None] = [None] * len(rows)
    by_k: dict[int, list[int]] = {}
    for i, arms in enumerate(rows):
        k = len(arms)
        if k == 1:
            out[i] = np.ones(1)
        elif compiled.kind == "uniform":
            out[i] = np.full(k, 1 / k)
        elif compiled.kind == "epsilon":
            counts = compiled.params.get("arms", {})
            means = np.array([_mean(counts.get(str(a.arm_id))) for a in arms])
            p = np.full(k, epsilon / k)
            best = np.flatnonzero(means == means.max())
            p[best] += (1 - epsilon) / len(best)
            out[i] = p
        elif compiled.kind in ("thompson", "lints"):
            by_k.setdefault(k, []).append(i)
        else:
            raise ValueError(f"unknown policy kind {compiled.kind!r}")
    for k, members in by_k.items():
        z1, z2 = common_normals(k)
        if compiled.kind == "thompson":
            seg = compiled.params.get("segments", {}).get(context.segment, {})
            pairs = np.array(
                [[seg.get(str(a.arm_id), (0, 0)) for a in rows[i]] for i in members], dtype=float
            )
            alpha, beta = 1 + pairs[..., 0], 1 + pairs[..., 1]  # (g, k)
            x = _gamma_from_normal(alpha[:, None, :], z1[None])
            y = _gamma_from_normal(beta[:, None, :], z2[None])
            draws = x / (x + y)  # (g, MC_DRAWS, k) Beta draws
        else:
            theta_s, m = compiled.linear(context)
            F = np.array([[arm_vector(a.features, compiled.names) for a in rows[i]] for i in members])  # (g, k, d)
            mean = F @ theta_s  # (g, k)
            cov = F @ m @ F.transpose(0, 2, 1) * compiled.v2 + 1e-9 * np.eye(k)
            chol = np.linalg.cholesky(cov)  # (g, k, k)
            draws = mean[:, None, :] + z1[None] @ chol.transpose(0, 2, 1)
        winners = draws.argmax(axis=2)  # (g, MC_DRAWS)
        wins = (winners[..., None] == np.arange(k)).mean(axis=1)  # (g, k)
        wins = np.maximum(wins, MIN_PROBABILITY)
        wins /= wins.sum(axis=1, keepdims=True)  # the floor, renormalised, for the whole group at once
        for i, w in zip(members, wins, strict=True):
            out[i] = w
    return out


def probabilities(
    kind: str, params: "dict | Compiled", context: "Context | str", arms: list[Arm], *, epsilon: float = 0.1,
    names: tuple = ARM_FEATURES, **_ignored
) -> np.ndarray:
    """The policy's probability of each arm (sums to 1) for this context: `row_probabilities` for one title.
    Pass a `Compiled` state when calling in a loop."""
    compiled = params if isinstance(params, Compiled) else compile_state(kind, params, names)
    return row_probabilities(compiled, context, [arms], epsilon=epsilon)[0]


def _mean(pair) -> float:
    plays, misses = pair or (0, 0)
    return (plays + 1) / (plays + misses + 2)


def _linear_stats(params: dict, names: tuple = ARM_FEATURES) -> tuple[np.ndarray, np.ndarray]:
    """A and b as stored, or the prior (identity, zeros) when absent or of another dimension (a state
    learned with another context layout (the 8 or 16 segment slots before the taste vector) or other arm
    features starts again from the prior rather than failing)."""
    dim = joint_dim(names)
    if "A" in params and len(params["A"]) == dim and len(params.get("b", ())) == dim:
        return np.array(params["A"], dtype=float), np.array(params["b"], dtype=float)
    return np.eye(dim), np.zeros(dim)


def linear_posterior(params: dict, names: tuple = ARM_FEATURES) -> tuple[np.ndarray, np.ndarray]:
    """A^-1 and theta of ridge regression (lambda 1) from the stored sufficient statistics."""
    a, b = _linear_stats(params, names)
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


def update(
    kind: str, params: dict, rows: "list[tuple[Context | str, int, dict, float]]", names: tuple = ARM_FEATURES
) -> dict:
    """Fold (context, arm id, arm features, reward) rows into a copy of the parameters."""
    params = {key: value for key, value in params.items()}
    if kind in ("epsilon", "uniform", "thompson"):
        arms = {k: list(v) for k, v in params.get("arms", {}).items()}
        segments = {s: {k: list(v) for k, v in arm.items()} for s, arm in params.get("segments", {}).items()}
        for context, arm_id, _features, reward in rows:
            segment = as_context(context).segment
            pair = arms.setdefault(str(arm_id), [0, 0])
            pair[0] += reward
            pair[1] += 1 - reward
            seg = segments.setdefault(segment, {}).setdefault(str(arm_id), [0, 0])
            seg[0] += reward
            seg[1] += 1 - reward
        params["arms"], params["segments"] = arms, segments
    elif kind == "lints":
        a, b = _linear_stats(params, names)
        for context, _arm_id, features, reward in rows:
            x = joint_vector(context, features, names)
            a += np.outer(x, x)
            b += reward * x
        params["A"], params["b"] = a.tolist(), b.tolist()
    return params


def channel_features(channel: str) -> tuple:
    """The arm features of a policy-state channel ("artwork" or "preview")."""
    return PREVIEW_ARM_FEATURES if channel == "preview" else ARM_FEATURES
