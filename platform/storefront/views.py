"""Subscriber pages. Thin: each view finds the current profile and asks the apps for what to show."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import current_profile, get_profile_for, profiles_of, select_profile
from activity.models import ViewingEvent
from catalog.models import Title


def _profile_or_picker(request: HttpRequest):
    profile = current_profile(request)
    if profile is None:
        return None, redirect("storefront:profiles")
    return profile, None


@login_required
def profile_picker(request: HttpRequest) -> HttpResponse:
    return render(request, "storefront/profiles.html", {"profiles": profiles_of(request.user)})


@login_required
@require_POST
def choose_profile(request: HttpRequest, profile_id: int) -> HttpResponse:
    select_profile(request, get_profile_for(request.user, profile_id))
    return redirect("storefront:home")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    profile, redirect_response = _profile_or_picker(request)
    if redirect_response:
        return redirect_response
    region = request.user.region_id
    titles = Title.objects.available_in(region).order_by("-year", "name")[:48]
    return render(request, "storefront/home.html", {"profile": profile, "titles": titles})


@login_required
def history(request: HttpRequest) -> HttpResponse:
    profile, redirect_response = _profile_or_picker(request)
    if redirect_response:
        return redirect_response
    events = ViewingEvent.objects.filter(profile=profile, hidden_at__isnull=True).select_related("title")[:100]
    return render(request, "storefront/history.html", {"profile": profile, "events": events})
