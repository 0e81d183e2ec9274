"""What the API returns for one question: the `Answer` shape and how a bot decision becomes one."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from .conversations import CONVERSATION_IDLE
from .decisions import Decision
from .models import Message


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


def public_answer(decision: Decision) -> Answer:
    """The API's view of a decision: a hand-off names no entry, a clarification offers the two choices."""
    confidence = round(decision.confidence, 3)
    if decision.kind == Message.Outcome.HANDOFF:
        return Answer(decision.text, None, confidence, True, False)
    if decision.kind == Message.Outcome.CLARIFY:
        choices = [{"faq_id": e.slug, "label": e.label} for e in (decision.entry, decision.runner_up)]
        return Answer(decision.text, decision.entry.slug, confidence, False, True, choices=choices)
    return Answer(decision.text, decision.entry.slug, confidence, False, False, links=decision.links)
