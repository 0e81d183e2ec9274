"""Signals the activity actions send, so upper layers can react without the core importing them."""

from django.dispatch import Signal

# Sent by every `activity.actions` function that changed what a profile did (`profile_id=`), when its
# transaction commits (never for one rolled back). The storefront forgets the profile's cached rows on it.
profile_activity_changed = Signal()
