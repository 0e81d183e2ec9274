"""The chat widget in headless Chromium: whatever the API returns is shown as text, never parsed as HTML.

The page is the real widget template and the real chat.js; the API is answered by the test (through
Playwright's request routing), so any answer, choice label or link title can be tried without a server.
"""

import json
from pathlib import Path

import pytest
from browser import launched_chromium
from django.template.loader import render_to_string
from django.test import RequestFactory

from factories import make_account

SCRIPT = Path(__file__).resolve().parents[1] / "support_bot" / "static" / "support_bot" / "chat.js"
ORIGIN = "http://marquee.test"
HOSTILE = '<img src=x onerror="window.pwned=1"><b id="injected">bold</b>'

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def chromium():
    with launched_chromium() as browser:
        yield browser


def _widget_page(db) -> str:
    request = RequestFactory().get("/")
    request.user = make_account()
    widget = render_to_string("support_bot/widget.html", {"user": request.user}, request=request)
    return f"<!doctype html><html><head><title>t</title></head><body>{widget}</body></html>"


def _no_replies(route):
    return route.fulfill(body='{"messages": []}', content_type="application/json")


def _serve_widget(html: str, answer_ask, css: str | None = None, answer_replies=_no_replies):
    """A Playwright route handler: the real chat.js, the given CSS (the real chat.css by default),
    `answer_ask(route)` for each question posted, `answer_replies(route)` for each poll (no stored replies by
    default), and the widget page for every other URL."""
    css = (SCRIPT.parent / "chat.css").read_text() if css is None else css

    def route(route):
        url = route.request.url
        if url.endswith(".js"):
            return route.fulfill(body=SCRIPT.read_text(), content_type="application/javascript")
        if url.endswith(".css"):
            return route.fulfill(body=css, content_type="text/css")
        if route.request.method == "POST" and "ask" in url:
            return answer_ask(route)
        if "replies" in url:
            return answer_replies(route)
        return route.fulfill(body=html, content_type="text/html")

    return route


def _ask_on_a_new_page(chromium, route, question: str):
    """A new browser context on the widget page, the panel opened and `question` sent: (context, page)."""
    context = chromium.new_context()
    page = context.new_page()
    page.route("**/*", route)
    page.goto(f"{ORIGIN}/")
    page.click(".support-chat-toggle")
    page.fill("#support-chat input[name=question]", question)
    page.press("#support-chat input[name=question]", "Enter")
    return context, page


def test_hostile_answers_choices_and_links_are_shown_as_plain_text(chromium, db):
    html = _widget_page(db)
    answers = [
        {"answer": HOSTILE, "faq_id": "x", "confidence": 0.9, "handoff": False, "clarify": True,
         "choices": [{"faq_id": "a", "label": HOSTILE}, {"faq_id": "b", "label": "plain"}]},
        {"answer": "See these", "faq_id": "y", "confidence": 0.9, "handoff": False, "clarify": False,
         "links": [{"title": HOSTILE, "url": "/title/1/"}], "message_id": 7},
    ]
    asked = []

    def answer(route):
        asked.append(json.loads(route.request.post_data))
        return route.fulfill(body=json.dumps(answers[len(asked) - 1]), content_type="application/json")

    route = _serve_widget(html, answer, css="")

    context = chromium.new_context()
    page = context.new_page()
    page.route("**/*", route)
    page.goto(f"{ORIGIN}/")
    page.click(".support-chat-toggle")
    for question in ("first question", "second question"):
        page.fill("#support-chat input[name=question]", question)
        page.press("#support-chat input[name=question]", "Enter")
    page.wait_for_function("document.querySelectorAll('#support-chat a').length > 0")
    log_text = page.inner_text("#support-chat")
    assert log_text.count("bold") == 3  # answer, choice label and link title, each as visible text
    assert HOSTILE in log_text
    assert page.evaluate("document.querySelectorAll('#support-chat img, #injected').length") == 0
    assert page.evaluate("window.pwned === undefined")
    assert [a["question"] for a in asked] == ["first question", "second question"]
    context.close()


def test_the_conversation_persists_across_pages_until_idle_and_the_help_button_stays_put(chromium, db):
    html = _widget_page(db)
    asked = []

    def answer(route):
        asked.append(json.loads(route.request.post_data)["question"])
        handoff = "person" in asked[-1]
        return route.fulfill(body=json.dumps({
            "answer": "Handed to a person." if handoff else "Go to Account > Plan.", "faq_id": None,
            "confidence": 0.9, "handoff": handoff, "clarify": False, "message_id": len(asked),
            "conversation_id": 41, "idle_seconds": 1800}), content_type="application/json")

    route = _serve_widget(html, answer)

    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.route("**/*", route)
    page.goto(f"{ORIGIN}/")
    before = page.locator(".support-chat-toggle").bounding_box()
    page.click(".support-chat-toggle")
    assert page.locator(".support-chat-toggle").bounding_box() == before  # the panel opens above it
    assert page.inner_text("#support-chat-title") == "Marquee help"
    assert page.locator(".support-chat-log .feedback svg").count() == 0
    page.fill("#support-chat input[name=question]", "how do I upgrade")
    page.press("#support-chat input[name=question]", "Enter")
    page.wait_for_selector(".support-chat-log .from-bot")
    assert page.locator(".support-chat-log .feedback svg").count() == 2  # icons, not emoji

    page.goto(f"{ORIGIN}/another-page/")
    assert page.is_visible("#support-chat-panel")  # still open, with the conversation
    assert page.inner_text(".support-chat-log") .count("how do I upgrade") == 1
    assert "Go to Account > Plan." in page.inner_text(".support-chat-log")
    page.click("text=Talk to a person")
    page.wait_for_function("document.querySelector('.support-chat-log').textContent.includes('Handed to a person')")
    assert "person" in asked[-1]

    page.click(".support-chat-close")
    assert not page.is_visible("#support-chat-panel")
    page.goto(f"{ORIGIN}/third/")
    assert not page.is_visible("#support-chat-panel")  # closed stays closed
    # Past the idle period the stored conversation is dropped, as the server starts a new one.
    page.evaluate("""() => { const key = Object.keys(sessionStorage)[0];
        const s = JSON.parse(sessionStorage.getItem(key)); s.lastActive = Date.now() - 1801 * 1000;
        sessionStorage.setItem(key, JSON.stringify(s)); }""")
    page.goto(f"{ORIGIN}/fourth/")
    page.click(".support-chat-toggle")
    assert page.inner_text(".support-chat-log").strip() == ""
    context.close()


def test_the_widget_says_it_is_thinking_until_the_answer_arrives(chromium, db):
    """The first answer can take seconds (the engine loads): the wait shows, and goes with the answer."""
    html = _widget_page(db)
    held = []

    def hold(route):
        held.append(route)  # answered below, once the test has looked at the waiting widget

    route = _serve_widget(html, hold)

    context, page = _ask_on_a_new_page(chromium, route, "what's my plan?")
    page.wait_for_selector(".support-chat-log .thinking")
    assert page.inner_text(".support-chat-log .thinking") == "Thinking…"
    for _ in range(600):  # Playwright calls the route handler only while the test yields to it
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the widget never posted its question"
    held[0].fulfill(body=json.dumps({"answer": "You're on Standard.", "faq_id": "plan", "confidence": 0.9,
                                     "handoff": False, "clarify": False, "message_id": 3}),
                    content_type="application/json")
    page.wait_for_selector(".support-chat-log .from-bot")
    assert page.locator(".support-chat-log .thinking").count() == 0
    assert "You're on Standard." in page.inner_text(".support-chat-log")
    page.goto(f"{ORIGIN}/next/")  # the waiting line was never stored with the conversation
    assert "Thinking" not in page.inner_text(".support-chat-log")
    context.close()


def test_an_answer_still_on_its_way_when_the_page_changes_is_shown_on_the_next_page(chromium, db):
    """The question was answered on the server, but its response had no page left: the next page fetches it."""
    html = _widget_page(db)
    asked, polls = [], []

    def never_answer(route):
        asked.append(json.loads(route.request.post_data)["question"])  # left unanswered: the page goes first

    def replies(route):
        if "answered_within" in route.request.url:
            polls.append(route.request.url)
        if len(polls) < 2:  # the agents' poll, and the first look: still being answered
            return route.fulfill(body='{"messages": [], "answer": null}', content_type="application/json")
        return route.fulfill(body=json.dumps({"messages": [], "answer": {
            "id": 12, "text": "Go to Account > Profiles.", "outcome": "answered"}}), content_type="application/json")

    route = _serve_widget(html, never_answer, answer_replies=replies)

    context, page = _ask_on_a_new_page(chromium, route, "how do I add a profile")
    page.wait_for_selector(".support-chat-log .thinking")
    page.goto(f"{ORIGIN}/another-page/")

    page.wait_for_selector(".support-chat-log .from-bot")
    log = page.inner_text(".support-chat-log")
    assert "Go to Account > Profiles." in log and "Thinking" not in log
    assert "Can't reach support" not in log and log.count("how do I add a profile") == 1
    assert asked == ["how do I add a profile"]  # fetched, not asked a second time
    assert len(polls) == 2 and all("after=0" in url for url in polls)
    assert page.locator(".support-chat-log .feedback svg").count() == 2  # thumbs on the recovered answer too
    page.goto(f"{ORIGIN}/third/")  # recovered once: nothing is pending any more
    assert page.inner_text(".support-chat-log").count("Go to Account > Profiles.") == 1
    assert page.locator(".support-chat-log .thinking").count() == 0
    context.close()
