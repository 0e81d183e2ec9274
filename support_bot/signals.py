"""Any change to the knowledge base schedules one engine rebuild after the transaction commits."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .knowledge import batching
from .models import FaqEntry, FaqQuestion


@receiver([post_save, post_delete], sender=FaqEntry)
@receiver([post_save, post_delete], sender=FaqQuestion)
def knowledge_base_changed(sender, **kwargs) -> None:
    if kwargs.get("raw") or batching():
        return
    from .services import schedule_rebuild

    schedule_rebuild()
