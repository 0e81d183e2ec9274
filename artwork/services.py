"""Artwork's public face: which image each title card shows to a profile, and with what probability.

This first version serves the title's ready poster (or a generated placeholder) with
propensity 1.0; the personalized bandit replaces the choice later behind the same call.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from accounts.models import Profile
from catalog.models import MediaAsset, Title

from .placeholders import placeholder_data_uri

DEFAULT_POLICY = "default"


@dataclass(frozen=True)
class ArtworkChoice:
    asset_id: int | None
    url: str
    policy: str
    propensity: float


def choose_artwork(profile: Profile | None, titles: Iterable[Title]) -> dict[int, ArtworkChoice]:
    """Pick the image for each title in one query for the whole row: `{title_id: ArtworkChoice}`."""
    titles = list(titles)
    if not titles:
        return {}
    posters: dict[int, MediaAsset] = {}
    # Ordered by id so the oldest ready poster wins when a title has several (a stable default).
    assets = (
        MediaAsset.objects.filter(
            title_id__in=[t.pk for t in titles], role=MediaAsset.Role.POSTER, status=MediaAsset.Status.READY
        )
        .only("id", "title_id", "file")
        .order_by("title_id", "id")
    )
    for asset in assets:
        posters.setdefault(asset.title_id, asset)
    choices = {}
    for title in titles:
        asset = posters.get(title.pk)
        if asset is not None and asset.file:
            choices[title.pk] = ArtworkChoice(asset.pk, asset.file.url, DEFAULT_POLICY, 1.0)
        else:
            choices[title.pk] = ArtworkChoice(None, placeholder_data_uri(title), DEFAULT_POLICY, 1.0)
    return choices
