"""A subscriber's chat with the bot: which conversation a question joins, what the widget polls, thumbs on replies."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .models import Conversation, Message

CONVERSATION_IDLE = timedelta(minutes=30)


def conversation_for(user, profile) -> Conversation:
    """The user's active conversation (touched, so it stays active), or a new one after CONVERSATION_IDLE."""
    recent = Conversation.objects.filter(account=user, updated_at__gte=timezone.now() - CONVERSATION_IDLE).first()
    if recent:
        recent.save(update_fields=["updated_at"])  # a chat stays one conversation while it is active
        return recent
    return Conversation.objects.create(account=user, profile=profile)


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
    """Agent lines in the user's own conversations after `after_id` (the widget polls this)."""
    rows = Message.objects.filter(conversation__account=user, id__gt=after_id, sender=Message.Sender.AGENT)
    return [{"id": m.pk, "sender": m.sender, "text": m.text} for m in rows.order_by("id")[:50]]


# How far back a lost answer is looked for, at most, and the slack for the time the request took to arrive.
LOST_ANSWER_MAX_SECONDS = 300
LOST_ANSWER_SLACK = timedelta(seconds=2)


def answer_since(user, after_id: int, seconds: float) -> dict | None:
    """The newest bot reply in the user's conversations after `after_id` and from the last `seconds`.

    The widget asks for it when a question was sent just before the page changed: the question was
    answered, but the response had no page left to show it on. `seconds` is measured by the widget since
    it asked, so no clock but the server's is compared.
    """
    since = timezone.now() - timedelta(seconds=min(seconds, LOST_ANSWER_MAX_SECONDS)) - LOST_ANSWER_SLACK
    reply = (Message.objects.filter(conversation__account=user, sender=Message.Sender.BOT, id__gt=after_id,
                                    created_at__gte=since).order_by("-id").first())
    if reply is None:
        return None
    return {"id": reply.pk, "text": reply.text, "outcome": reply.outcome}
