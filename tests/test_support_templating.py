"""Answer templates: only whitelisted placeholders, only the asker's own fields."""

from datetime import date

from factories import make_account, make_plan, make_profile, make_region
from support_bot.templating import account_context, render_answer, template_errors


def test_it_fills_placeholders_from_the_asking_account(db):
    plan = make_plan("premium")
    account = make_account(plan=plan, region=make_region("GB", "United Kingdom"), next_billing_date=date(2030, 3, 4))
    make_profile(account, "Ada")
    make_profile(account, "Grace")
    text = render_answer("{plan} at {plan_price}, next {next_billing_date}; {profiles} in {region}",
                         account_context(account))
    assert text == "Premium at $9.99 a month, next 4 March 2030; Ada, Grace in United Kingdom"


def test_it_rejects_unknown_placeholders_and_attribute_access():
    assert template_errors("Hello {plan}") == []
    assert template_errors("{plan.__class__.__init__}")
    assert template_errors("{user.password}")
    assert template_errors("{% load static %}")
    # Even if such a template were saved, it renders nothing instead of walking attributes.
    assert render_answer("x{plan.__class__}y", {"plan": "Basic"}) == "xy"


def test_double_braces_are_literal_and_django_syntax_is_inert():
    assert template_errors("use {{ and }}") == []
    assert render_answer("{{plan}} {{ request.user }}", {"plan": "Basic"}) == "{plan} { request.user }"


def test_a_blank_account_renders_safe_defaults():
    from accounts.models import User

    context = account_context(User())
    assert context["plan"] == "(no plan)"
    assert context["profiles"] == "no profiles yet"
