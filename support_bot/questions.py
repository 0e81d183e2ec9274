"""What a support question says before any model reads it: its normalised form, and whether it asks for a person."""

from __future__ import annotations

import re
import unicodedata

# Asking for a person is answered by handing off at once, whatever the knowledge base holds.
_PERSON = (r"(?:a |an |to |some |one |the |real |actual |live |proper |human )*"
           r"(?:human|person|people|agent|someone|somebody|representative|rep|operator|staff|advisor|adviser|manager|supervisor"
           r"|customer (?:service|support|care)|support (?:team|staff|agent))")
_ASKS_FOR_PERSON = re.compile(
    rf"\b(?:(?:talk|speak|chat|get through|be put through) (?:to|with) {_PERSON}"
    rf"|(?:connect|transfer|put) me (?:to|with|through to) {_PERSON}"
    rf"|(?:want|need|get me|give me|prefer|request|like) {_PERSON}\b(?! (?:to|who|that|can) (?:watch|use|share))"
    rf"|(?:real|actual|live) (?:human|person|agent)"
    rf"|(?:human|person|agent),? please|not (?:a|the|this) (?:bot|robot|machine)|stop (?:the|this) bot"
    rf"|is (?:there|this) (?:a |an )?(?:human|real person))\b"
)


def asks_for_person(question: str) -> bool:
    """True when the subscriber asks to talk to a person rather than the bot."""
    return bool(_ASKS_FOR_PERSON.search(normalize_question(question).replace("’", "'")))


def normalize_question(text: str) -> str:
    """Lower-case, NFKC, collapse whitespace: the form both models and the embedding cache see."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return re.sub(r"\s+", " ", text).strip()
