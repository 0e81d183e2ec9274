"""Answer templates: the asker's own fields an answer may name, in the shared syntax (`messaging.templating`).

The values come from a dict built from the asking account only (`account_context`).
"""

from typing import Any

from messaging.templating import PlaceholderSyntax

# name -> what it is, for the admin help text and for error messages.
PLACEHOLDERS: dict[str, str] = {
    "plan": "the subscriber's plan name",
    "plan_price": "the plan's monthly price",
    "next_billing_date": "the next billing date",
    "profiles": "the account's profile names",
    "profile_count": "how many profiles the account has",
    "max_profiles": "how many profiles the plan allows",
    "max_streams": "how many screens may stream at once on the plan",
    "video_quality": "the plan's best video quality",
    "downloads": "whether the plan includes downloads",
    "region": "the account's region",
    "plans": "every plan on offer, from the plan table (screens, quality, downloads, price)",
    "email": "the account's sign-in email",
}

SYNTAX = PlaceholderSyntax(PLACEHOLDERS)
template_errors = SYNTAX.errors


def account_context(user: Any) -> dict[str, Any]:
    """The whitelisted values for `user` (the asker), read from that account and nothing else."""
    plan = getattr(user, "plan", None)
    profiles = list(user.profiles.order_by("created_at", "id").values_list("name", flat=True)) if user.pk else []
    region = getattr(user, "region", None)
    billing = getattr(user, "next_billing_date", None)
    return {
        "plan": plan.name if plan else "(no plan)",
        "plan_price": f"{plan.price_label} a month" if plan else "(no price)",
        "next_billing_date": billing.strftime("%-d %B %Y") if billing else "(no date scheduled)",
        "profiles": ", ".join(profiles) if profiles else "no profiles yet",
        "profile_count": str(len(profiles)),
        "max_profiles": str(plan.max_profiles) if plan else "0",
        "max_streams": str(plan.max_streams) if plan else "0",
        "video_quality": plan.video_quality if plan else "none",
        "downloads": ("included" if plan.has_downloads else "not included") if plan else "not included",
        "region": region.name if region else "no region set",
        "email": user.email or "",
        "plans": _Lazy(plans_on_offer),
    }


class _Lazy:
    """A value computed only if an answer uses its placeholder (the plan table costs a query)."""

    def __init__(self, compute) -> None:
        self.compute = compute

    def __str__(self) -> str:
        return self.compute()


def plan_summary(plan: Any) -> str:
    """One plan as answers describe it, read from its row so no answer can contradict the plan table."""
    screens = "1 screen" if plan.max_streams == 1 else f"{plan.max_streams} screens"
    downloads = "downloads" if plan.has_downloads else "no downloads"
    return f"{plan.name} ({screens}, {plan.video_quality}, {downloads}, {plan.price_label} a month)"


def plans_on_offer() -> str:
    from accounts.models import Plan

    return "; ".join(plan_summary(plan) for plan in Plan.objects.order_by("monthly_price", "id")) or "(no plans)"


def render_answer(template: str, context: dict[str, Any]) -> str:
    """Fill placeholders from `context`; a placeholder with no value renders as nothing rather than raising."""
    return SYNTAX.render(template, context)
