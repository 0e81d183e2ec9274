"""The support bot's public face: answer a subscriber, hand off to a person, take feedback, learn from misses."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

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

    def as_dict(self) -> dict:
        return asdict(self)


class RateLimited(Exception):
    """The account asked too many questions in the current window."""


def take_rate_token(user) -> None:
    """Count one question for `user` in a fixed window; raise RateLimited once over the limit."""
    window = settings.SUPPORT_BOT_RATE_WINDOW_SECONDS
    key = f"support_bot:rate:{user.pk}:{int(timezone.now().timestamp()) // window}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=window + 5)
        count = 1
    if count > settings.SUPPORT_BOT_RATE_LIMIT:
        raise RateLimited(
            f"You've asked {settings.SUPPORT_BOT_RATE_LIMIT} questions in the last "
            f"{window} seconds. Please wait a moment before asking again."
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
        slug, confidence = _settle(engine, question, pending, choice)
        if slug is None:
            return _handoff(conversation, asked, question, UNSETTLED_TEXT, version, confidence)
        return _answer(user, profile, conversation, asked, slug, confidence, version, question)

    if engine is None:
        _ensure_engine_scheduled()
        return _handoff(conversation, asked, question, STARTING_TEXT, version, 0.0)
    prediction = engine.predict(question)
    if prediction.handoff or prediction.slug is None:
        return _handoff(conversation, asked, question, HANDOFF_TEXT, version, prediction.confidence,
                        entry_slug=prediction.slug)
    if prediction.clarify:
        return _clarify(conversation, asked, prediction, version)
    return _answer(user, profile, conversation, asked, prediction.slug, prediction.confidence, version, question)


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


def _entries(slugs: list[str]) -> dict[str, FaqEntry]:
    return {e.slug: e for e in FaqEntry.objects.filter(slug__in=slugs, is_active=True)}


def _answer(user, profile, conversation, asked, slug, confidence, version, question) -> Answer:
    entry = _entries([slug]).get(slug)
    if entry is None:  # the entry was removed since the engine was built
        return _handoff(conversation, asked, question, HANDOFF_TEXT, version, confidence)
    links: list[dict] = []
    if slug == RECOMMEND_SLUG:
        text, links = recommend_like(user, profile, question, intro=render_answer(entry.answer, account_context(user)))
    else:
        text = render_answer(entry.answer, account_context(user))
    _record(asked, entry, confidence, Message.Outcome.ANSWERED, version)
    reply = Message.objects.create(conversation=conversation, sender=Message.Sender.BOT, text=text, entry=entry,
                                   confidence=confidence, outcome=Message.Outcome.ANSWERED, engine_version=version)
    return Answer(text, slug, round(confidence, 3), False, False, links=links, message_id=reply.pk)


def _clarify(conversation, asked, prediction, version) -> Answer:
    entries = _entries([prediction.slug, prediction.runner_up])
    if len(entries) < 2:
        return _handoff(conversation, asked, asked.text, HANDOFF_TEXT, version, prediction.confidence)
    first, second = entries[prediction.slug], entries[prediction.runner_up]
    text = f"Did you mean “{first.label}” or “{second.label}”?"
    conversation.pending_choices = [first.slug, second.slug]
    conversation.save(update_fields=["pending_choices", "updated_at"])
    _record(asked, first, prediction.confidence, Message.Outcome.CLARIFY, version)
    reply = Message.objects.create(conversation=conversation, sender=Message.Sender.BOT, text=text, entry=first,
                                   confidence=prediction.confidence, outcome=Message.Outcome.CLARIFY,
                                   engine_version=version)
    choices = [{"faq_id": e.slug, "label": e.label} for e in (first, second)]
    return Answer(text, first.slug, round(prediction.confidence, 3), False, True, choices=choices, message_id=reply.pk)


def _handoff(conversation, asked, question, text, version, confidence, entry_slug=None) -> Answer:
    guess = _entries([entry_slug]).get(entry_slug) if entry_slug else None
    _record(asked, guess, confidence, Message.Outcome.HANDOFF, version)
    ticket = SupportTicket.objects.create(conversation=conversation, question=question)
    reply = Message.objects.create(conversation=conversation, sender=Message.Sender.BOT, text=text,
                                   confidence=confidence, outcome=Message.Outcome.HANDOFF, engine_version=version)
    return Answer(text, None, round(confidence, 3), True, False, message_id=reply.pk, ticket_id=ticket.pk)


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
    entry = FaqEntry(slug=slug, category=category, answer=answer)
    entry.full_clean()
    entry.save()
    attach_as_paraphrases(message_ids, entry)
    Message.objects.filter(pk__in=message_ids, review=Message.Review.ATTACHED).update(review=Message.Review.NEW_ENTRY)
    return entry


def dismiss(message_ids: list[int]) -> int:
    return missed_questions().filter(pk__in=message_ids).update(review=Message.Review.DISMISSED)
