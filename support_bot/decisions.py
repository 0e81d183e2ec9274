"""What the bot makes of one question: answer it, ask which of two entries was meant, or hand off (nothing logged)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import FaqEntry, Message
from .recommending import RECOMMEND_SLUG, recommend_like
from .templating import account_context, render_answer

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
    from .questions import asks_for_person

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
