"""Which preview (a window of a title's video) a profile sees, with what probability, and its log.

`choose_preview` draws from the live preview-channel policy over the title's approved windows, stable
within the viewing session; without a live policy the best-scored window plays. `log_preview` records the
offer with its true propensity, as artwork's impressions are.
"""

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.utils import timezone

from accounts.models import Profile
from catalog.models import MediaAsset, Title

from . import bandits
from .models import PolicyState, PreviewCandidate, PreviewImpression
from .policy_state import DEFAULT_POLICY, compiled, live_state
from .viewer import session_key, taste_context


@dataclass(frozen=True)
class PreviewChoice:
    preview_id: int
    url: str  # the video's URL with the window's media fragment, `video.mp4#t=start,end`
    start_s: float
    end_s: float
    policy: str
    propensity: float


def _preview_arms(title_id: int) -> list[tuple[bandits.Arm, str, float, float]]:
    rows = (
        PreviewCandidate.objects.filter(
            title_id=title_id, approved=True, asset__status=MediaAsset.Status.READY
        )
        .order_by("pk")
        .values_list("pk", "features", "tags", "asset__file", "start_s", "end_s")
    )
    # The window's own features are its arm: motion, faces, tags (bandits.PREVIEW_ARM_FEATURES).
    return [
        (bandits.Arm(pk, bandits.preview_arm_features(features or {}, tags)), file, start, end)
        for pk, features, tags, file, start, end in rows
        if file
    ]


def preview_probabilities(
    profile: Profile | None, title: Title, *, session: str | None = None
) -> dict[int, float]:
    """What the live policy would play for this profile on this title: `{preview_id: probability}`.

    Without a live policy the best-scored window is played (probability 1), so previews work before any
    policy is configured."""
    arms = _preview_arms(title.pk)
    if not arms:
        return {}
    state = live_state(PolicyState.Channel.PREVIEW)
    if state is None:
        best = (
            PreviewCandidate.objects.filter(pk__in=[a.arm_id for a, *_ in arms])
            .order_by("-score", "pk")
            .first()
        )
        return {arm.arm_id: float(arm.arm_id == best.pk) for arm, *_ in arms}
    p = bandits.probabilities(
        state.kind, compiled(state), taste_context(profile), [a for a, *_ in arms], epsilon=state.epsilon
    )
    return {arm.arm_id: float(q) for (arm, *_), q in zip(arms, p, strict=True)}


def choose_preview(
    profile: Profile | None, title: Title, *, session: str | None = None
) -> PreviewChoice | None:
    """The preview this profile sees for the title (stable within a session), or None when it has none."""
    arms = _preview_arms(title.pk)
    if not arms:
        return None
    session = session or session_key(profile)
    probabilities = preview_probabilities(profile, title, session=session)
    ids = [arm.arm_id for arm, *_ in arms]
    p = np.array([probabilities[i] for i in ids])
    state = live_state(PolicyState.Channel.PREVIEW)
    version = state.version if state else 0
    index = bandits.draw(p / p.sum(), bandits.stable_uniform("preview-draw", session, title.pk, version))
    arm, file, start, end = arms[index]
    storage = MediaAsset._meta.get_field("file").storage
    return PreviewChoice(
        arm.arm_id,
        f"{storage.url(file)}#t={start:g},{end:g}",
        start,
        end,
        state.policy if state else DEFAULT_POLICY,
        float(p[index]),
    )


def log_preview(
    profile: Profile, title: Title, choice: PreviewChoice, surface: str, *, now: datetime | None = None
) -> None:
    """Record that the preview was offered (title page or card hover) with its true propensity."""
    PreviewImpression.objects.create(
        profile=profile,
        title=title,
        preview_id=choice.preview_id,
        surface=surface[:20],
        policy=choice.policy,
        propensity=choice.propensity,
        shown_at=now or timezone.now(),
    )
