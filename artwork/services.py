"""Artwork's public face: which image each title card shows to a profile, and with what probability.

`choose_artwork` serves the live bandit policy over each title's *approved* candidates, drawing with a
session-stable generator, and returns the true propensity of the drawn arm for the impression log.
A title with no approved candidate shows its ready poster (or a generated placeholder), propensity 1.
One query per row for the assets; the live policy, its state and the profile's segment come from the cache.
"""

import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from accounts.models import Profile
from activity.models import ViewingEvent
from catalog.models import MediaAsset, Title

from . import bandits
from .models import BanditPolicy, PolicyState
from .placeholders import placeholder_data_uri

DEFAULT_POLICY = "default"
STATE_CACHE_KEY = "artwork:live-state"
SEGMENT_CACHE_SECONDS = 3600


@dataclass(frozen=True)
class ArtworkChoice:
    asset_id: int | None
    url: str
    policy: str
    propensity: float


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


def taste_segment(profile: Profile | None) -> str:
    """The profile's taste segment: its most-watched genre (from history), or "new"."""
    if profile is None:
        return "new"
    key = f"artwork:segment:{profile.pk}"
    segment = cache.get(key)
    if segment is None:
        genres = Counter(
            ViewingEvent.objects.filter(profile=profile, title__genres__isnull=False)
            .order_by("-started_at")
            .values_list("title__genres__name", flat=True)[:200]
        )
        segment = genres.most_common(1)[0][0] if genres else "new"
        cache.set(key, segment, SEGMENT_CACHE_SECONDS)
    return segment


SESSION_IDLE_SECONDS = 4 * 3600


def _session_key(profile: Profile | None) -> str:
    """A viewing session for stability: a token per profile that lives while the profile keeps coming back
    (each use extends it by SESSION_IDLE_SECONDS), so the choice never flips at a clock boundary such as
    midnight; a new token, and so possibly new images, only after that long away. The storefront may pass
    its own key instead."""
    if profile is None:
        return "0"
    key = f"artwork:session:{profile.pk}"
    token = cache.get(key)
    if token is None:
        token = secrets.token_hex(8)
        if not cache.add(key, token, SESSION_IDLE_SECONDS):  # another request started the session first
            token = cache.get(key, token)
    else:
        cache.touch(key, SESSION_IDLE_SECONDS)
    return f"{profile.pk}:{token}"


def choose_artwork(
    profile: Profile | None,
    titles: Iterable[Title],
    *,
    session: str | None = None,
    state: LiveState | None = None,
) -> dict[int, ArtworkChoice]:
    """Pick the image for each title in one query for the whole row: `{title_id: ArtworkChoice}`."""
    titles = list(titles)
    if not titles:
        return {}
    rows = (
        MediaAsset.objects.filter(title_id__in=[t.pk for t in titles], status=MediaAsset.Status.READY)
        # Only approved candidates are ever arms; the poster is always there as the fallback.
        .filter(Q(role=MediaAsset.Role.POSTER) | Q(artwork_candidates__approved=True))
        .values_list(
            "id", "title_id", "file", "role", "artwork_candidates__approved", "artwork_candidates__features"
        )
        .order_by("title_id", "id")
    )
    posters: dict[int, tuple[int, str]] = {}
    arms: dict[int, list[tuple[bandits.Arm, str]]] = {}
    for asset_id, title_id, file, role, approved, features in rows:
        if not file:
            continue
        if approved:
            arms.setdefault(title_id, []).append((bandits.Arm(asset_id, features or {}), file))
        if role == MediaAsset.Role.POSTER:
            posters.setdefault(title_id, (asset_id, file))
    storage = MediaAsset._meta.get_field("file").storage
    # The live policy and the segment are only looked up (cached) when some title has approved arms.
    state = (state or live_state()) if arms else None
    segment = taste_segment(profile) if state else "new"
    session = session or _session_key(profile)
    served = [title.pk for title in titles if title.pk in arms] if state else []
    # One batched call for the row: the compiled state (cached per version) scores every title at once.
    vectors = (
        dict(
            zip(
                served,
                bandits.row_probabilities(
                    compiled(state),
                    segment,
                    [[a for a, _ in arms[pk]] for pk in served],
                    epsilon=state.epsilon,
                ),
                strict=True,
            )
        )
        if served
        else {}
    )
    choices = {}
    for title in titles:
        p = vectors.get(title.pk)
        if p is not None:
            index = bandits.draw(p, bandits.stable_uniform("draw", session, title.pk, state.version))
            arm, file = arms[title.pk][index]
            choices[title.pk] = ArtworkChoice(arm.arm_id, storage.url(file), state.policy, float(p[index]))
        elif title.pk in posters:
            asset_id, file = posters[title.pk]
            choices[title.pk] = ArtworkChoice(asset_id, storage.url(file), DEFAULT_POLICY, 1.0)
        else:
            choices[title.pk] = ArtworkChoice(None, placeholder_data_uri(title), DEFAULT_POLICY, 1.0)
    return choices


def arm_probabilities(
    profile: Profile | None, title: Title, *, session: str | None = None
) -> dict[int, float]:
    """What the live policy would show this profile for one title: `{asset_id: probability}` ("what would they see")."""
    state = live_state()
    arms = [
        bandits.Arm(c.asset_id, c.features)
        for c in title.artwork_candidates.filter(approved=True)
        .filter(asset__status=MediaAsset.Status.READY)
        .order_by("asset_id")
    ]
    if not state or not arms:
        return {}
    p = bandits.probabilities(
        state.kind, compiled(state), taste_segment(profile), arms, epsilon=state.epsilon
    )
    return {arm.arm_id: float(q) for arm, q in zip(arms, p, strict=True)}


# --- previews ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewChoice:
    preview_id: int
    url: str  # the video's URL with the window's media fragment, `video.mp4#t=start,end`
    start_s: float
    end_s: float
    policy: str
    propensity: float


def _preview_arms(title_id: int) -> list[tuple[bandits.Arm, str, float, float]]:
    from .models import PreviewCandidate

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
        from .models import PreviewCandidate

        best = (
            PreviewCandidate.objects.filter(pk__in=[a.arm_id for a, *_ in arms])
            .order_by("-score", "pk")
            .first()
        )
        return {arm.arm_id: float(arm.arm_id == best.pk) for arm, *_ in arms}
    p = bandits.probabilities(
        state.kind, compiled(state), taste_segment(profile), [a for a, *_ in arms], epsilon=state.epsilon
    )
    return {arm.arm_id: float(q) for (arm, *_), q in zip(arms, p, strict=True)}


def choose_preview(
    profile: Profile | None, title: Title, *, session: str | None = None
) -> PreviewChoice | None:
    """The preview this profile sees for the title (stable within a session), or None when it has none."""
    arms = _preview_arms(title.pk)
    if not arms:
        return None
    session = session or _session_key(profile)
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


def log_preview(profile: Profile, title: Title, choice: PreviewChoice, surface: str, *, now=None) -> None:
    """Record that the preview was offered (title page or card hover) with its true propensity."""
    from .models import PreviewImpression

    PreviewImpression.objects.create(
        profile=profile,
        title=title,
        preview_id=choice.preview_id,
        surface=surface[:20],
        policy=choice.policy,
        propensity=choice.propensity,
        shown_at=now or timezone.now(),
    )
