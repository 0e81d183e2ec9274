"""Crafted request bodies are 400s that name the field, never 500s; a Hypothesis fuzz of every JSON endpoint.

MARQUEE_FUZZ_EXAMPLES sets the examples per endpoint (100 in the suite; docs/benchmarks.md has a larger run).
"""
# ruff: noqa: F811  (pytest fixtures imported from support_engine are redefined as arguments)

import json
import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from subscriber_pages import fresh_cache  # noqa: F401  (autouse: rate-limit counters live in the cache)
from support_engine import small_engine, support_engine  # noqa: F401  (fixtures)

from activity.models import ViewingEvent
from factories import make_account, make_genre, make_profile, make_title, signed_in

pytestmark = pytest.mark.django_db
FUZZ_EXAMPLES = int(os.environ.get("MARQUEE_FUZZ_EXAMPLES", "100"))
HUGE = int("9" * 400)
DEEP = "[" * 50_000 + "]" * 50_000
TWENTY_DIGITS = "1" * 20


@pytest.fixture
def viewer(client):
    profile = make_profile(make_account())
    signed_in(client, profile)
    client.raise_request_exception = False  # a server error is a 500 answer here, which the tests assert on
    return client, profile


def post_json(client, url: str, body: str | bytes):
    return client.post(url, data=body, content_type="application/json")


def test_a_400_digit_integer_in_watch_progress_is_a_400_naming_the_field(viewer):
    client, _ = viewer
    title = make_title(runtime_minutes=10)
    url = f"/watch/{title.pk}/progress/"

    for field in ("position", "watched", "event"):
        response = post_json(client, url, json.dumps({"position": 1, field: HUGE}))
        assert response.status_code == 400
        assert field in response.json()["fields"]
    assert not ViewingEvent.objects.exists()


@pytest.mark.parametrize("url", ["/watch/{title}/progress/", "/api/support/ask", "/api/support/feedback"])
def test_json_nested_50000_levels_deep_is_a_400(viewer, url):
    client, _ = viewer
    response = post_json(client, url.format(title=make_title().pk), DEEP)
    assert response.status_code == 400


def test_a_20_digit_id_in_onboarding_is_a_400_naming_the_field(viewer):
    client, _ = viewer
    make_genre("Drama")
    response = client.post("/welcome/", {"genres": [TWENTY_DIGITS], "titles": [TWENTY_DIGITS]})
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"genres", "titles"}


# --- fuzz --------------------------------------------------------------------------------------
big_ints = st.one_of(st.integers(), st.integers(min_value=10**18, max_value=10**400), st.just(HUGE), st.just(-HUGE))
scalars = st.one_of(st.none(), st.booleans(), big_ints, st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=50), st.just(TWENTY_DIGITS))
json_values = st.recursive(scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
                           max_leaves=12)


def bodies(fields: list[str]):
    """A JSON object over the endpoint's own fields (and strangers), any JSON at all, or raw bytes."""
    objects = st.fixed_dictionaries({}, optional={name: json_values for name in fields}) | st.dictionaries(
        st.text(max_size=10), json_values, max_size=4)
    encoded = st.one_of(objects, json_values).map(json.dumps)
    nested = st.integers(min_value=1, max_value=60_000).map(lambda depth: "[" * depth + "]" * depth)
    return st.one_of(encoded, encoded, encoded, nested, st.binary(max_size=200))


ENDPOINTS = {
    "progress": ("/watch/{title}/progress/", ["position", "watched", "event"]),
    "ask": ("/api/support/ask", ["question", "choice"]),
    "feedback": ("/api/support/feedback", ["message_id", "helpful"]),
}


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_no_generated_body_gets_a_server_error(viewer, support_engine, endpoint, django_settings_for_fuzz, capsys):
    client, _ = viewer
    template, fields = ENDPOINTS[endpoint]
    url = template.format(title=make_title(runtime_minutes=10).pk)
    sent = []

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(body=bodies(fields))
    @example(body=DEEP)
    @example(body=json.dumps({name: HUGE for name in fields}))
    def check(body):
        response = post_json(client, url, body)
        sent.append(response.status_code)
        assert response.status_code < 500, (body[:200], response.content[:300])

    check()
    with capsys.disabled():
        print(f"\nfuzz {endpoint}: {len(sent)} requests, {sum(s >= 500 for s in sent)} server errors")


@pytest.fixture
def django_settings_for_fuzz(settings):
    settings.SUPPORT_BOT_RATE_LIMIT = 10**6  # the fuzz is about bodies, not about being refused
    return settings


# --- query strings -----------------------------------------------------------------------------
# Every GET a subscriber can make, with the parameters its view reads (and strangers): any value is
# an answer below 500. Admin and staff pages are Django's own changelists (they 400 on a bad lookup).
QUERY_PAGES = {
    "/": [], "/api/rows/": [], "/title/{title}/": ["from_search"], "/watch/{title}/": [], "/search/": ["q", "page"],
    "/search/suggest/": ["q"], "/my-list/": [], "/history/": ["page"], "/account/": [], "/welcome/": [],
    "/profiles/": [], "/api/recommendations/rows/": ["limit"], "/api/recommendations/titles/{title}/similar/": ["limit"],
    "/api/support/replies": ["after"],
    "/account/plan/": [], "/account/plan/standard/confirm/": [], "/account/cancel/": [], "/account/billing/": [],
    "/account/billing/1/": [], "/account/playback/": [], "/account/security/password/": [], "/profiles/manage/": [],
    "/profiles/{profile}/lock/": [], "/profiles/{profile}/unlock/": [], "/profiles/{profile}/delete/": [],
}
query_values = st.one_of(st.text(max_size=80), st.just(TWENTY_DIGITS), big_ints.map(str), st.just("\x00"),
                         st.just("-1"), st.just("1e309"), st.just("NaN"))


def query_strings(names: list[str]):
    """Pairs over the page's own parameters and strangers, repeated keys included, URL-encoded."""
    from urllib.parse import urlencode

    keys = st.sampled_from(names) if names else st.text(max_size=8)
    pairs = st.lists(st.tuples(st.one_of(keys, st.text(max_size=8)), query_values), max_size=5)
    return pairs.map(urlencode) | st.binary(max_size=60).map(lambda raw: raw.hex())


@pytest.mark.parametrize("page", sorted(QUERY_PAGES))
def test_no_generated_query_string_gets_a_server_error(viewer, support_engine, page, django_settings_for_fuzz, capsys):
    client, profile = viewer
    url = page.format(title=make_title(runtime_minutes=10).pk, profile=profile.pk)
    sent = []

    @settings(max_examples=max(10, FUZZ_EXAMPLES // 4), deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(query=query_strings(QUERY_PAGES[page]))
    @example(query="&".join(f"{name}={HUGE}" for name in QUERY_PAGES[page]))
    @example(query="&".join(f"{name}=%00" for name in QUERY_PAGES[page]))
    def check(query):
        response = client.get(f"{url}?{query}")
        sent.append(response.status_code)
        assert response.status_code < 500, (query[:200], response.content[:300])

    check()
    with capsys.disabled():
        print(f"\nfuzz GET {page}: {len(sent)} requests, {sum(s >= 500 for s in sent)} server errors")


# --- form endpoints (account and profile pages) ---------------------------------------------------
FORM_ENDPOINTS = {
    "account": ("/account/", ["marketing_consent"]),
    "plan_change": ("/account/plan/", ["plan"]),
    "plan_confirm": ("/account/plan/standard/confirm/", []),
    "cancel": ("/account/cancel/", ["reason", "comment"]),
    "restart": ("/account/restart/", []),
    "playback": ("/account/playback/", ["playback_quality"]),
    "password_change": ("/account/security/password/", ["old_password", "new_password1", "new_password2"]),
    "password_reset": ("/password-reset/", ["email"]),
    "profile_lock": ("/profiles/{profile}/lock/", ["pin", "pin_again", "password", "remove", "remove-password"]),
    "profile_unlock": ("/profiles/{locked}/unlock/", ["pin"]),
    "profile_delete": ("/profiles/{other}/delete/", []),
}
form_text = st.one_of(st.text(max_size=60), st.just("\x00"), st.just(TWENTY_DIGITS), st.just(str(HUGE)),
                      st.sampled_from(["standard", "premium", "price", "low", "1234", "on", ""]))


def form_bodies(fields: list[str]):
    """Form-encoded bodies over the endpoint's fields (single or repeated values, NUL bytes, huge
    numbers) and strangers, or raw bytes sent as a form."""
    values = st.one_of(form_text, st.lists(form_text, max_size=3))
    own = st.fixed_dictionaries({}, optional={name: values for name in fields})
    strangers = st.dictionaries(st.text(max_size=10), values, max_size=3)
    return st.one_of(own, own, strangers, st.binary(max_size=200))


@pytest.mark.parametrize("endpoint", sorted(FORM_ENDPOINTS))
def test_no_generated_form_body_gets_a_server_error(viewer, endpoint, capsys):
    from urllib.parse import urlencode

    from accounts.actions import set_profile_pin
    from accounts.models import Plan

    client, profile = viewer
    Plan.objects.create(code="standard", name="Standard", monthly_price="9.99")
    locked = make_profile(profile.account, name="Locked")
    set_profile_pin(locked, "1234", account_password="correct-horse-battery")
    other = make_profile(profile.account, name="Other")
    template, fields = FORM_ENDPOINTS[endpoint]
    url = template.format(profile=profile.pk, locked=locked.pk, other=other.pk)
    sent = []

    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(body=form_bodies(fields))
    @example(body={name: str(HUGE) for name in fields})
    @example(body={name: "\x00" for name in fields})
    def check(body):
        data = body if isinstance(body, bytes) else urlencode(body, doseq=True)
        response = client.post(url, data=data, content_type="application/x-www-form-urlencoded")
        sent.append(response.status_code)
        assert response.status_code < 500, (body, response.content[:300])

    check()
    with capsys.disabled():
        print(f"\nform fuzz {endpoint}: {len(sent)} requests, {sum(s >= 500 for s in sent)} server errors")
