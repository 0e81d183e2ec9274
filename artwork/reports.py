"""Staff reports of the artwork app: take rate over time per policy, the winning artwork per taste segment,
and what the live policy would show one profile. Plain functions over the impression log; the admin renders them."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Profile
from activity.models import Impression, ViewingEvent
from catalog.models import MediaAsset, Title

from .artwork_choice import arm_probabilities
from .preview_choice import preview_probabilities
from .viewer import taste_segment

REWARD_WINDOW = timedelta(hours=24)
MIN_SHOWN = 20  # a segment's winner needs at least this many impressions


def wilson(plays: int, shown: int) -> tuple[float, float]:
    """The Wilson 95% interval of a take rate."""
    import math

    if shown == 0:
        return 0.0, 1.0
    p, z = plays / shown, 1.96
    centre = (p + z * z / (2 * shown)) / (1 + z * z / shown)
    half = z * math.sqrt(p * (1 - p) / shown + z * z / (4 * shown * shown)) / (1 + z * z / shown)
    return max(0.0, centre - half), min(1.0, centre + half)


def _played():
    return Exists(
        ViewingEvent.objects.filter(
            profile_id=OuterRef("profile_id"),
            title_id=OuterRef("title_id"),
            started_at__gt=OuterRef("shown_at"),
            started_at__lte=OuterRef("shown_at") + REWARD_WINDOW,
        )
    )


@dataclass
class TakeRateSeries:
    days: list[date]
    rates: dict[str, list[float | None]]  # policy -> take rate per day (None: not served that day)
    shown: dict[str, list[int]]


def take_rate_by_day(days: int = 14, now=None) -> TakeRateSeries:
    """Share of card impressions followed by a play of the title within 24 h, per serving policy and day (one query)."""
    now = now or timezone.now()
    first = (now - timedelta(days=days - 1)).date()
    rows = (
        Impression.objects.filter(artwork__isnull=False, shown_at__date__gte=first, shown_at__lte=now)
        .annotate(day=TruncDate("shown_at"))
        .values("day", "policy")
        .annotate(n=Count("pk"), played=Count("pk", filter=Q(_played())))
        .order_by("day", "policy")
    )
    day_list = [first + timedelta(days=i) for i in range(days)]
    index = {d: i for i, d in enumerate(day_list)}
    rates: dict[str, list[float | None]] = {}
    shown: dict[str, list[int]] = {}
    for row in rows:
        policy = row["policy"] or "(none)"
        rates.setdefault(policy, [None] * days)
        shown.setdefault(policy, [0] * days)
        i = index.get(row["day"])
        if i is not None and row["n"]:
            rates[policy][i] = row["played"] / row["n"]
            shown[policy][i] = row["n"]
    return TakeRateSeries(day_list, rates, shown)


@dataclass
class SegmentWinner:
    segment: str
    title: str
    asset_id: int
    image_url: str
    plays: int
    shown: int
    low: float
    high: float

    @property
    def rate(self) -> float:
        return self.plays / self.shown if self.shown else 0.0


def segment_winners(*, limit_rows: int = 200_000, min_shown: int = MIN_SHOWN) -> list[SegmentWinner]:
    """Per taste segment, the artwork with the highest take rate (ranked by the Wilson lower bound)."""
    rows = (
        Impression.objects.filter(artwork__isnull=False)
        .values("profile_id", "artwork_id")
        .annotate(n=Count("pk"), played=Count("pk", filter=Q(_played())))
        .order_by()[:limit_rows]
    )
    rows = list(rows)
    profiles = Profile.objects.in_bulk({r["profile_id"] for r in rows})
    totals: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        segment = taste_segment(profiles.get(r["profile_id"]))
        pair = totals[(segment, r["artwork_id"])]
        pair[0] += r["played"]
        pair[1] += r["n"]
    best: dict[str, tuple[float, int, list[int]]] = {}
    for (segment, asset_id), (plays, shown) in totals.items():
        if shown < min_shown:
            continue
        low = wilson(plays, shown)[0]
        if segment not in best or low > best[segment][0]:
            best[segment] = (low, asset_id, [plays, shown])
    assets = MediaAsset.objects.select_related("title").in_bulk([b[1] for b in best.values()])
    winners = []
    for segment, (_, asset_id, (plays, shown)) in sorted(best.items()):
        asset = assets.get(asset_id)
        if asset is None:
            continue
        low, high = wilson(plays, shown)
        winners.append(
            SegmentWinner(
                segment,
                asset.title.name,
                asset_id,
                asset.file.url if asset.file else "",
                plays,
                shown,
                low,
                high,
            )
        )
    return winners


@dataclass
class TitleView:
    title: Title
    artwork: list[tuple[int, str, float]] = field(default_factory=list)  # (asset id, image URL, probability)
    previews: list[tuple[int, float]] = field(default_factory=list)  # (preview id, probability)


def what_profile_sees(
    profile: Profile, *, title_ids: list[int] | None = None, limit: int = 12
) -> list[TitleView]:
    """For titles this profile may see (the given ones, else those with approved artwork), the live policy's
    probability of each approved image and preview."""
    titles = Title.objects.visible_to(profile)
    if title_ids:
        titles = titles.filter(pk__in=title_ids)
    else:
        titles = titles.filter(artwork_candidates__approved=True).distinct()
    views = []
    for title in titles.order_by("pk")[:limit]:
        urls = dict(MediaAsset.objects.filter(title=title).values_list("pk", "file"))
        storage = MediaAsset._meta.get_field("file").storage
        artwork = sorted(
            (
                (pk, storage.url(urls[pk]) if urls.get(pk) else "", p)
                for pk, p in arm_probabilities(profile, title).items()
            ),
            key=lambda row: -row[2],
        )
        previews = sorted(preview_probabilities(profile, title).items(), key=lambda row: -row[1])
        views.append(TitleView(title, artwork, previews))
    return views
