"""Answer a question without logging it (for `ask_support` and the benchmark): same decisions as the API."""

from . import index
from .models import FaqEntry
from .recommending import RECOMMEND_SLUG, recommend_like
from .services import HANDOFF_TEXT
from .templating import account_context, render_answer


def preview_answer(user, question: str) -> dict | None:
    """The API's five fields for `question` asked by `user`; None when no engine is active."""
    _, engine = index.active_engine()
    if engine is None:
        return None
    prediction = engine.predict(question)
    confidence = round(prediction.confidence, 3)
    if prediction.handoff or prediction.slug is None:
        return {"answer": HANDOFF_TEXT, "faq_id": None, "confidence": confidence, "handoff": True, "clarify": False}
    entries = {e.slug: e for e in FaqEntry.objects.filter(slug__in=[prediction.slug, prediction.runner_up])}
    entry = entries.get(prediction.slug)
    if entry is None:
        return {"answer": HANDOFF_TEXT, "faq_id": None, "confidence": confidence, "handoff": True, "clarify": False}
    if prediction.clarify and prediction.runner_up in entries:
        text = f"Did you mean “{entry.label}” or “{entries[prediction.runner_up].label}”?"
        return {"answer": text, "faq_id": entry.slug, "confidence": confidence, "handoff": False, "clarify": True}
    text = render_answer(entry.answer, account_context(user))
    if entry.slug == RECOMMEND_SLUG and user.pk:
        text, _ = recommend_like(user, None, question, intro=text)
    return {"answer": text, "faq_id": entry.slug, "confidence": confidence, "handoff": False, "clarify": False}
