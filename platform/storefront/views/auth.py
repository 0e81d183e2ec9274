"""Sign up and sign in (rate-limited)."""

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.debug import sensitive_post_parameters

from accounts import signup as signups
from accounts.access import select_profile

from ..forms import SignupForm
from ..ratelimit import (
    LOGIN_PER_ADDRESS,
    LOGIN_PER_EMAIL,
    PASSWORD_RESET_PER_ADDRESS,
    SIGNUP_PER_ADDRESS,
    client_address,
)

TOO_MANY = "Too many attempts. Wait a minute and try again."


class RateLimitedLoginView(auth_views.LoginView):
    """Django's login, refusing bursts per address+email and per address before checking the password."""

    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        address = client_address(request)
        email = (request.POST.get("username") or "").strip().lower()
        decision = LOGIN_PER_ADDRESS.hit(address)
        if decision.allowed:
            decision = LOGIN_PER_EMAIL.hit(f"{address}|{email}")
        if not decision.allowed:
            # An unbound form: validating this one would check the password, which is what we refuse.
            form = self.get_form_class()(request, initial={"username": email})
            return _too_many(render(request, self.template_name, {"form": form, "rate_limited": TOO_MANY}),
                             decision.retry_after)
        return super().post(request, *args, **kwargs)


def _too_many(response: HttpResponse, retry_after: int) -> HttpResponse:
    response.status_code = 429
    response["Retry-After"] = str(retry_after)
    return response


@sensitive_post_parameters("password")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("storefront:profiles")
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        decision = SIGNUP_PER_ADDRESS.hit(client_address(request))
        if not decision.allowed:
            return _too_many(render(request, "storefront/signup.html", {"form": form, "rate_limited": TOO_MANY}),
                             decision.retry_after)
        if form.is_valid():
            data = form.cleaned_data
            signups.request_signup(
                email=data["email"], password=data["password"], profile_name=data["profile_name"],
                region=data["region"], plan=data["plan"],
                link_for=lambda token: request.build_absolute_uri(reverse("storefront:signup_confirm", args=[token])),
                sign_in_url=request.build_absolute_uri(reverse("storefront:login")),
            )
            return redirect("storefront:signup_sent")
    return render(request, "storefront/signup.html", {"form": form})


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "storefront/signup_sent.html")


def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and POST creates the account: mail scanners that fetch links create nothing."""
    try:
        if request.method != "POST":
            signups.pending_signup(token)
            return render(request, "storefront/signup_confirm.html")
        profile = signups.confirm_signup(token)
    except signups.SignupLinkInvalid as invalid:
        return render(request, "storefront/signup_confirm.html", {"invalid": str(invalid)})
    login(request, profile.account, backend=settings.AUTHENTICATION_BACKENDS[0])
    select_profile(request, profile)
    return redirect("storefront:onboarding")


class RateLimitedPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset (the same answer for every address), refusing bursts per client address."""

    success_url = reverse_lazy("storefront:password_reset_done")
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def post(self, request, *args, **kwargs):
        decision = PASSWORD_RESET_PER_ADDRESS.hit(client_address(request))
        if not decision.allowed:
            return _too_many(render(request, self.template_name, {"form": self.get_form_class()(),
                                                                  "rate_limited": TOO_MANY}),
                             decision.retry_after)
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("storefront:password_reset_complete")
