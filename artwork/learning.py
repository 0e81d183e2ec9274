"""The online learner: impressions joined to later plays in SQL, folded into a new policy state past a watermark.

Idempotent: only impressions whose reward window has closed are read, the watermark stops before the first
impression whose window is still open, and a run with nothing new writes nothing. Re-running changes nothing.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from activity.models import Impression, ViewingEvent

from . import bandits
from .models import ArtworkCandidate, BanditPolicy, PolicyState, PreviewCandidate, PreviewImpression
from .policy_state import forget_live_state
from .viewer import impression_contexts

FLUSH_SLACK = timedelta(minutes=5)  # impressions reach the table up to one buffer flush late


def _log(channel: str):
    """The channel's impression log and the column holding the arm shown.

    Only cards that showed a candidate count: a poster shown as the fallback (no approved candidate,
    propensity 1) is no arm of any policy, and folding those in wrote a new state version on every run
    of a storefront that shows posters, though no policy had anything new to learn."""
    if channel == PolicyState.Channel.PREVIEW:
        return PreviewImpression.objects.filter(preview__isnull=False), "preview_id"
    return Impression.objects.filter(artwork__artwork_candidates__isnull=False), "artwork_id"


def rewarded_impressions(
    window: timedelta, after_id: int, now=None, channel: str = PolicyState.Channel.ARTWORK
):
    """Impressions past `after_id` whose window has closed, annotated with `played` (one SQL query)."""
    now = now or timezone.now()
    cutoff = now - window - FLUSH_SLACK
    log, _ = _log(channel)
    fresh = log.filter(pk__gt=after_id)
    still_open = fresh.filter(shown_at__gt=cutoff).order_by("pk").values_list("pk", flat=True).first()
    closed = fresh.filter(shown_at__lte=cutoff)
    if still_open is not None:
        closed = closed.filter(pk__lt=still_open)
    plays = ViewingEvent.objects.filter(
        profile_id=OuterRef("profile_id"),
        title_id=OuterRef("title_id"),
        started_at__gt=OuterRef("shown_at"),
        started_at__lte=OuterRef("shown_at") + window,
    )
    return closed.annotate(played=Exists(plays)).order_by("pk")


@transaction.atomic
def learn(policy: BanditPolicy, now=None, channel: str = PolicyState.Channel.ARTWORK) -> PolicyState | None:
    """Fold new rewarded impressions of one channel into `policy`'s next state version of that channel;
    None when there was nothing new."""
    policy = BanditPolicy.objects.select_for_update().get(pk=policy.pk)
    latest = PolicyState.objects.filter(policy=policy, channel=channel).order_by("-version").first()
    watermark = latest.watermark if latest else 0
    _, arm_column = _log(channel)
    # Card impressions log the context they were chosen with; preview impressions do not (yet).
    context_column = ("context",) if channel == PolicyState.Channel.ARTWORK else ()
    rows = list(
        rewarded_impressions(
            timedelta(hours=policy.reward_window_hours), watermark, now, channel
        ).values_list("pk", "profile_id", arm_column, "played", "title_id", *context_column)
    )
    if not rows:
        return None
    if channel == PolicyState.Channel.PREVIEW:
        features = {
            pk: bandits.preview_arm_features(stored or {}, tags)
            for pk, stored, tags in PreviewCandidate.objects.filter(pk__in={r[2] for r in rows}).values_list(
                "pk", "features", "tags"
            )
        }
    else:
        features = dict(
            ArtworkCandidate.objects.filter(asset_id__in={r[2] for r in rows}).values_list(
                "asset_id", "features"
            )
        )
    from accounts.models import Profile

    profiles = Profile.objects.in_bulk({r[1] for r in rows})
    contexts = impression_contexts(profiles, [(r[0], r[1], r[4], r[5] if context_column else None) for r in rows])
    updates = [
        (contexts.get(pk, "new"), artwork_id, features.get(artwork_id, {}), float(played))
        for pk, _, artwork_id, played, *_ in rows
    ]
    params = bandits.update(
        policy.kind, latest.params if latest else {}, updates, bandits.channel_features(channel)
    )
    state = PolicyState.objects.create(
        policy=policy,
        channel=channel,
        version=(latest.version if latest else 0) + 1,
        watermark=rows[-1][0],
        params=params,
    )
    transaction.on_commit(forget_live_state)
    return state


def learn_all(now=None) -> dict[str, int]:
    """Every policy learns both channels from the shared logs (off-live policies warm up for the gate);
    `{"policy" or "policy:preview": new version or 0}`."""
    done = {}
    for policy in BanditPolicy.objects.order_by("pk"):
        for channel in PolicyState.Channel.values:
            state = learn(policy, now, channel)
            name = policy.name if channel == PolicyState.Channel.ARTWORK else f"{policy.name}:{channel}"
            done[name] = state.version if state else 0
    return done
