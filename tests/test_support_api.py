"""The ask API: contract, hand-off below threshold, clarify, account isolation, escaping, rate limit."""
# ruff: noqa: F811  (pytest fixtures imported from support_engine are redefined as arguments)

import json

import pytest
from django.urls import reverse
from subscriber_pages import fresh_cache  # noqa: F401  (autouse: rate-limit counters live in the cache)
from support_engine import small_engine, support_engine  # noqa: F401  (fixtures)

from factories import make_account, make_plan, make_profile, make_region, signed_in
from support_bot.models import Message, SupportTicket

ASK = "/api/support/ask"
CONTRACT = {"answer", "faq_id", "confidence", "handoff", "clarify"}


@pytest.fixture
def subscriber(db):
    account = make_account(plan=make_plan("premium"), region=make_region("GB", "United Kingdom"))
    make_profile(account, "Ada")
    return account


def ask(client, question, **extra):
    return client.post(ASK, data=json.dumps({"question": question, **extra}), content_type="application/json")


def test_it_answers_with_the_contract_fields(client, subscriber, support_engine):
    client.force_login(subscriber)
    response = ask(client, "How do I cancel my subscription?")
    assert response.status_code == 200
    body = response.json()
    assert CONTRACT <= set(body)
    assert body["faq_id"] == "cancel-subscription"
    assert body["handoff"] is False and body["clarify"] is False
    assert 0.0 <= body["confidence"] <= 1.0
    logged = Message.objects.get(sender=Message.Sender.SUBSCRIBER)
    assert logged.entry.slug == "cancel-subscription" and logged.outcome == Message.Outcome.ANSWERED


def test_empty_and_overlong_questions_are_refused_with_a_field_error(client, subscriber, support_engine, settings):
    client.force_login(subscriber)
    empty = ask(client, "   ")
    assert empty.status_code == 400
    assert "question" in empty.json()
    too_long = ask(client, "x" * (settings.SUPPORT_BOT_MAX_QUESTION_CHARS + 1))
    assert too_long.status_code == 400
    assert "question" in too_long.json()
    assert not Message.objects.exists()


def test_it_needs_a_signed_in_subscriber(client, support_engine):
    assert ask(client, "How do I cancel?").status_code == 403


def test_below_the_threshold_it_hands_off_to_a_ticket(client, subscriber, support_engine):
    support_engine.handoff_threshold = 1.01  # no question can score this high
    client.force_login(subscriber)
    body = ask(client, "How do I cancel my subscription?").json()
    assert body["handoff"] is True and body["faq_id"] is None
    ticket = SupportTicket.objects.get()
    assert ticket.question == "How do I cancel my subscription?"
    assert ticket.conversation.account == subscriber
    assert Message.objects.get(sender=Message.Sender.SUBSCRIBER).outcome == Message.Outcome.HANDOFF


def test_an_unrelated_question_is_handed_off(client, subscriber, support_engine):
    client.force_login(subscriber)
    body = ask(client, "What is the boiling point of mercury in kelvin?").json()
    assert body["handoff"] is True and body["faq_id"] is None


def test_when_two_entries_are_close_it_asks_and_the_choice_settles_it(client, subscriber, support_engine):
    support_engine.config.clarify_margin = 1.0  # every confident answer becomes a question
    support_engine.threshold, support_engine.handoff_threshold = 0.0, -1.0
    client.force_login(subscriber)
    body = ask(client, "How do I cancel my subscription?").json()
    assert body["clarify"] is True and body["handoff"] is False
    assert body["faq_id"] == body["choices"][0]["faq_id"]
    other = body["choices"][1]["faq_id"]
    settled = ask(client, body["choices"][1]["label"], choice=other).json()
    assert settled["faq_id"] == other and settled["handoff"] is False and settled["clarify"] is False


def test_a_reply_that_does_not_settle_the_choice_hands_off(client, subscriber, support_engine):
    support_engine.config.clarify_margin = 1.0
    support_engine.threshold, support_engine.handoff_threshold = 0.0, -1.0
    client.force_login(subscriber)
    assert ask(client, "How do I cancel my subscription?").json()["clarify"] is True
    body = ask(client, "neither of those").json()
    assert body["handoff"] is True and body["faq_id"] is None
    assert SupportTicket.objects.count() == 1


def test_account_answers_use_only_the_askers_data(client, support_engine):
    basic, premium = make_plan("basic"), make_plan("premium")
    alice = make_account(plan=basic, region=make_region("US", "United States"))
    make_profile(alice, "AliceKid")
    bob = make_account(plan=premium, region=make_region("FR", "France"))
    make_profile(bob, "BobSecret")
    client.force_login(alice)
    body = ask(client, "How many profiles can I have? Add a new profile").json()
    assert body["faq_id"] == "profiles-add"
    assert "AliceKid" in body["answer"] and "BobSecret" not in body["answer"]
    plan = ask(client, "What plans do you offer? What's included in my plan?").json()
    assert plan["faq_id"] == "plans-compare"
    assert "Basic" in plan["answer"] and "Premium plan" not in plan["answer"].split("You're on")[1]


def test_answers_are_json_text_with_the_askers_data_unescaped(client, support_engine):
    account = make_account(plan=make_plan("basic"))
    make_profile(account, "<img src=x onerror=alert(1)>")
    client.force_login(account)
    response = ask(client, "How do I add a profile?")
    assert response["Content-Type"].startswith("application/json")
    # Raw text: the widget shows it as text (tests/test_support_widget.py checks that in a browser).
    assert "<img src=x onerror=alert(1)>" in response.json()["answer"]


def test_the_rate_limit_refuses_with_a_message_and_logs_nothing(client, subscriber, support_engine, settings,
                                                                monkeypatch):
    from support_bot import services

    settings.SUPPORT_BOT_RATE_LIMIT = 2
    # Time stands still (mid-window), so the requests can never straddle a window boundary.
    monkeypatch.setattr(services.QUESTIONS_PER_ACCOUNT, "clock", lambda: 1_000_000 * 60 + 30.0)
    client.force_login(subscriber)
    assert ask(client, "How do I cancel?").status_code == 200
    assert ask(client, "How do I cancel?").status_code == 200
    logged, tickets = Message.objects.count(), SupportTicket.objects.count()
    refused = ask(client, "What is the boiling point of mercury?")
    assert refused.status_code == 429
    assert "wait" in refused.json()["detail"]
    assert int(refused["Retry-After"]) >= 1
    assert (Message.objects.count(), SupportTicket.objects.count()) == (logged, tickets)
    # Another account has its own allowance.
    client.force_login(make_account())
    assert ask(client, "How do I cancel?").status_code == 200


def test_feedback_is_recorded_and_scoped_to_the_asker(client, subscriber, support_engine):
    client.force_login(subscriber)
    body = ask(client, "How do I cancel my subscription?").json()
    ok = client.post("/api/support/feedback", {"message_id": body["message_id"], "helpful": False},
                     content_type="application/json")
    assert ok.status_code == 200
    assert Message.objects.get(sender=Message.Sender.SUBSCRIBER).feedback == -1
    client.force_login(make_account())
    stranger = client.post("/api/support/feedback", {"message_id": body["message_id"], "helpful": True},
                           content_type="application/json")
    assert stranger.status_code == 404


def test_an_agents_reply_appears_in_the_subscribers_chat_only(client, subscriber, support_engine):
    from support_bot.services import reply_to_ticket

    support_engine.handoff_threshold = 1.01
    client.force_login(subscriber)
    ask(client, "Something odd happened with my account")
    ticket = SupportTicket.objects.get()
    agent = make_account(is_staff=True)
    reply_to_ticket(ticket, agent, "Hi, I've fixed it.")
    ticket.refresh_from_db()
    assert ticket.status == SupportTicket.Status.ANSWERED and ticket.assigned_to == agent
    assert [m["text"] for m in client.get("/api/support/replies?after=0").json()["messages"]] == ["Hi, I've fixed it."]
    client.force_login(make_account())
    assert client.get("/api/support/replies?after=0").json()["messages"] == []


REPLIES = "/api/support/replies"


def test_an_answer_whose_page_was_left_is_found_by_the_time_since_it_was_asked(client, subscriber, support_engine):
    from datetime import timedelta

    client.force_login(subscriber)
    earlier = ask(client, "How do I cancel my subscription?").json()["message_id"]
    # The answer to an earlier question, ten minutes old: not the one the widget lost.
    Message.objects.filter(pk=earlier).update(created_at=Message.objects.get(pk=earlier).created_at - timedelta(minutes=10))
    assert client.get(f"{REPLIES}?after=0&answered_within=60").json()["answer"] is None

    lost = ask(client, "How do I add a profile?").json()  # the page changed before this arrived
    found = client.get(f"{REPLIES}?after={earlier}&answered_within=60").json()
    assert found["answer"] == {"id": lost["message_id"], "text": lost["answer"], "outcome": "answered"}
    assert found["messages"] == []
    # Nothing newer than the last answer the widget showed: nothing to recover.
    assert client.get(f"{REPLIES}?after={lost['message_id']}&answered_within=60").json()["answer"] is None
    assert "answer" not in client.get(f"{REPLIES}?after=0").json()  # only asked for when the widget lost one
    client.force_login(make_account())
    assert client.get(f"{REPLIES}?after=0&answered_within=60").json()["answer"] is None  # never another account's


@pytest.mark.parametrize("query, field", [
    ("after=x", "after"), ("after=-1", "after"), ("after=99999999999999999999", "after"),
    ("answered_within=nan", "answered_within"), ("answered_within=-3", "answered_within"),
    ("answered_within=1e9", "answered_within"),
])
def test_bad_replies_queries_are_refused_naming_the_field(client, subscriber, query, field):
    client.force_login(subscriber)
    response = client.get(f"{REPLIES}?{query}")
    assert response.status_code == 400 and field in response.json()


def test_the_widget_is_on_subscriber_pages(client, subscriber):
    signed_in(client, subscriber.profiles.first())
    page = client.get("/", follow=True).content.decode()  # a new profile lands on onboarding first
    assert 'id="support-chat"' in page and "support_bot/chat.js" in page


def test_recommend_like_x_suggests_titles_for_the_askers_profile_and_region(client, support_engine):
    from catalog.models import TitleAvailability
    from factories import make_title

    us, fr = make_region("US", "United States"), make_region("FR", "France")
    account = make_account(region=us)
    kid = make_profile(account, "Kid", maturity_limit="kids")
    make_title("Toy Story", genres=["Animation", "Comedy"], maturity_rating="G")
    cars = make_title("Cars", genres=["Animation"], maturity_rating="G")
    make_title("Grown-up Comedy", genres=["Comedy"], maturity_rating="R")
    french_only = make_title("Le Dessin Animé", genres=["Animation"], maturity_rating="G")
    TitleAvailability.objects.create(title=french_only, region=fr)
    make_title("Documentary", genres=["Documentary"], maturity_rating="G")
    signed_in(client, kid)
    body = ask(client, "Recommend me something like Toy Story").json()
    assert body["faq_id"] == "recommend-similar"
    titles = [link["title"] for link in body["links"]]
    assert titles == ["Cars"]  # shares a genre, in the US, within the kids limit
    assert [link["url"] for link in body["links"]] == [reverse("storefront:title", args=[cars.pk])]


@pytest.mark.parametrize("question", ["What's my plan?", "What plans do you offer? What's included in my plan?"])
def test_what_is_my_plan_agrees_with_the_plan_table_for_every_plan(client, support_engine, question):
    from accounts.models import Plan

    plans = [make_plan("basic"), make_plan("standard"), make_plan("premium")]
    Plan.objects.filter(code="standard").update(has_downloads=False, max_streams=2, video_quality="Full HD")
    for plan in Plan.objects.all():
        account = make_account(plan=plan)
        client.force_login(account)
        body = ask(client, question).json()
        assert body["faq_id"] == "plans-compare"
        mine = body["answer"].split("You're on")[1]
        downloads = "included" if plan.has_downloads else "not included"
        assert f"{plan.name}: {plan.max_streams} screen(s)" in mine and f"downloads {downloads}" in mine
        for each in plans:
            each.refresh_from_db()
            listed = body["answer"].split(f"{each.name} (")[1].split(")")[0]
            assert ("no downloads" in listed) == (not each.has_downloads), listed
            assert each.video_quality in listed


@pytest.mark.parametrize("question", ["I want to talk to a human", "Can I speak to a real person?",
                                      "connect me with an agent please", "human please"])
def test_asking_for_a_person_hands_off_at_once(client, subscriber, support_engine, question):
    client.force_login(subscriber)
    body = ask(client, question).json()
    assert body["handoff"] is True and body["faq_id"] is None
    assert "I'm not sure" not in body["answer"]
    assert SupportTicket.objects.get().question == question


def test_one_conversation_has_one_ticket_however_often_it_hands_off(client, subscriber, support_engine):
    client.force_login(subscriber)
    for question in ("I want to talk to a human", "What is the boiling point of mercury in kelvin?",
                     "talk to a person please"):
        assert ask(client, question).json()["handoff"] is True
    ticket = SupportTicket.objects.get()
    assert ticket.question.splitlines() == ["I want to talk to a human",
                                            "What is the boiling point of mercury in kelvin?",
                                            "talk to a person please"]
