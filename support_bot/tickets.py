"""Hand-off to a person: the conversation's support ticket and an agent's reply to it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import Conversation, Message, SupportTicket


def ticket_for(conversation: Conversation, question: str) -> SupportTicket:
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
