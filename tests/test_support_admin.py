"""Staff side: support agents see tickets and reply; missed questions are clustered and fixed in one step."""

import pytest
from django.contrib.auth.models import Group
from support_engine import build_without_minilm

from accounts.groups import SUPPORT_AGENTS
from factories import make_account
from support_bot.models import Conversation, FaqEntry, Message, SupportTicket


@pytest.fixture
def agent(db):
    user = make_account(is_staff=True)
    user.groups.add(Group.objects.get(name=SUPPORT_AGENTS))
    return user


@pytest.fixture(autouse=True)
def _fast_embeddings(settings, monkeypatch):
    build_without_minilm(settings, monkeypatch)


def _missed(account, *texts, outcome=Message.Outcome.HANDOFF):
    conversation = Conversation.objects.create(account=account)
    return [Message.objects.create(conversation=conversation, sender=Message.Sender.SUBSCRIBER, text=t,
                                   outcome=outcome, confidence=0.1) for t in texts]


def test_support_agents_have_the_support_permissions(agent):
    for perm in ("view_supportticket", "change_supportticket", "change_faqentry", "add_faqquestion",
                 "view_missedquestion", "change_missedquestion"):
        assert agent.has_perm(f"support_bot.{perm}"), perm
    assert not agent.has_perm("support_bot.delete_supportticket")
    assert not agent.has_perm("support_bot.delete_faqentry")


def test_an_agent_replies_to_a_ticket_from_the_admin(client, agent):
    subscriber = make_account()
    conversation = Conversation.objects.create(account=subscriber)
    ticket = SupportTicket.objects.create(conversation=conversation, question="My <b>bill</b> is wrong")
    client.force_login(agent)
    page = client.get(f"/admin/support_bot/supportticket/{ticket.pk}/change/")
    assert page.status_code == 200
    assert "My &lt;b&gt;bill&lt;/b&gt; is wrong" in page.content.decode()
    response = client.post(f"/admin/support_bot/supportticket/{ticket.pk}/change/",
                           {"status": "open", "assigned_to": "", "agent_reply": "We've refunded you."})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == SupportTicket.Status.ANSWERED
    assert conversation.messages.get(sender=Message.Sender.AGENT).text == "We've refunded you."


def test_missed_questions_are_clustered_and_attached_in_one_step(client, agent):
    subscriber = make_account()
    similar = _missed(subscriber, "can I watch on my fridge screen", "can I watch on my fridge screen please")
    other = _missed(subscriber, "zzzz qqqq xxxx")
    client.force_login(agent)
    page = client.get("/admin/support_bot/missedquestion/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "2 questions" in body and "1 question" in body

    entry = FaqEntry.objects.get(slug="devices-supported")
    before = entry.questions.count()
    client.post("/admin/support_bot/missedquestion/",
                {"action": "attach", "entry": entry.pk, "message": [m.pk for m in similar]})
    assert entry.questions.count() == before + 2
    assert set(Message.objects.filter(pk__in=[m.pk for m in similar]).values_list("review", flat=True)) == {"attached"}

    client.post("/admin/support_bot/missedquestion/", {
        "action": "create", "message": [other[0].pk], "slug": "mystery-question", "category": "devices",
        "answer": "Here is what {plan} includes.",
    })
    created = FaqEntry.objects.get(slug="mystery-question")
    assert list(created.questions.values_list("text", flat=True)) == ["zzzz qqqq xxxx"]
    assert "zzzz" not in client.get("/admin/support_bot/missedquestion/").content.decode()


def test_an_entry_with_a_bad_template_is_refused(client, agent):
    client.force_login(agent)
    response = client.post("/admin/support_bot/faqentry/add/", {
        "slug": "bad-one", "category": "plans", "answer": "Hi {user.password}", "is_active": "on",
        "questions-TOTAL_FORMS": "0", "questions-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert "unknown placeholder" in response.content.decode()
    assert not FaqEntry.objects.filter(slug="bad-one").exists()


def test_subscribers_cannot_open_the_support_admin(client, db):
    client.force_login(make_account())
    assert client.get("/admin/support_bot/missedquestion/").status_code == 302


def test_staff_see_the_handoff_tradeoff_of_a_built_engine(client, db):
    from support_bot.models import EngineIndex

    record = EngineIndex.objects.create(version=7, status="ready", metrics={
        "handoff_rule": "oos_class", "handoff_threshold": 0.2, "cv_oos_recall": 0.91, "target_oos_recall": 0.9,
        "cv_false_rejection_rate": 0.04, "max_false_handoff": 0.05, "calibration_valid": 100,
        "calibration_out_of_scope": 50, "handoff_curve": [[0.1, 0.5, 0.01], [0.2, 0.91, 0.04]]})
    client.force_login(make_account(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/support_bot/engineindex/{record.pk}/change/").content.decode()
    assert "91.0%" in page and "target 90%" in page and "at most 5%" in page
