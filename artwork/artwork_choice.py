"""Which image each title card shows to a profile, and with what probability.

`choose_artwork` serves the live bandit policy over each title's *approved* candidates, drawing with a
session-stable generator, and returns the true propensity of the drawn arm for the impression log.
A title with no approved candidate shows its ready poster (or a generated placeholder), propensity 1.
One query per row for the assets; the live policy, its state and the profile's taste context (segment and
taste vector) come from the cache.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from accounts.models import Profile
from catalog.models import MediaAsset, Title

from . import bandits
from .placeholders import placeholder_data_uri
from .policy_state import DEFAULT_POLICY, LiveState, compiled, live_state
from .taste import Context
from .viewer import session_key, taste_context


@dataclass(frozen=True)
class ArtworkChoice:
    asset_id: int | None
    url: str
    policy: str
    propensity: float
    # The taste vector the policy scored this choice with, for the impression log (None for the fallback).
    context: tuple[float, ...] | None = None


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
    # The live policy and the taste context are only looked up (cached) when some title has approved arms.
    state = (state or live_state()) if arms else None
    context = taste_context(profile) if state else Context("new")
    session = session or session_key(profile)
    served = [title.pk for title in titles if title.pk in arms] if state else []
    # One batched call for the row: the compiled state (cached per version) scores every title at once.
    vectors = (
        dict(
            zip(
                served,
                bandits.row_probabilities(
                    compiled(state),
                    context,
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
            choices[title.pk] = ArtworkChoice(
                arm.arm_id, storage.url(file), state.policy, float(p[index]), context.taste
            )
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
        state.kind, compiled(state), taste_context(profile), arms, epsilon=state.epsilon
    )
    return {arm.arm_id: float(q) for arm, q in zip(arms, p, strict=True)}
