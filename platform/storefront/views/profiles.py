"""Who's watching: pick, create and edit profiles; onboarding picks for a new one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import actions
from accounts.access import SESSION_PROFILE_KEY, get_profile_for, profiles_of, select_profile

from ..cards import RowSpec, build_rows
from ..forms import (
    OnboardingForm,
    PasswordConfirmForm,
    ProfileForm,
    ProfilePinForm,
    ProfileUnlockForm,
    onboarding_title_choices,
)
from ..rows import rows_changed
from .common import needs_onboarding, profile_required


@login_required
def profile_picker(request: HttpRequest) -> HttpResponse:
    profiles = list(profiles_of(request.user))
    return render(request, "storefront/profiles.html",
                  {"profiles": profiles, "can_add": actions.may_add_profile(request.user)})


@login_required
def profile_manage(request: HttpRequest) -> HttpResponse:
    """Profiles > Manage profiles: edit, maturity, lock and delete for each profile."""
    profiles = list(profiles_of(request.user))
    rows = [(p, actions.may_lock(p), len(profiles) > 1) for p in profiles]
    return render(request, "storefront/profiles_manage.html",
                  {"rows": rows, "can_add": actions.may_add_profile(request.user)})


@login_required
@require_POST
def choose_profile(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = get_profile_for(request.user, profile_id)
    if actions.needs_pin(profile):
        return redirect("storefront:profile_unlock", profile_id=profile.pk)
    return _enter(request, profile)


def _enter(request: HttpRequest, profile) -> HttpResponse:
    select_profile(request, profile)
    return redirect("storefront:onboarding" if needs_onboarding(profile) else "storefront:home")


@login_required
def profile_unlock(request: HttpRequest, profile_id: int) -> HttpResponse:
    """A locked profile asks its PIN before it is chosen; attempts are rate-limited per profile."""
    profile = get_profile_for(request.user, profile_id)
    if not actions.needs_pin(profile):
        return _enter(request, profile) if request.method == "POST" else redirect("storefront:profiles")
    form = ProfileUnlockForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            decision = actions.check_profile_pin(profile, form.cleaned_data["pin"])
        except actions.AccountRuleError as error:
            form.add_error(error.field, str(error))
        else:
            if decision.allowed:
                return _enter(request, profile)
            form.add_error("pin", f"Too many tries. Wait {decision.retry_after} seconds and try again.")
            status = 429
    if form.errors and status == 200:
        status = 400
    response = render(request, "storefront/profile_unlock.html", {"form": form, "profile": profile}, status=status)
    if status == 429:
        response["Retry-After"] = str(decision.retry_after)
    return response


@login_required
def profile_create(request: HttpRequest) -> HttpResponse:
    if not actions.may_add_profile(request.user):
        messages.error(request, f"Your plan allows {actions.profile_limit(request.user)} profiles.")
        return redirect("storefront:profiles")
    form = ProfileForm(request.POST or None, account=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            profile = actions.add_profile(request.user, form.save(commit=False))
        except actions.AccountRuleError as error:  # another tab added one meanwhile
            messages.error(request, str(error))
            return redirect("storefront:profiles")
        select_profile(request, profile)
        return redirect("storefront:onboarding")
    return render(request, "storefront/profile_form.html", {"form": form, "creating": True})


@login_required
def profile_edit(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = get_profile_for(request.user, profile_id)
    form = ProfileForm(request.POST or None, instance=profile, account=request.user)
    if request.method == "POST" and form.is_valid():
        actions.profile_saved(form.save())
        rows_changed(profile)  # the maturity limit may have changed
        messages.success(request, "Profile saved.")
        return redirect("storefront:profile_manage")
    return render(request, "storefront/profile_form.html", {"form": form, "profile": profile, "creating": False})


@login_required
def profile_lock(request: HttpRequest, profile_id: int) -> HttpResponse:
    """Profiles > Manage profiles > Profile lock: set, change or remove a 4-digit PIN."""
    profile = get_profile_for(request.user, profile_id)
    profile.account = request.user
    removing = request.method == "POST" and "remove" in request.POST
    if removing:
        form = PasswordConfirmForm(request.POST, prefix="remove")
    else:
        form = ProfilePinForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            if removing:
                actions.remove_profile_pin(profile, account_password=form.cleaned_data["password"])
            else:
                actions.set_profile_pin(profile, form.cleaned_data["pin"],
                                        account_password=form.cleaned_data["password"])
        except actions.AccountRuleError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(request, f"Lock removed from {profile.name}." if removing
                             else f"{profile.name} now asks for its PIN.")
            return redirect("storefront:profile_manage")
    context = {"form": form, "profile": profile, "may_lock": actions.may_lock(profile),
               "removing": removing, "remove_form": form if removing else PasswordConfirmForm(prefix="remove")}
    return render(request, "storefront/profile_lock.html", context, status=400 if form.errors else 200)


@login_required
def profile_delete(request: HttpRequest, profile_id: int) -> HttpResponse:
    """Asks first (GET shows what goes with it), deletes on POST; the last profile stays."""
    profile = get_profile_for(request.user, profile_id)
    if request.method == "POST":
        try:
            actions.delete_profile(profile)
        except actions.AccountRuleError as error:
            messages.error(request, str(error))
            return redirect("storefront:profile_manage")
        if request.session.get(SESSION_PROFILE_KEY) == profile_id:
            del request.session[SESSION_PROFILE_KEY]
        messages.success(request, f"Profile {profile.name} deleted.")
        return redirect("storefront:profile_manage")
    return render(request, "storefront/profile_delete.html",
                  {"profile": profile, "may_delete": actions.may_delete_profile(profile)})


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
