"""The support bot's public face: answer a subscriber, hand off to a person, take feedback, learn from misses."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.ratelimit import RateLimit

from . import index
from .models import Conversation, FaqEntry, FaqQuestion, Message, SupportTicket
from .recommending import RECOMMEND_SLUG, recommend_like
from .templating import account_context, render_answer

CONVERSATION_IDLE = timedelta(minutes=30)
HANDOFF_TEXT = (
    "I'm not sure I can answer that one well, so I've passed your question to our support team. "
    "A person will reply right here in this chat."
)
UNSETTLED_TEXT = (
    "Sorry, I still couldn't tell which you meant, so I've passed this to our support team. "
    "A person will reply right here in this chat."
)
STARTING_TEXT = (
    "The assistant is getting ready, so I've passed your question to our support team. "
    "A person will reply right here in this chat."
)


@dataclass
class Answer:
    """What the API returns for one question (the first five fields are the public contract)."""

    answer: str
    faq_id: str | None
    confidence: float
    handoff: bool
    clarify: bool
    choices: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    message_id: int | None = None
    ticket_id: int | None = None
    # The widget keeps its log in sessionStorage for this conversation while it stays active.
    conversation_id: int | None = None
    idle_seconds: int = int(CONVERSATION_IDLE.total_seconds())

    def as_dict(self) -> dict:
        return asdict(self)


class RateLimited(Exception):
    """The account asked too many questions in the sliding window."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# The platform's one limiter (sliding window, atomic on the shared cache); settings read per call.
QUESTIONS_PER_ACCOUNT = RateLimit(
    "support-ask",
    limit=lambda: settings.SUPPORT_BOT_RATE_LIMIT,
    window_seconds=lambda: settings.SUPPORT_BOT_RATE_WINDOW_SECONDS,
)


def take_rate_token(user) -> None:
    """Count one question for `user`; raise RateLimited once over the limit."""
    decision = QUESTIONS_PER_ACCOUNT.hit(str(user.pk))
    if not decision.allowed:
        raise RateLimited(
            f"You've asked {settings.SUPPORT_BOT_RATE_LIMIT} questions in the last "
            f"{settings.SUPPORT_BOT_RATE_WINDOW_SECONDS} seconds. Please wait a moment before asking again.",
            decision.retry_after,
        )


def _conversation_for(user, profile) -> Conversation:
    recent = Conversation.objects.filter(account=user, updated_at__gte=timezone.now() - CONVERSATION_IDLE).first()
    if recent:
        recent.save(update_fields=["updated_at"])  # a chat stays one conversation while it is active
        return recent
    return Conversation.objects.create(account=user, profile=profile)


def _ensure_engine_scheduled() -> None:
    # No active index yet (fresh install): start one build, not one per question.
    if cache.add("support_bot:bootstrap-build", 1, timeout=600):
        schedule_rebuild()


def schedule_rebuild() -> None:
    """Rebuild the engine after the current transaction commits (no-op on the worker if nothing changed)."""
    from jobs import enqueue_on_commit

    from .tasks import rebuild_support_index

    # One rebuild per transaction, however many entries and questions it touched (an admin save with
    # inlines, an import). The marker is a pending on-commit callback, so a rollback forgets it too.
    connection = transaction.get_connection()
    marker = getattr(connection, "support_bot_rebuild_marker", None)
    if marker is not None and any(func is marker for _, func, _ in connection.run_on_commit):
        return

    def marker() -> None:
        connection.support_bot_rebuild_marker = None

    connection.support_bot_rebuild_marker = marker
    enqueue_on_commit(rebuild_support_index)
    transaction.on_commit(marker)


PERSON_TEXT = (
    "Of course: I've passed this conversation to our support team. A person will reply right here in this chat."
)


@dataclass
class Decision:
    """What the bot makes of one question, before anything is logged: shared by `ask` and `preview_answer`."""

    kind: str  # Message.Outcome value
    confidence: float
    entry: FaqEntry | None = None  # answered / clarify: the best entry; hand-off: the engine's guess, if any
    runner_up: FaqEntry | None = None
    text: str = ""
    links: list[dict] = field(default_factory=list)


def decide(user, question: str, engine, *, profile=None, pending: list[str] | None = None,
           choice: str | None = None) -> Decision:
    """The bot's decision for `question` from `user`: answer, ask which of two was meant, or hand off."""
    from .engine import asks_for_person

    if asks_for_person(question):
        return Decision(Message.Outcome.HANDOFF, 1.0, text=PERSON_TEXT)
    if pending:
        slug, confidence = _settle(engine, question, pending, choice)
        if slug is None:
            return Decision(Message.Outcome.HANDOFF, confidence, text=UNSETTLED_TEXT)
        return _answer_decision(user, profile, slug, confidence, question)
    if engine is None:
        return Decision(Message.Outcome.HANDOFF, 0.0, text=STARTING_TEXT)
    prediction = engine.predict(question)
    if prediction.handoff or prediction.slug is None:
        guess = _entries([prediction.slug]).get(prediction.slug) if prediction.slug else None
        return Decision(Message.Outcome.HANDOFF, prediction.confidence, entry=guess, text=HANDOFF_TEXT)
    if prediction.clarify:
        entries = _entries([prediction.slug, prediction.runner_up])
        if len(entries) == 2:
            first, second = entries[prediction.slug], entries[prediction.runner_up]
            return Decision(Message.Outcome.CLARIFY, prediction.confidence, entry=first, runner_up=second,
                            text=f"Did you mean “{first.label}” or “{second.label}”?")
    return _answer_decision(user, profile, prediction.slug, prediction.confidence, question)


def _answer_decision(user, profile, slug: str, confidence: float, question: str) -> Decision:
    entry = _entries([slug]).get(slug)
    if entry is None:  # removed or deactivated since the engine was built
        return Decision(Message.Outcome.HANDOFF, confidence, text=HANDOFF_TEXT)
    text, links = render_answer(entry.answer, account_context(user)), []
    if slug == RECOMMEND_SLUG and user.pk:
        text, links = recommend_like(user, profile, question, intro=text)
    return Decision(Message.Outcome.ANSWERED, confidence, entry=entry, text=text, links=links)


def _public(decision: Decision) -> Answer:
    confidence = round(decision.confidence, 3)
    if decision.kind == Message.Outcome.HANDOFF:
        return Answer(decision.text, None, confidence, True, False)
    if decision.kind == Message.Outcome.CLARIFY:
        choices = [{"faq_id": e.slug, "label": e.label} for e in (decision.entry, decision.runner_up)]
        return Answer(decision.text, decision.entry.slug, confidence, False, True, choices=choices)
    return Answer(decision.text, decision.entry.slug, confidence, False, False, links=decision.links)


def preview_answer(user, question: str) -> dict | None:
    """The API's five fields for `question` from `user`, logging nothing (`ask_support`, the benchmark);
    None when no engine is active."""
    _, engine = index.active_engine()
    if engine is None:
        return None
    fields = ("answer", "faq_id", "confidence", "handoff", "clarify")
    return {k: v for k, v in _public(decide(user, question, engine)).as_dict().items() if k in fields}


@transaction.atomic
def ask(user, question: str, *, profile=None, choice: str | None = None) -> Answer:
    """Answer `question` for `user` (the asker, whose data alone fills the answer), logging both sides."""
    question = question.strip()[: settings.SUPPORT_BOT_MAX_QUESTION_CHARS]
    conversation = _conversation_for(user, profile)
    asked = Message.objects.create(conversation=conversation, sender=Message.Sender.SUBSCRIBER, text=question)
    version, engine = index.active_engine()
    pending = list(conversation.pending_choices or [])
    if pending:
        conversation.pending_choices = []
        conversation.save(update_fields=["pending_choices", "updated_at"])
    elif engine is None:
        _ensure_engine_scheduled()
    decision = decide(user, question, engine, profile=profile, pending=pending, choice=choice)
    answer = _public(decision)
    _record(asked, decision.entry, decision.confidence, decision.kind, version)
    if decision.kind == Message.Outcome.CLARIFY:
        conversation.pending_choices = [decision.entry.slug, decision.runner_up.slug]
        conversation.save(update_fields=["pending_choices", "updated_at"])
    elif decision.kind == Message.Outcome.HANDOFF:
        answer.ticket_id = _ticket_for(conversation, question).pk
    reply = Message.objects.create(conversation=conversation, sender=Message.Sender.BOT, text=decision.text,
                                   entry=None if decision.kind == Message.Outcome.HANDOFF else decision.entry,
                                   confidence=decision.confidence, outcome=decision.kind, engine_version=version)
    answer.message_id = reply.pk
    answer.conversation_id = conversation.pk
    return answer


def _settle(engine, question: str, pending: list[str], choice: str | None) -> tuple[str | None, float]:
    """Which of the two offered entries the reply picks, or None when it does not settle it."""
    if choice in pending:
        return choice, 1.0
    if engine is None:
        return None, 0.0
    prediction = engine.predict(question)
    if not prediction.handoff and not prediction.clarify and prediction.slug in pending:
        return prediction.slug, prediction.confidence
    return None, prediction.confidence


def _entries(slugs: list[str | None]) -> dict[str, FaqEntry]:
    return {e.slug: e for e in FaqEntry.objects.filter(slug__in=[s for s in slugs if s], is_active=True)}


def _ticket_for(conversation: Conversation, question: str) -> SupportTicket:
    """The conversation's one ticket: a later hand-off adds its question and reopens it, never a second ticket."""
    ticket = (SupportTicket.objects.select_for_update().filter(conversation=conversation)
              .exclude(status=SupportTicket.Status.CLOSED).order_by("id").first())
    if ticket is None:
        return SupportTicket.objects.create(conversation=conversation, question=question)
    if question not in ticket.question.splitlines():
        ticket.question = f"{ticket.question}\n{question}"
    ticket.status = SupportTicket.Status.OPEN
    ticket.save(update_fields=["question", "status"])
    return ticket


def _record(asked: Message, entry, confidence: float, outcome: str, version) -> None:
    asked.entry, asked.confidence, asked.outcome, asked.engine_version = entry, confidence, outcome, version
    asked.save(update_fields=["entry", "confidence", "outcome", "engine_version"])


def record_feedback(user, message_id: int, helpful: bool) -> Message:
    """Thumbs up/down on a bot reply, stored on the reply and on the question it answered."""
    reply = Message.objects.select_related("conversation").get(
        pk=message_id, sender=Message.Sender.BOT, conversation__account=user
    )
    value = 1 if helpful else -1
    reply.feedback = value
    reply.save(update_fields=["feedback"])
    question = (Message.objects.filter(conversation=reply.conversation, sender=Message.Sender.SUBSCRIBER,
                                       created_at__lte=reply.created_at, id__lt=reply.pk).order_by("-id").first())
    if question:
        question.feedback = value
        question.save(update_fields=["feedback"])
    return reply


def messages_since(user, after_id: int) -> list[dict]:
    """Agent and bot lines in the user's own conversations after `after_id` (the widget polls this)."""
    rows = Message.objects.filter(conversation__account=user, id__gt=after_id, sender=Message.Sender.AGENT)
    return [{"id": m.pk, "sender": m.sender, "text": m.text} for m in rows.order_by("id")[:50]]


@transaction.atomic
def reply_to_ticket(ticket: SupportTicket, agent, text: str) -> Message:
    """An agent's reply: appears in the subscriber's chat and marks the ticket answered."""
    text = text.strip()
    if not text:
        raise ValueError("the reply is empty")
    message = Message.objects.create(conversation=ticket.conversation, sender=Message.Sender.AGENT, text=text)
    SupportTicket.objects.filter(pk=ticket.pk).update(
        agent_reply=text, status=SupportTicket.Status.ANSWERED, replied_at=timezone.now(),
        assigned_to=ticket.assigned_to or agent,
    )
    return message


def missed_questions():
    """Subscriber questions worth a look: handed off, low confidence, or thumbs-down, not yet reviewed."""
    from django.db.models import Q

    return Message.objects.filter(sender=Message.Sender.SUBSCRIBER, review=Message.Review.OPEN).filter(
        Q(outcome=Message.Outcome.HANDOFF) | Q(outcome=Message.Outcome.CLARIFY)
        | Q(confidence__lt=settings.SUPPORT_BOT_REVIEW_CONFIDENCE) | Q(feedback=-1)
    ).exclude(outcome="")


@transaction.atomic
def attach_as_paraphrases(message_ids: list[int], entry: FaqEntry) -> int:
    """Add the missed questions to `entry` as example questions (one step from the admin); returns how many."""
    messages = list(missed_questions().filter(pk__in=message_ids))
    existing = set(entry.questions.values_list("text", flat=True))
    added = 0
    for message in messages:
        text = message.text.strip()[: FaqQuestion._meta.get_field("text").max_length]
        if text and text not in existing:
            FaqQuestion.objects.create(entry=entry, text=text, source=FaqQuestion.Source.LEARNED)
            existing.add(text)
            added += 1
    Message.objects.filter(pk__in=[m.pk for m in messages]).update(review=Message.Review.ATTACHED)
    return added


@transaction.atomic
def create_entry_from(message_ids: list[int], *, slug: str, category: str, answer: str) -> FaqEntry:
    """A new entry whose example questions are the missed questions."""
    entry = FaqEntry(slug=slug, category_id=category, answer=answer)
    entry.full_clean()
    entry.save()
    attach_as_paraphrases(message_ids, entry)
    Message.objects.filter(pk__in=message_ids, review=Message.Review.ATTACHED).update(review=Message.Review.NEW_ENTRY)
    return entry


def dismiss(message_ids: list[int]) -> int:
    return missed_questions().filter(pk__in=message_ids).update(review=Message.Review.DISMISSED)
