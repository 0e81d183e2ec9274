"""Learning from misses: the staff review queue of questions the bot handled badly, and what staff do with them."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from .models import FaqEntry, FaqQuestion, Message


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
    """Mark the missed questions reviewed with nothing to learn; returns how many."""
    return missed_questions().filter(pk__in=message_ids).update(review=Message.Review.DISMISSED)
