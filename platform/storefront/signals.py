"""Cached home pages and rows follow the profile: its own changes and everything it does refresh them."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import Profile
from activity.signals import profile_activity_changed

from .rows import rows_changed


@receiver(post_save, sender=Profile)
def _profile_saved(sender, instance: Profile, **kwargs) -> None:
    # Its name and maturity limit show on the page.
    rows_changed(instance.pk)


@receiver(profile_activity_changed)
def _profile_acted(sender, profile_id: int, **kwargs) -> None:
    # It watched, rated, saved or hid something (activity.actions).
    rows_changed(profile_id)
