"""The signed-in account and its chosen profile, read from the cache on every page.

Every subscriber page needs both rows; reading them from Redis instead of PostgreSQL took two
queries off each request (bench/web_load.py). Entries are dropped whenever a row is saved or
deleted through the ORM (signals below), and live at most `ACCOUNTS_CACHE_SECONDS` in any case,
so a bulk `.update()` that bypasses signals is seen within that time. Django's own session check
(the password-hash comparison in `django.contrib.auth.get_user`) still runs on the cached user.
"""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Profile, User


def _ttl() -> int:
    return getattr(settings, "ACCOUNTS_CACHE_SECONDS", 60)


def user_key(user_id) -> str:
    return f"accounts:user:{user_id}"


def profile_key(profile_id) -> str:
    return f"accounts:profile:{profile_id}"


class CachedModelBackend(ModelBackend):
    """ModelBackend whose per-request `get_user` comes from the cache."""

    def get_user(self, user_id):
        key = user_key(user_id)
        user = cache.get(key)
        if user is None:
            try:
                user = User._default_manager.get(pk=user_id)
            except User.DoesNotExist:
                return None
            cache.set(key, user, _ttl())
        return user if self.user_can_authenticate(user) else None


def cached_profile(profile_id: int, account_id: int) -> Profile | None:
    """The profile if it belongs to `account_id` (cached under the profile's id)."""
    key = profile_key(profile_id)
    profile = cache.get(key)
    if profile is None:
        profile = Profile.objects.filter(pk=profile_id).first()
        if profile is None:
            return None
        cache.set(key, profile, _ttl())
    return profile if profile.account_id == account_id else None


@receiver([post_save, post_delete], sender=User)
def _forget_user(sender, instance: User, **kwargs) -> None:
    cache.delete(user_key(instance.pk))


@receiver([post_save, post_delete], sender=Profile)
def _forget_profile(sender, instance: Profile, **kwargs) -> None:
    cache.delete(profile_key(instance.pk))
