"""Title cards for a page: titles fetched once, artwork chosen per profile, and every card logged.

Each card shown becomes an `Impression` (surface, position, artwork, policy, propensity) so the
artwork bandit and off-policy evaluation can learn from exactly what was on screen.
"""

import uuid
from dataclasses import dataclass, field

from django.urls import reverse

from accounts.models import Profile
from activity.models import Impression
from artwork.services import choose_artwork
from catalog.models import Title

TITLE_CARD_FIELDS = ("id", "name", "year", "maturity_rating", "runtime_minutes")
_MATURITY = {
    Profile.Maturity.KIDS: {Title.Maturity.G, Title.Maturity.PG},
    Profile.Maturity.TEEN: {Title.Maturity.G, Title.Maturity.PG, Title.Maturity.PG13, Title.Maturity.UNRATED},
}


@dataclass
class Card:
    title: Title
    image_url: str
    reason: str
    position: int
    artwork_id: int | None
    url: str = ""


@dataclass
class CardRow:
    key: str
    heading: str
    cards: list[Card] = field(default_factory=list)


@dataclass
class RowSpec:
    """What to show before it is resolved: a row of (title id, reason) pairs from any source."""

    key: str
    heading: str
    items: list[tuple[int, str]]


def visible_titles(profile: Profile):
    """Titles this profile may see: available in its account's region, within its maturity limit."""
    titles = Title.objects.available_in(profile.account.region_id)
    allowed = _MATURITY.get(profile.maturity_limit)
    return titles.filter(maturity_rating__in=allowed) if allowed else titles


_SENTINEL_ID = 987654321


def title_url_maker():
    """`url(title_id)` for the title page, with one `reverse()` per page instead of one per card
    (reversing was 40% of a home page's template time)."""
    template = reverse("storefront:title", args=[_SENTINEL_ID])
    return lambda title_id: template.replace(str(_SENTINEL_ID), str(title_id))


def build_rows(profile: Profile, specs: list[RowSpec], *, log: bool = True) -> list[CardRow]:
    """Resolve rows to cards in three queries whatever their size: titles, artwork, impressions."""
    wanted = {title_id for spec in specs for title_id, _ in spec.items}
    titles = visible_titles(profile).only(*TITLE_CARD_FIELDS).in_bulk(wanted) if wanted else {}
    artwork = choose_artwork(profile, titles.values())
    rows, impressions = [], []
    request_id = str(uuid.uuid4())
    url = title_url_maker()
    for spec in specs:
        row = CardRow(spec.key, spec.heading)
        for title_id, reason in spec.items:
            title = titles.get(title_id)
            if title is None:  # gone, out of region or above the maturity limit
                continue
            choice = artwork[title_id]
            row.cards.append(Card(title, choice.url, reason, len(row.cards), choice.asset_id, url(title_id)))
            impressions.append(
                Impression(
                    profile=profile, title_id=title_id, surface=spec.key[:40], position=len(row.cards) - 1,
                    artwork_id=choice.asset_id, policy=choice.policy, propensity=choice.propensity,
                    request_id=request_id,
                )
            )
        if row.cards:
            rows.append(row)
    if log and impressions:
        Impression.objects.bulk_create(impressions)
    return rows
