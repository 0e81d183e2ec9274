"""Every screen a support answer names exists: the answers' "Account > Plan > Cancel membership" paths are
walked through the real pages, from the top menu, link by link.

A step is a link with that text (followed) or a heading, legend or label with that text (the same page).
The last step of a path runs into the sentence ("Account > Plan and choose it"), so it is matched by its
longest leading words that name something and are followed by a word that carries the sentence on. Paths to screens Marquee does not have yet are listed in
NOT_BUILT with the step that fails; the walk fails if one of them starts to resolve (the list must shrink)
or if any other path does not.
"""

import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Plan, Profile
from factories import make_account, make_profile, signed_in

pytestmark = pytest.mark.django_db
FAQ = Path(__file__).resolve().parents[1] / "support_bot" / "data" / "faq.json"

# (entry id, the step that does not resolve): screens the answers name that are not built.
NOT_BUILT: set[tuple[str, str]] = set()  # every screen an answer names is built; answers offer a person where none exists

PATH = re.compile(r"\b([A-Z][a-z]+)((?: > [^>,.;:()'\"]*[^>,.;:()'\" ])+)")  # a step ends on a non-space
TOP_MENU = re.compile(r"\b([A-Z][a-z]+) in the top menu")
QUOTED_ON_SIGN_IN = re.compile(r"'([^']+)' on the sign-in page")
# "Tick 'X'", "choose 'X'": a control the answer tells you to use (the sign-in page's are checked on their own).
QUOTED_CONTROL = re.compile(r"\b(?:[Cc]hoose|[Tt]ick|[Ss]elect|[Pp]ress|[Cc]lick|[Tt]ap)\s+'([^']+)'(?! on the sign-in page)")
# The subscriber's own screens, where the controls an answer names must be (the chat widget is on each).
ACCOUNT_SCREENS = ["/account/", "/account/security/password/", "/account/plan/", "/account/cancel/",
                   "/account/billing/", "/account/playback/", "/profiles/manage/"]
MAX_TAIL_WORDS = 6
# The words after a screen's name where the sentence carries on ("Account > Plan and choose it"): only
# there may the last step be cut, so "Sign out of all devices" is never read as the "Sign out" button.
SENTENCE_GOES_ON = {"and", "is", "or", "then", "to", "for", "with"}


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


class _Page(HTMLParser):
    """Link texts with their targets, and the texts of headings, legends and labels."""

    NAMING = {"h1", "h2", "h3", "legend", "label", "button"}

    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, str] = {}
        self.names: set[str] = set()
        self._stack: list[tuple[str, str | None, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a" or tag in self.NAMING:
            self._stack.append((tag, dict(attrs).get("href"), []))

    def handle_data(self, data):
        for _, _, parts in self._stack:
            parts.append(data)

    def handle_endtag(self, tag):
        if self._stack and self._stack[-1][0] == tag:
            _, href, parts = self._stack.pop()
            text = _norm("".join(parts))
            if tag == "a" and href:
                self.links.setdefault(text, href)
            elif text:
                self.names.add(text)


def _parse(response) -> _Page:
    page = _Page()
    page.feed(response.content.decode())
    return page


def _paths(answer: str) -> list[list[str]]:
    return [
        [first] + [step.strip() for step in rest.split(" > ")[1:]] for first, rest in PATH.findall(answer)
    ]


def _walk(client, start_url: str, steps: list[str]) -> str | None:
    """None when every step resolves; else the step that does not (for the last, its text as written)."""
    url = start_url
    for index, step in enumerate(steps):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        page = _parse(response)
        words = step.split()
        candidates = (
            [step]
            if index < len(steps) - 1
            else [
                " ".join(words[:n])
                for n in range(min(len(words), MAX_TAIL_WORDS), 0, -1)
                if n == len(words) or words[n].casefold() in SENTENCE_GOES_ON
            ]
        )
        for candidate in candidates:
            key = _norm(candidate)
            if key in page.links:
                url = urldefrag(page.links[key]).url or url
                break
            if key in page.names:
                break
        else:
            return step
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return None


@pytest.fixture
def member(client):
    cache.clear()
    plan = Plan.objects.create(code="standard", name="Standard", monthly_price="9.99", max_profiles=3)
    account = make_account(plan=plan, next_billing_date=timezone.localdate() + timedelta(days=9))
    profile = make_profile(account, name="Adult")
    make_profile(account, name="Kid", maturity_limit=Profile.Maturity.KIDS)
    signed_in(client, profile)
    yield client
    cache.clear()


def _answers() -> dict[str, str]:
    return {entry["id"]: entry["answer"] for entry in json.loads(FAQ.read_text())}


def test_the_answers_name_menu_paths_at_all():
    # The parser must find the paths this test is about, or the walk below checks nothing.
    found = {entry_id: _paths(answer) for entry_id, answer in _answers().items()}
    assert ["Account", "Plan", "Cancel membership"] in found["cancel-subscription"]
    assert ["Account", "Billing history"] in found["billing-next-charge"]
    assert sum(len(paths) for paths in found.values()) >= 20


def test_every_screen_an_answer_names_exists(member):
    failures, unbuilt = [], set()
    for entry_id, answer in sorted(_answers().items()):
        for steps in _paths(answer):
            missing = _walk(member, "/account/", steps)  # every page has the top menu; start on one
            if missing is None:
                continue
            known = next(
                (name for eid, name in NOT_BUILT if eid == entry_id and missing.startswith(name)), None
            )
            if known is None:
                failures.append(f"{entry_id}: {' > '.join(steps)} (no {missing!r})")
            else:
                unbuilt.add((entry_id, known))
    assert not failures, "answers name screens that do not exist:\n" + "\n".join(failures)
    assert unbuilt == NOT_BUILT, f"built now, drop from NOT_BUILT: {sorted(NOT_BUILT - unbuilt)}"


def test_the_top_menu_and_sign_in_page_have_what_answers_name(member, client):
    menu = _parse(member.get("/account/"))
    for answer in _answers().values():
        for item in TOP_MENU.findall(answer):
            # "Search in the top menu" is the search box; the others are links.
            assert _norm(item) in menu.links or (
                item == "Search" and 'role="search"' in member.get("/account/").content.decode()
            ), item
    member.logout()
    sign_in = _parse(client.get("/login/"))
    named = [name for answer in _answers().values() for name in QUOTED_ON_SIGN_IN.findall(answer)]
    assert named, "expected the forgot-password answer to name a link on the sign-in page"
    for name in named:
        assert _norm(name) in sign_in.links
        assert client.get(sign_in.links[_norm(name)]).status_code == 200


def test_every_control_an_answer_tells_you_to_tick_or_choose_exists(member):
    on_screens: set[str] = set()
    for url in ACCOUNT_SCREENS:
        response = member.get(url)
        assert response.status_code == 200, url
        page = _parse(response)
        on_screens |= page.names | set(page.links)
    named = {(entry_id, name) for entry_id, answer in _answers().items() for name in QUOTED_CONTROL.findall(answer)}
    assert len(named) >= 5  # the pattern finds the controls at all, or this checks nothing
    missing = sorted(f"{entry_id}: {name!r}" for entry_id, name in named if _norm(name) not in on_screens)
    assert not missing, "answers name controls that do not exist:\n" + "\n".join(missing)
