"""Artwork's public face: which image each title card shows to a profile, and with what probability.

`choose_artwork` serves the live bandit policy over each title's *approved* candidates, drawing with a
session-stable generator, and returns the true propensity of the drawn arm for the impression log.
A title with no approved candidate shows its ready poster (or a generated placeholder), propensity 1.
One query per row for the assets; the live policy, its state and the profile's segment come from the cache.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

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


def live_state() -> LiveState | None:
    """The live policy and its newest state, cached until the learner or staff change either."""
    state = cache.get(STATE_CACHE_KEY)
    if state is None:
        policy = BanditPolicy.objects.filter(is_live=True).first()
        if policy is None:
            state = "none"
        else:
            latest = PolicyState.objects.filter(policy=policy).order_by("-version").first()
            state = LiveState(policy.name, policy.kind, policy.epsilon, latest.version if latest else 0,
                              latest.params if latest else {})
        cache.set(STATE_CACHE_KEY, state, 300)
    return None if state == "none" else state


def forget_live_state() -> None:
    cache.delete(STATE_CACHE_KEY)


def taste_segment(profile: Profile | None) -> str:
    """The profile's taste segment: its most-watched genre (from history), or "new"."""
    if profile is None:
        return "new"
    key = f"artwork:segment:{profile.pk}"
    segment = cache.get(key)
    if segment is None:
        genres = Counter(ViewingEvent.objects.filter(profile=profile, title__genres__isnull=False)
                         .order_by("-started_at").values_list("title__genres__name", flat=True)[:200])
        segment = genres.most_common(1)[0][0] if genres else "new"
        cache.set(key, segment, SEGMENT_CACHE_SECONDS)
    return segment


def _session_key(profile: Profile | None) -> str:
    # A "session" for stability: the profile and the day (the storefront may pass its own key).
    return f"{profile.pk if profile else 0}:{timezone.now().date().isoformat()}"


def choose_artwork(profile: Profile | None, titles: Iterable[Title], *, session: str | None = None,
                   state: LiveState | None = None) -> dict[int, ArtworkChoice]:
    """Pick the image for each title in one query for the whole row: `{title_id: ArtworkChoice}`."""
    titles = list(titles)
    if not titles:
        return {}
    rows = (
        MediaAsset.objects.filter(title_id__in=[t.pk for t in titles], status=MediaAsset.Status.READY)
        # Only approved candidates are ever arms; the poster is always there as the fallback.
        .filter(Q(role=MediaAsset.Role.POSTER) | Q(artwork_candidates__approved=True))
        .values_list("id", "title_id", "file", "role", "artwork_candidates__approved",
                     "artwork_candidates__features")
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
    choices = {}
    for title in titles:
        title_arms = arms.get(title.pk)
        if title_arms and state:
            p = bandits.probabilities(state.kind, state.params, segment, [a for a, _ in title_arms],
                                      epsilon=state.epsilon,
                                      rng=lambda t=title.pk: bandits.stable_rng(session, t, state.version))
            index = bandits.draw(p, bandits.stable_uniform("draw", session, title.pk, state.version))
            arm, file = title_arms[index]
            choices[title.pk] = ArtworkChoice(arm.arm_id, storage.url(file), state.policy, float(p[index]))
        elif title.pk in posters:
            asset_id, file = posters[title.pk]
            choices[title.pk] = ArtworkChoice(asset_id, storage.url(file), DEFAULT_POLICY, 1.0)
        else:
            choices[title.pk] = ArtworkChoice(None, placeholder_data_uri(title), DEFAULT_POLICY, 1.0)
    return choices


def arm_probabilities(profile: Profile | None, title: Title, *, session: str | None = None) -> dict[int, float]:
    """What the live policy would show this profile for one title: `{asset_id: probability}` ("what would they see")."""
    state = live_state()
    arms = [bandits.Arm(c.asset_id, c.features) for c in title.artwork_candidates.filter(approved=True)
            .filter(asset__status=MediaAsset.Status.READY).order_by("asset_id")]
    if not state or not arms:
        return {}
    session = session or _session_key(profile)
    p = bandits.probabilities(state.kind, state.params, taste_segment(profile), arms, epsilon=state.epsilon,
                              rng=lambda t=title.pk: bandits.stable_rng(session, t, state.version))
    return {arm.arm_id: float(q) for arm, q in zip(arms, p, strict=True)}
