"""Who's watching: pick, create and edit profiles; onboarding picks for a new one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import get_profile_for, profiles_of, select_profile

from ..cards import RowSpec, build_rows
from ..forms import OnboardingForm, ProfileForm, onboarding_title_choices
from ..rows import rows_changed
from .common import needs_onboarding, profile_required

DEFAULT_MAX_PROFILES = 5


@login_required
def profile_picker(request: HttpRequest) -> HttpResponse:
    profiles = list(profiles_of(request.user))
    limit = request.user.plan.max_profiles if request.user.plan_id else DEFAULT_MAX_PROFILES
    return render(request, "storefront/profiles.html", {"profiles": profiles, "can_add": len(profiles) < limit})


@login_required
@require_POST
def choose_profile(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = get_profile_for(request.user, profile_id)
    select_profile(request, profile)
    return redirect("storefront:onboarding" if needs_onboarding(profile) else "storefront:home")


@login_required
def profile_create(request: HttpRequest) -> HttpResponse:
    limit = request.user.plan.max_profiles if request.user.plan_id else DEFAULT_MAX_PROFILES
    if profiles_of(request.user).count() >= limit:
        messages.error(request, f"Your plan allows {limit} profiles.")
        return redirect("storefront:profiles")
    form = ProfileForm(request.POST or None, account=request.user)
    if request.method == "POST" and form.is_valid():
        profile = form.save(commit=False)
        profile.account = request.user
        profile.save()
        select_profile(request, profile)
        return redirect("storefront:onboarding")
    return render(request, "storefront/profile_form.html", {"form": form, "creating": True})


@login_required
def profile_edit(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = get_profile_for(request.user, profile_id)
    form = ProfileForm(request.POST or None, instance=profile, account=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        rows_changed(profile)  # the maturity limit may have changed
        messages.success(request, "Profile saved.")
        return redirect("storefront:profiles")
    return render(request, "storefront/profile_form.html", {"form": form, "profile": profile, "creating": False})


@profile_required
def onboarding(request: HttpRequest) -> HttpResponse:
    profile = request.profile
    choices = onboarding_title_choices(profile)
    initial = {
        "genres": list(profile.favourite_genres.values_list("pk", flat=True)),
        "titles": list(profile.favourite_titles.values_list("pk", flat=True)),
    }
    form = OnboardingForm(request.POST or None, title_choices=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        profile.favourite_genres.set(form.cleaned_data["genres"])
        profile.favourite_titles.set(form.cleaned_data["titles"])
        profile.onboarded_at = timezone.now()
        profile.save(update_fields=["onboarded_at"])
        rows_changed(profile)  # the picks drive the first rows: show them at once
        return redirect("storefront:home")
    picked = {str(pk) for pk in (form["titles"].value() or [])}
    rows = build_rows(profile, [RowSpec("onboarding", "Pick titles", [(pk, "") for pk in choices.values_list("pk", flat=True)])])
    cards = [(card.title, card.image_url, str(card.title.pk) in picked) for card in (rows[0].cards if rows else [])]
    status = 400 if request.method == "POST" else 200  # a refused pick names its field on the page
    return render(request, "storefront/onboarding.html", {"form": form, "title_cards": cards}, status=status)
