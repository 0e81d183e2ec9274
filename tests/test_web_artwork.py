"""Artwork's default choice and the impression log every card writes."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from activity.models import Impression
from artwork.services import choose_artwork
from catalog.models import MediaAsset
from factories import make_profile, make_title
from storefront.cards import RowSpec, build_rows

pytestmark = pytest.mark.django_db


def poster(title, status="ready"):
    asset = MediaAsset(title=title, kind="image", role="poster", status=status)
    asset.file.save(f"poster-{title.pk}.png", ContentFile(b"png"), save=True)
    return asset


def test_a_ready_poster_is_chosen_else_a_placeholder_in_one_query(settings, tmp_path, django_assert_num_queries):
    settings.MEDIA_ROOT = tmp_path
    profile = make_profile()
    with_poster, pending, bare = make_title("Framed"), make_title("Pending Art"), make_title("Bare <Title>")
    ready = poster(with_poster)
    poster(pending, status="pending")

    with django_assert_num_queries(1):
        choices = choose_artwork(profile, [with_poster, pending, bare])

    assert choices[with_poster.pk].asset_id == ready.pk and choices[with_poster.pk].url == ready.file.url
    assert choices[pending.pk].asset_id is None and choices[pending.pk].url.startswith("data:image/svg+xml")
    assert "%26lt%3BTitle%26gt%3B" in choices[bare.pk].url  # the name is escaped inside the SVG
    assert {(c.policy, c.propensity) for c in choices.values()} == {("default", 1.0)}


def test_rows_log_one_impression_per_card_with_position_and_artwork(settings, tmp_path, django_assert_num_queries):
    settings.MEDIA_ROOT = tmp_path
    profile = make_profile()
    titles = [make_title(f"Card {i}") for i in range(5)]
    art = poster(titles[1])
    specs = [RowSpec("top_picks", "Top picks", [(t.pk, "Top pick") for t in titles[:3]]),
             RowSpec("trending", "Trending", [(t.pk, "Trending") for t in titles[2:]] + [(999999, "gone")])]

    # titles, artwork, impressions: the same three queries however many cards.
    with django_assert_num_queries(3):
        rows = build_rows(profile, specs)

    assert [len(row.cards) for row in rows] == [3, 3]
    logged = list(Impression.objects.order_by("surface", "position").values_list("surface", "position", "title_id",
                                                                                 "artwork_id", "policy", "propensity"))
    assert logged == [
        ("top_picks", 0, titles[0].pk, None, "default", 1.0),
        ("top_picks", 1, titles[1].pk, art.pk, "default", 1.0),
        ("top_picks", 2, titles[2].pk, None, "default", 1.0),
        ("trending", 0, titles[2].pk, None, "default", 1.0),
        ("trending", 1, titles[3].pk, None, "default", 1.0),
        ("trending", 2, titles[4].pk, None, "default", 1.0),
    ]
    assert len(set(Impression.objects.values_list("request_id", flat=True))) == 1
    assert rows[0].cards[1].url == reverse("storefront:title", args=[titles[1].pk])


def test_a_kids_profile_never_gets_cards_above_its_limit():
    kid = make_profile(maturity_limit="kids")
    family, grown_up = make_title("Family", maturity_rating="PG"), make_title("Grown Up", maturity_rating="R")

    rows = build_rows(kid, [RowSpec("top_picks", "Top picks", [(grown_up.pk, ""), (family.pk, "")])])

    assert [card.title for card in rows[0].cards] == [family]
