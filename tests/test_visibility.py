"""One visibility rule: every URL that shows titles keeps to the profile's region and maturity limit.

The walk covers every URL pattern of the site: each one is either in `TITLE_SURFACES` (requested as a
kids profile and as a profile in another region, and checked for titles it must not show) or named in
`NO_TITLES` with the reason it shows none. A new pattern in neither list fails the walk, so a new
surface cannot skip the rule unnoticed.
"""

# ruff: noqa: F811  (pytest fixtures imported from support_engine are redefined as arguments)

import json
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from support_engine import small_engine, support_engine  # noqa: F401  (fixtures)

from activity.models import MyListEntry
from catalog.models import Title, TitleAvailability
from factories import make_account, make_profile, make_region, make_title, signed_in, watch

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Surface:
    method: str = "GET"
    title_arg: bool = False  # the pattern takes a title id: asked about a visible title (and a hidden one)
    query: str = ""
    body: dict | None = None
    watched_hidden: bool = False  # the profile watched the hidden titles before (its history holds them)


# Unusual words in the hidden titles' names, so their absence from a response proves they were left out.
RATED_R, FOREIGN = "Zebracorn", "Quokkaland"

TITLE_SURFACES = {
    "storefront:home": Surface(),
    "storefront:rows_api": Surface(),
    "storefront:title": Surface(title_arg=True),
    "storefront:card_preview": Surface(title_arg=True),
    "storefront:watch": Surface(title_arg=True),
    "storefront:rate": Surface("POST", title_arg=True, body={"thumb": "1"}),
    "storefront:toggle_my_list": Surface("POST", title_arg=True),
    "storefront:watch_progress": Surface("POST", title_arg=True, body={"event": None, "position": 10, "watched": 10}),
    "storefront:search": Surface(query="q=the"),
    "storefront:suggest": Surface(query="q=the"),
    "storefront:my_list": Surface(),
    "storefront:history": Surface(watched_hidden=True),
    "storefront:onboarding": Surface(),
    "recommendations:my-rows": Surface(),
    "recommendations:similar": Surface(title_arg=True),
    "support_bot:ask": Surface("POST", body={"question": "Recommend me something like The Seed"}),
}
NO_TITLES = {
    "storefront:signup": "sign-up form",
    "storefront:signup_sent": "check-your-e-mail page",
    "storefront:signup_confirm": "finishes a sign-up, redirects to onboarding",
    "storefront:login": "sign-in form",
    "storefront:password_reset": "password-reset form",
    "storefront:password_reset_done": "check-your-e-mail page",
    "storefront:password_reset_confirm": "new-password form",
    "storefront:password_reset_complete": "password-changed page",
    "storefront:logout": "signs out",
    "storefront:profiles": "profile picker: names and avatars",
    "storefront:profile_create": "profile form",
    "storefront:profile_edit": "profile form",
    "storefront:choose_profile": "redirects after choosing",
    "storefront:remove_from_history": "hides one of the profile's own events, redirects",
    "storefront:account": "account settings",
    "storefront:plan_change": "plan table",
    "storefront:plan_confirm": "plan change confirmation",
    "storefront:cancel_membership": "cancellation form and end date",
    "storefront:restart_membership": "withdraws a cancellation, redirects",
    "storefront:billing_history": "the account's invoices",
    "storefront:invoice": "one of the account's invoices",
    "storefront:playback_settings": "video quality setting",
    "storefront:password_change": "password form",
    "storefront:profile_manage": "profiles: names, maturity and links",
    "storefront:profile_unlock": "PIN form for a locked profile",
    "storefront:profile_lock": "profile PIN form",
    "storefront:profile_delete": "profile delete confirmation",
    "storefront:healthz": "health check",
    "recommendations:profile-rows": "same rows as my-rows, for a profile id (checked below)",
    "support_bot:feedback": "records feedback on an answer",
    "support_bot:replies": "the account's ticket replies",
    "tagging:title_tags": "staff-only tag review",
    "tagging:decide_suggestion": "staff-only one-click approve/reject of a suggestion, redirects",
    "marketing:unsubscribe": "unsubscribe confirmation (the e-mails' featured titles use the rule in marketing)",
    "marketing:open": "tracking pixel",
    "marketing:click": "signed redirect to the platform's own URLs",
}


def _named_patterns(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if pattern.app_name == "admin" or str(pattern.pattern).startswith("admin/"):
                continue  # staff tools: checked by role in the staff tests, not shown to profiles
            names |= _named_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_pattern_is_classified():
    names = _named_patterns(get_resolver())
    assert names - set(TITLE_SURFACES) - set(NO_TITLES) == set(), "classify new URL patterns in this file"


@pytest.fixture
def world():
    """A visible seed and its lookalikes, one rated R and one licensed only elsewhere, all popular."""
    cache.clear()
    home, elsewhere = make_region("US", "United States"), make_region("FR", "France")
    seed = make_title("The Seed", genres=["Animation", "Comedy"], maturity_rating="G", year=2020)
    visible = make_title("The Visible Friend", genres=["Animation", "Comedy"], maturity_rating="PG", year=2021)
    rated_r = make_title(f"The {RATED_R}", genres=["Animation", "Comedy"], maturity_rating="R", year=2024)
    foreign = make_title(f"The {FOREIGN}", genres=["Animation", "Comedy"], maturity_rating="G", year=2024)
    TitleAvailability.objects.create(title=foreign, region=elsewhere)
    for _ in range(6):  # everyone else loves the hidden two, so popularity rows would carry them
        fan = make_profile(make_account(region=home))
        for title in (rated_r, foreign, seed):
            watch(fan, title)
    return {"home": home, "seed": seed, "visible": visible, "rated_r": rated_r, "foreign": foreign}


def _viewers(world):
    kid = make_profile(make_account(region=world["home"]), "Kid", maturity_limit="kids", onboarded_at=timezone.now())
    adult = make_profile(make_account(region=world["home"]), "Adult", onboarded_at=timezone.now())
    # Their own lists hold the hidden titles too (saved before a limit was set or a licence ended).
    for profile in (kid, adult):
        for title in (world["rated_r"], world["foreign"]):
            MyListEntry.objects.create(profile=profile, title=title)
    return {"kids": (kid, {RATED_R, FOREIGN}), "other region": (adult, {FOREIGN})}


def _request(client, name: str, surface: Surface, title: Title | None):
    url = reverse(name, args=[title.pk] if surface.title_arg else [])
    if surface.query:
        url = f"{url}?{surface.query}"
    if surface.method == "GET":
        return client.get(url)
    if name in ("storefront:watch_progress", "support_bot:ask"):
        return client.post(url, data=json.dumps(surface.body or {}), content_type="application/json")
    return client.post(url, data=surface.body or {})


@pytest.mark.parametrize("name", sorted(TITLE_SURFACES))
def test_no_surface_shows_a_title_the_profile_may_not_see(client, world, support_engine, name):
    surface = TITLE_SURFACES[name]
    for who, (profile, hidden_words) in _viewers(world).items():
        cache.clear()
        if surface.watched_hidden:
            for key in ("rated_r", "foreign"):
                watch(profile, world[key], completion=0.2)
        signed_in(client, profile)
        response = _request(client, name, surface, world["seed"])
        assert response.status_code < 500, (name, who)
        body = response.content.decode()
        for word in hidden_words:
            assert word not in body, f"{name} showed a hidden title to the {who} profile"
        if surface.title_arg:
            for key in ("rated_r", "foreign"):
                if any(word in world[key].name for word in hidden_words):
                    asked = _request(client, name, surface, world[key])
                    assert asked.status_code == 404, f"{name} answered {asked.status_code} about a hidden title ({who})"


def test_the_rows_of_another_own_profile_keep_to_that_profiles_limit(client, world):
    parent = make_profile(make_account(region=world["home"]), "Parent", onboarded_at=timezone.now())
    kid = make_profile(parent.account, "Kid", maturity_limit="kids", onboarded_at=timezone.now())
    signed_in(client, parent)
    body = client.get(reverse("recommendations:profile-rows", args=[kid.pk])).content.decode()
    assert RATED_R not in body and FOREIGN not in body


@pytest.mark.parametrize(
    ("limit", "allowed"),
    [
        ("kids", {"G", "PG"}),
        ("teen", {"G", "PG", "PG-13"}),
        ("all", {"G", "PG", "PG-13", "R", "NC-17", "NR"}),
    ],
)
def test_the_maturity_limit_admits_exactly_its_ratings(limit, allowed):
    profile = make_profile(maturity_limit=limit)
    for rating in Title.Maturity.values:
        make_title(f"Rated {rating}", maturity_rating=rating)
    shown = set(Title.objects.visible_to(profile).values_list("maturity_rating", flat=True))
    assert shown == allowed
