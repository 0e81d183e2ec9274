"""The gate: a policy goes live only if its doubly robust estimate beats the live policy's on the same log."""

from dataclasses import dataclass

from django.db import transaction

from . import evaluation, offline
from .models import BanditPolicy
from .policy_state import forget_live_state


@dataclass
class GateResult:
    promoted: bool
    candidate: evaluation.Estimate | None
    live: evaluation.Estimate | None
    reason: str


def _dr(policy: BanditPolicy) -> evaluation.Estimate | None:
    actions, rewards, props, target, contexts = offline.platform_log(policy)
    if len(actions) == 0:
        return None
    return evaluation.evaluate(actions, rewards, props, target, contexts, estimators=("dr",))[0]


def promote(candidate: BanditPolicy, *, force: bool = False) -> GateResult:
    """Make `candidate` live if its DR estimate is above the live policy's (or nothing is live, or `force`)."""
    live = BanditPolicy.objects.filter(is_live=True).exclude(pk=candidate.pk).first()
    new_estimate = _dr(candidate)
    live_estimate = _dr(live) if live else None
    if live and not force:
        if new_estimate is None or live_estimate is None:
            return GateResult(False, new_estimate, live_estimate, "no logged decisions to compare on")
        if not new_estimate.estimate > live_estimate.estimate:
            return GateResult(False, new_estimate, live_estimate,
                              f"DR {new_estimate.estimate:.4f} does not beat the live {live.name}'s "
                              f"{live_estimate.estimate:.4f}")
    with transaction.atomic():
        BanditPolicy.objects.filter(is_live=True).update(is_live=False)
        BanditPolicy.objects.filter(pk=candidate.pk).update(is_live=True)
    transaction.on_commit(forget_live_state)
    return GateResult(True, new_estimate, live_estimate, "promoted")
