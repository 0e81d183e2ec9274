"""The support bot's public face: answer a subscriber, hand off to a person, take feedback, learn from misses.

`ask` and `preview_answer` live here; the rest is re-exported from the module that owns it, so views,
the admin, commands, tasks and other features import everything from `support_bot.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from . import index
from .answers import Answer, public_answer
from .conversations import CONVERSATION_IDLE, answer_since, conversation_for, messages_since, record_feedback
from .decisions import (
    HANDOFF_TEXT,
    PERSON_TEXT,
    STARTING_TEXT,
    UNSETTLED_TEXT,
    Decision,
    decide,
)
from .misses import attach_as_paraphrases, create_entry_from, dismiss, missed_questions
from .models import Message
from .ratelimit import QUESTIONS_PER_ACCOUNT, RateLimited, take_rate_token
from .rebuilds import ensure_engine_scheduled, schedule_rebuild
from .tickets import reply_to_ticket, ticket_for

__all__ = [
    "CONVERSATION_IDLE", "HANDOFF_TEXT", "PERSON_TEXT", "QUESTIONS_PER_ACCOUNT", "STARTING_TEXT", "UNSETTLED_TEXT",
    "Answer", "Decision", "RateLimited", "answer_since", "ask", "attach_as_paraphrases", "create_entry_from", "decide", "dismiss",
    "messages_since", "missed_questions", "preview_answer", "record_feedback", "reply_to_ticket", "schedule_rebuild",
    "take_rate_token",
]


def preview_answer(user, question: str) -> dict | None:
    """The API's five fields for `question` from `user`, logging nothing (`ask_support`, the benchmark);
    None when no engine is active."""
    _, engine = index.active_engine()
    if engine is None:
        return None
    fields = ("answer", "faq_id", "confidence", "handoff", "clarify")
    return {k: v for k, v in public_answer(decide(user, question, engine)).as_dict().items() if k in fields}


@transaction.atomic
def ask(user, question: str, *, profile=None, choice: str | None = None) -> Answer:
    """Answer `question` for `user` (the asker, whose data alone fills the answer), logging both sides."""
    question = question.strip()[: settings.SUPPORT_BOT_MAX_QUESTION_CHARS]
    conversation = conversation_for(user, profile)
    asked = Message.objects.create(conversation=conversation, sender=Message.Sender.SUBSCRIBER, text=question)
    version, engine = index.active_engine()
    pending = list(conversation.pending_choices or [])
    if pending:
        conversation.pending_choices = []
        conversation.save(update_fields=["pending_choices", "updated_at"])
    elif engine is None:
        ensure_engine_scheduled()
    decision = decide(user, question, engine, profile=profile, pending=pending, choice=choice)
    answer = public_answer(decision)
    _record(asked, decision.entry, decision.confidence, decision.kind, version)
    if decision.kind == Message.Outcome.CLARIFY:
        conversation.pending_choices = [decision.entry.slug, decision.runner_up.slug]
        conversation.save(update_fields=["pending_choices", "updated_at"])
    elif decision.kind == Message.Outcome.HANDOFF:
        answer.ticket_id = ticket_for(conversation, question).pk
    reply = Message.objects.create(conversation=conversation, sender=Message.Sender.BOT, text=decision.text,
                                   entry=None if decision.kind == Message.Outcome.HANDOFF else decision.entry,
                                   confidence=decision.confidence, outcome=decision.kind, engine_version=version)
    answer.message_id = reply.pk
    answer.conversation_id = conversation.pk
    return answer


def _record(asked: Message, entry, confidence: float, outcome: str, version) -> None:
    # The question's own row carries the outcome, so the review queue (misses.py) can filter on it.
    asked.entry, asked.confidence, asked.outcome, asked.engine_version = entry, confidence, outcome, version
    asked.save(update_fields=["entry", "confidence", "outcome", "engine_version"])
