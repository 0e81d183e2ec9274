"""Sign up and sign in (rate-limited)."""

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from accounts.access import select_profile
from accounts.models import Profile, User

from ..forms import SignupForm
from ..ratelimit import LOGIN_PER_ADDRESS, LOGIN_PER_EMAIL, SIGNUP_PER_ADDRESS, client_address

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
            with transaction.atomic():
                user = User.objects.create_user(
                    email=data["email"], password=data["password"], region=data["region"], plan=data["plan"]
                )
                profile = Profile.objects.create(account=user, name=data["profile_name"].strip())
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            select_profile(request, profile)
            return redirect("storefront:onboarding")
    return render(request, "storefront/signup.html", {"form": form})
