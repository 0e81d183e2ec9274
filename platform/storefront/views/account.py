"""Account page: plan, region and marketing consent; and the trivial health check."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ..forms import AccountForm
from ..rows import rows_changed


@login_required
def account(request: HttpRequest) -> HttpResponse:
    form = AccountForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        for profile_id in request.user.profiles.values_list("pk", flat=True):
            rows_changed(profile_id)  # the region decides what is available
        messages.success(request, "Account saved.")
        return redirect("storefront:account")
    return render(request, "storefront/account.html", {"form": form})


def healthz(request: HttpRequest) -> HttpResponse:
    """No database, no template: the baseline the web benchmark compares pages against."""
    return HttpResponse("ok", content_type="text/plain")
