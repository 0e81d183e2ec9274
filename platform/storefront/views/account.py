"""Account pages: overview, plan change (chosen, then confirmed), cancel and restart, billing history,
playback settings, password change; and the trivial health check. The rules are accounts/actions.py
(profiles) and accounts/membership.py (plans, cancellation, invoices)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.messages.views import SuccessMessageMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from accounts import actions, membership
from accounts.models import Invoice, Plan

from ..forms import CancelForm, CommunicationForm, PlanChoiceForm, PlaybackForm


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The overview; its one form is the communication preference (Account > Privacy)."""
    user = request.user
    form = CommunicationForm(request.POST or None, instance=user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Communication preferences saved.")
            return redirect("storefront:account")
    context = {
        "form": form,
        "cancellation": membership.pending_cancellation(user),
        "ended": membership.ended_membership(user),
        "latest_invoice": user.invoices.first(),
    }
    return render(request, "storefront/account.html", context, status=400 if form.errors else 200)


@login_required
def plan_change(request: HttpRequest) -> HttpResponse:
    """Step 1: pick a plan. Nothing changes until step 2 is confirmed."""
    user = request.user
    form = PlanChoiceForm(
        request.POST if request.method == "POST" else None,
        initial={"plan": user.plan.code if user.plan_id else None},
    )
    if request.method == "POST" and form.is_valid():
        return redirect("storefront:plan_confirm", code=form.cleaned_data["plan"].code)
    status = 400 if form.errors else 200
    return render(
        request, "storefront/account_plan.html", {"form": form, "plans": Plan.objects.all()}, status=status
    )


@login_required
def plan_confirm(request: HttpRequest, code: str) -> HttpResponse:
    """Step 2: what the change costs and when it applies; the POST carries it out exactly as shown."""
    plan = get_object_or_404(Plan, code=code)
    if request.method == "POST":
        change = membership.change_plan(request.user, plan)
        messages.success(request, _change_message(change))
        return redirect("storefront:account")
    change = membership.preview_plan_change(request.user, plan)
    return render(request, "storefront/account_plan_confirm.html", {"change": change, "plan": plan})


def _change_message(change: membership.PlanChange) -> str:
    if change.kind == "start":
        return f"Welcome to {change.plan.name}: {change.charge_label} was charged today."
    if change.kind == "upgrade":
        return f"You're now on {change.plan.name}. {change.charge_label} was charged for the rest of this period."
    if change.kind == "downgrade":
        return f"You'll move to {change.plan.name} on {change.effective_on:%b %-d, %Y}."
    return f"You're staying on {change.plan.name}."


@login_required
def cancel_membership(request: HttpRequest) -> HttpResponse:
    user = request.user
    pending = membership.pending_cancellation(user)
    form = CancelForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and user.plan_id and pending is None and form.is_valid():
        try:
            cancellation = membership.cancel_membership(
                user, reason=form.cleaned_data["reason"], comment=form.cleaned_data["comment"]
            )
        except actions.AccountRuleError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(
                request,
                f"Your membership is cancelled. You can keep watching until "
                f"{cancellation.effective_on:%b %-d, %Y}; you won't be charged again.",
            )
            return redirect("storefront:account")
    context = {"form": form, "cancellation": pending, "ends_on": user.next_billing_date}
    return render(request, "storefront/account_cancel.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def restart_membership(request: HttpRequest) -> HttpResponse:
    if membership.restart_membership(request.user):
        messages.success(request, "Welcome back: your membership continues and renews as before.")
    return redirect("storefront:account")


@login_required
def billing_history(request: HttpRequest) -> HttpResponse:
    invoices = request.user.invoices.select_related("plan")[:120]
    return render(request, "storefront/account_billing.html", {"invoices": invoices})


@login_required
def invoice(request: HttpRequest, invoice_id: int) -> HttpResponse:
    # Scoped to the signed-in account: another account's invoice is a 404.
    record = get_object_or_404(Invoice.objects.select_related("plan"), pk=invoice_id, account=request.user)
    return render(request, "storefront/account_invoice.html", {"invoice": record})


@login_required
def playback_settings(request: HttpRequest) -> HttpResponse:
    form = PlaybackForm(request.POST if request.method == "POST" else None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Playback settings saved.")
        return redirect("storefront:account")
    return render(
        request, "storefront/account_playback.html", {"form": form}, status=400 if form.errors else 200
    )


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):
    """Django's password change (old password, new twice, the validators); keeps this session signed in."""

    template_name = "storefront/account_password.html"
    success_url = reverse_lazy("storefront:account")
    success_message = "Password changed."

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response


def healthz(request: HttpRequest) -> HttpResponse:
    """No database, no template: the baseline the web benchmark compares pages against."""
    return HttpResponse("ok", content_type="text/plain")
