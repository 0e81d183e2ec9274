"""A profile's cached home page shows its name and follows its maturity limit: any save refreshes it."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Profile

from .rows import rows_changed


@receiver(post_save, sender=Profile)
def _profile_saved(sender, instance: Profile, **kwargs) -> None:
    rows_changed(instance.pk)
