"""The live bandit policy and its newest learned state per channel (artwork or preview), as served: read
from the database once and cached until the learner or staff change either, then compiled once per
process and state version.
"""

from dataclasses import dataclass

from django.core.cache import cache

from . import bandits
from .models import BanditPolicy, PolicyState

# The policy logged for an image or preview shown without the bandit choosing it (propensity 1).
DEFAULT_POLICY = "default"
STATE_CACHE_KEY = "artwork:live-state"


@dataclass(frozen=True)
class LiveState:
    policy: str
    kind: str
    epsilon: float
    version: int
    params: dict
    channel: str = "artwork"


def live_state(channel: str = PolicyState.Channel.ARTWORK) -> LiveState | None:
    """The live policy and its newest state for a channel (artwork or preview), cached until the learner or
    staff change either."""
    key = f"{STATE_CACHE_KEY}:{channel}"
    state = cache.get(key)
    if state is None:
        policy = BanditPolicy.objects.filter(is_live=True).first()
        if policy is None:
            state = "none"
        else:
            latest = PolicyState.objects.filter(policy=policy, channel=channel).order_by("-version").first()
            state = LiveState(
                policy.name,
                policy.kind,
                policy.epsilon,
                latest.version if latest else 0,
                latest.params if latest else {},
                channel,
            )
        cache.set(key, state, 300)
    return None if state == "none" else state


_COMPILED: dict[tuple, bandits.Compiled] = {}


def compiled(state: LiveState) -> bandits.Compiled:
    """The state prepared for serving, once per process and state version (the linear model's inverse is
    the dear part; it changes only when the learner writes a new version)."""
    key = (state.policy, state.channel, state.kind, state.version)
    found = _COMPILED.get(key)
    if found is None:
        if len(_COMPILED) > 16:  # old versions are never asked for again
            _COMPILED.clear()
        found = _COMPILED[key] = bandits.compile_state(
            state.kind, state.params, bandits.channel_features(state.channel)
        )
    return found


def forget_live_state() -> None:
    cache.delete_many([f"{STATE_CACHE_KEY}:{channel}" for channel in PolicyState.Channel.values])
