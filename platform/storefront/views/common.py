"""What every subscriber view needs: a signed-in account and a chosen profile."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from accounts.access import current_profile
from accounts.models import Profile
from activity.models import Rating, ViewingEvent


def profile_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Require a signed-in account with a chosen profile (else the picker); sets `request.profile`."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        profile = current_profile(request)
        if profile is None:
            return redirect("storefront:profiles")
        profile.account = request.user  # the same row: saves a query on every page
        request.profile = profile
        return view(request, *args, **kwargs)

    return wrapper


def needs_onboarding(profile: Profile) -> bool:
    """A new profile with nothing to go on picks favourites first; imported or seeded profiles
    that already watched or rated something go straight to their rows."""
    if profile.onboarded_at is not None:
        return False
    return not (
        ViewingEvent.objects.filter(profile=profile).exists() or Rating.objects.filter(profile=profile).exists()
    )
