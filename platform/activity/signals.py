"""Signals the activity actions send, so upper layers can react without the core importing them."""

from django.dispatch import Signal

# Sent by every `activity.actions` function that changed what a profile did (`profile_id=`), once its
# transaction has closed. The storefront forgets the profile's cached rows on it.
profile_activity_changed = Signal()
