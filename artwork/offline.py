"""Offline evaluation inputs: an external CSV log (with named errors) or the platform's own impression log."""

import csv
import math
from datetime import timedelta

import numpy as np

from .models import ArtworkCandidate, BanditPolicy, PolicyState


class LogError(ValueError):
    """A bad input file; the message names the file, row and column."""


def _float(value: str, where: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise LogError(f"{where}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise LogError(f"{where}: {value!r} is not a finite number")
    return number


def read_csv_logs(log_path: str, target_path: str):
    """(actions, rewards, propensities, target, contexts, action names) from LOG.csv and TARGET.csv.

    Row numbers are file lines (the header is line 1). Text context columns become one-hot categories.
    """
    with open(log_path, newline="", encoding="utf-8-sig") as handle:
        log_rows = list(csv.DictReader(handle))
        header = log_rows[0].keys() if log_rows else []
    for column in ("action", "reward", "propensity"):
        if column not in header:
            raise LogError(f"{log_path}: missing column {column!r}")
    with open(target_path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        target_rows = list(reader)
        target_header = reader.fieldnames or []
    names = [c[2:] for c in target_header if c.startswith("p_")]
    if not names:
        raise LogError(f"{target_path}: no p_<action> columns")
    if len(target_rows) != len(log_rows):
        raise LogError(f"{target_path}: {len(target_rows)} rows, but {log_path} has {len(log_rows)}")
    index = {name: i for i, name in enumerate(names)}
    n, k = len(log_rows), len(names)
    actions, rewards, props = np.zeros(n, int), np.zeros(n), np.zeros(n)
    target = np.zeros((n, k))
    context_columns = [c for c in header if c not in ("action", "reward", "propensity", "position")]
    for i, row in enumerate(log_rows):
        line = i + 2
        action = row["action"]
        if action not in index:
            raise LogError(
                f"{log_path}: row {line}, column 'action': {action!r} has no p_{action} column in {target_path}"
            )
        actions[i] = index[action]
        rewards[i] = _float(row["reward"], f"{log_path}: row {line}, column 'reward'")
        p = _float(row["propensity"], f"{log_path}: row {line}, column 'propensity'")
        if not 0 < p <= 1:
            raise LogError(f"{log_path}: row {line}, column 'propensity': {p} is outside (0, 1]")
        props[i] = p
        for j, name in enumerate(names):
            q = _float(target_rows[i][f"p_{name}"], f"{target_path}: row {line}, column 'p_{name}'")
            if not 0 <= q <= 1:
                raise LogError(f"{target_path}: row {line}, column 'p_{name}': {q} is outside [0, 1]")
            target[i, j] = q
        total = target[i].sum()
        if abs(total - 1) > 1e-6:
            raise LogError(f"{target_path}: row {line}, columns p_*: probabilities sum to {total:.6g}, not 1")
    blocks = []
    for column in context_columns:
        values = [row[column] for row in log_rows]
        try:
            blocks.append(np.array([float(v) for v in values])[:, None])
        except ValueError:
            levels = sorted(set(values))
            blocks.append(np.array([[v == level for level in levels] for v in values], dtype=float))
    contexts = np.hstack(blocks) if blocks else np.zeros((n, 0))
    return actions, rewards, props, target, contexts, names


def platform_log(policy: BanditPolicy, *, limit: int = 200_000):
    """The impression log as arrays, with `policy`'s probabilities over each title's approved arms."""
    from . import bandits
    from .learning import rewarded_impressions
    from .viewer import impression_contexts

    state = (
        PolicyState.objects.filter(policy=policy, channel=PolicyState.Channel.ARTWORK)
        .order_by("-version")
        .first()
    )
    params = bandits.compile_state(policy.kind, state.params if state else {})  # once, not per row
    rows = list(
        rewarded_impressions(timedelta(hours=policy.reward_window_hours), 0).values_list(
            "profile_id", "title_id", "artwork_id", "propensity", "played", "pk", "context"
        )[:limit]
    )
    arms: dict[int, list[bandits.Arm]] = {}
    for title_id, asset_id, features in (
        ArtworkCandidate.objects.filter(approved=True)
        .order_by("title_id", "asset_id")
        .values_list("title_id", "asset_id", "features")
    ):
        arms.setdefault(title_id, []).append(bandits.Arm(asset_id, features))
    from accounts.models import Profile

    profiles = Profile.objects.in_bulk({r[0] for r in rows})
    contexts = impression_contexts(profiles, [(r[5], r[0], r[1], r[6]) for r in rows])
    k = max((len(a) for a in arms.values()), default=1)
    kept = [r for r in rows if r[2] in {a.arm_id for a in arms.get(r[1], [])}]
    n = len(kept)
    actions, rewards, props = np.zeros(n, int), np.zeros(n), np.zeros(n)
    target, features = np.zeros((n, k)), np.zeros((n, bandits.CONTEXT_DIM - 1))
    for i, (_, title_id, artwork_id, propensity, played, pk, _) in enumerate(kept):
        title_arms = arms[title_id]
        context = contexts.get(pk, "new")
        actions[i] = [a.arm_id for a in title_arms].index(artwork_id)
        rewards[i], props[i] = float(played), propensity
        target[i, : len(title_arms)] = bandits.probabilities(
            policy.kind, params, context, title_arms, epsilon=policy.epsilon
        )
        features[i] = bandits.context_vector(context)[1:]  # the reward model's context: the taste vector
    return actions, rewards, props, target, features
