"""Title cards for a page: titles fetched once, artwork chosen per profile, and every card logged.

Each card shown becomes an `Impression` (surface, position, artwork, policy, propensity) so the
artwork bandit and off-policy evaluation can learn from exactly what was on screen.
"""

from dataclasses import dataclass, field

from django.urls import reverse

from accounts.models import Profile
from activity.impressions import Shown, log_impressions
from artwork.services import choose_artwork
from catalog.models import Title

TITLE_CARD_FIELDS = ("id", "name", "year", "maturity_rating", "runtime_minutes", "synopsis")  # synopsis: the hero


@dataclass
class Card:
    title: Title
    image_url: str
    reason: str
    position: int
    artwork_id: int | None
    url: str = ""
    policy: str = ""
    propensity: float = 1.0
    preview_url: str = ""  # set where `url` is not the title page (artwork/preview.js derives it otherwise)
    context: tuple[float, ...] | None = None  # the bandit's context for this choice, logged with the impression


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


_SENTINEL_ID = 987654321


def title_url_maker(view: str = "storefront:title"):
    """`url(title_id)` for a title's page (the title page by default), with one `reverse()` per page
    instead of one per card (reversing was 40% of a home page's template time)."""
    template = reverse(view, args=[_SENTINEL_ID])
    return lambda title_id: template.replace(str(_SENTINEL_ID), str(title_id))


# Rows whose cards open the player rather than the title page: Continue Watching resumes where the
# profile stopped (the watch page seeks to the last position).
PLAYER_ROWS = {"continue_watching"}


def resolve_rows(profile: Profile, specs: list[RowSpec]) -> list[CardRow]:
    """Rows to cards in two queries whatever their size (titles, artwork); drops titles the profile may not see."""
    wanted = {title_id for spec in specs for title_id, _ in spec.items}
    titles = Title.objects.visible_to(profile).only(*TITLE_CARD_FIELDS).in_bulk(wanted) if wanted else {}
    artwork = choose_artwork(profile, titles.values())
    title_url, watch_url = title_url_maker(), title_url_maker("storefront:watch")
    preview_url = title_url_maker("storefront:card_preview")
    rows = []
    for spec in specs:
        row = CardRow(spec.key, spec.heading)
        url = watch_url if spec.key in PLAYER_ROWS else title_url
        for title_id, reason in spec.items:
            title = titles.get(title_id)
            if title is None:  # gone, out of region or above the maturity limit
                continue
            choice = artwork[title_id]
            row.cards.append(Card(title, choice.url, reason, len(row.cards), choice.asset_id, url(title_id),
                                  choice.policy, choice.propensity,
                                  preview_url(title_id) if spec.key in PLAYER_ROWS else "", choice.context))
        if row.cards:
            rows.append(row)
    return rows


def shown_cards(rows: list[CardRow]) -> list[Shown]:
    return [Shown(card.title.pk, row.key[:40], card.position, card.artwork_id, card.policy, card.propensity,
                  card.context)
            for row in rows for card in row.cards]


def build_rows(profile: Profile, specs: list[RowSpec], *, log: bool = True) -> list[CardRow]:
    """Resolve rows to cards and log every card as an impression of one page."""
    rows = resolve_rows(profile, specs)
    if log:
        log_impressions(profile.pk, shown_cards(rows))
    return rows
