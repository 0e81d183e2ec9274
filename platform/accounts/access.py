"""The one way to reach a profile from a request: scoped to the signed-in account.

Another account's profile is a 404, never a 403, so its existence does not leak.
"""

from django.http import Http404, HttpRequest

from .models import Profile, User

SESSION_PROFILE_KEY = "marquee_profile_id"


def profiles_of(user: User):
    return Profile.objects.filter(account=user)


def get_profile_for(user: User, profile_id: int | str) -> Profile:
    try:
        return profiles_of(user).get(pk=int(profile_id))
    except (Profile.DoesNotExist, ValueError, TypeError):
        raise Http404("No such profile") from None


def select_profile(request: HttpRequest, profile: Profile) -> None:
    if profile.account_id != request.user.pk:
        raise Http404("No such profile")
    request.session[SESSION_PROFILE_KEY] = profile.pk


def current_profile(request: HttpRequest) -> Profile | None:
    """The profile chosen on "Who's watching?", if it still belongs to the signed-in account."""
    if not request.user.is_authenticated:
        return None
    profile_id = request.session.get(SESSION_PROFILE_KEY)
    if profile_id is None:
        return None
    from .cached import cached_profile

    return cached_profile(profile_id, request.user.pk)
