"""What the billing and region answers tell a subscriber agrees with what Marquee does: billing is simulated
(no card, no real charge, no retry) and only staff change an account's region (issue 20).

Answers are rendered from the knowledge base in the database for the asking account, as the bot sends them;
a database seeded before issue 20 gets the new texts from migration 0006 unless staff edited them.
"""

import importlib
import re
from datetime import date

import pytest
from django.apps import apps
from django.urls import reverse

from factories import make_account, make_plan, make_profile, make_region, signed_in
from support_bot.models import FaqEntry
from support_bot.templating import account_context, render_answer

pytestmark = pytest.mark.django_db

# A self-service payment step the platform does not have: update/add/enter a card or payment method.
PAYMENT_SELF_SERVICE = re.compile(
    r"\b(update|add|enter|change|replace)\b[^.;:]*\b(card|payment method|payment details)\b", re.I
)
OLD_MOVE_COUNTRY = (
    "Your account region is {region}. If you've moved, update your payment method to one from your new "
    "country; the region and prices follow it at the next billing date ({next_billing_date})."
)


@pytest.fixture
def subscriber():
    return make_account(
        plan=make_plan("standard"), region=make_region("GB", "United Kingdom"), next_billing_date=date(2030, 3, 4)
    )


def answer_to(account, slug: str) -> str:
    return render_answer(FaqEntry.objects.get(slug=slug).answer, account_context(account))


def test_moving_country_says_staff_change_the_region_and_how_to_reach_them(subscriber):
    text = answer_to(subscriber, "regions-move-country")
    assert "Your account region is United Kingdom" in text
    assert "only Marquee staff can change it" in text and "you can't change it yourself" in text
    assert "choose 'Talk to a person' in this chat" in text
    assert not PAYMENT_SELF_SERVICE.search(text) and "payment method" not in text


def test_the_way_to_reach_staff_the_answers_name_is_on_every_subscriber_page(client, subscriber):
    signed_in(client, make_profile(subscriber, "Ada"))
    page = client.get(reverse("storefront:account")).content.decode()
    assert '<button type="button" class="support-chat-human linklike">Talk to a person</button>' in page


def test_a_declined_payment_answer_says_billing_is_simulated_and_asks_for_no_card(subscriber):
    text = answer_to(subscriber, "billing-payment-declined")
    assert "billing is simulated, so no card is charged" in text
    assert "Account > Billing history" in text
    assert not re.search(r"\bretr(y|ies)\b", text, re.I)
    assert not PAYMENT_SELF_SERVICE.search(text) and "payment method" not in text


def test_travelling_keeps_the_accounts_region(subscriber):
    text = answer_to(subscriber, "regions-travel")
    assert "follows your account's region (United Kingdom), not where you are" in text
    assert "only Marquee staff can change the region" in text


def test_no_answer_sends_the_subscriber_to_change_a_card_or_their_region():
    for entry in FaqEntry.objects.all():
        assert not PAYMENT_SELF_SERVICE.search(entry.answer), entry.slug
        assert not re.search(r"\b(update|change) your (region|country)\b", entry.answer, re.I), entry.slug


def test_an_existing_database_gets_the_new_texts_and_keeps_staff_edits():
    migration = importlib.import_module("support_bot.migrations.0006_answers_say_what_marquee_does")
    FaqEntry.objects.filter(slug="regions-move-country").update(answer=OLD_MOVE_COUNTRY)
    FaqEntry.objects.filter(slug="billing-payment-declined").update(answer="Staff wrote this for {plan}.")

    migration.forward(apps, None)

    assert "only Marquee staff can change it" in FaqEntry.objects.get(slug="regions-move-country").answer
    assert FaqEntry.objects.get(slug="billing-payment-declined").answer == "Staff wrote this for {plan}."


def test_an_existing_database_loses_the_sign_out_of_all_devices_control_and_keeps_staff_edits():
    migration = importlib.import_module("support_bot.migrations.0007_no_sign_out_of_all_devices_control")
    (old_hacked,), new_hacked = migration.ANSWERS["login-hacked"]
    FaqEntry.objects.filter(slug="login-hacked").update(answer=old_hacked)
    FaqEntry.objects.filter(slug="login-change-password").update(answer="Staff wrote this.")

    migration.forward(apps, None)

    assert FaqEntry.objects.get(slug="login-hacked").answer == new_hacked
    assert "Sign out of all devices" not in new_hacked
    assert FaqEntry.objects.get(slug="login-change-password").answer == "Staff wrote this."


def test_the_profile_answer_names_what_the_profile_form_changes_and_no_language_setting():
    from storefront.forms import ProfileForm

    answer = FaqEntry.objects.get(slug="profiles-edit").answer.lower()
    assert all(str(field.label).lower() in answer for field in ProfileForm.base_fields.values())
    assert not re.search(r"change its[^.]*language", answer) and "no language setting" in answer


def test_the_ratings_answer_offers_the_thumbs_a_title_page_has_and_no_stars():
    from django.template.loader import get_template

    page = get_template("storefront/title.html").template.source
    answer = FaqEntry.objects.get(slug="profiles-ratings").answer.lower()
    assert 'aria-label="Thumbs up"' in page and 'aria-label="Thumbs down"' in page and "stars" not in page
    assert "thumbs up or thumbs down" in answer and "stars" not in answer


def test_an_existing_database_loses_the_profile_language_and_rating_stars_and_keeps_staff_edits():
    migration = importlib.import_module("support_bot.migrations.0008_profile_answers_name_only_real_controls")
    (old_edit,), new_edit = migration.ANSWERS["profiles-edit"]
    FaqEntry.objects.filter(slug="profiles-edit").update(answer=old_edit)
    FaqEntry.objects.filter(slug="profiles-ratings").update(answer="Staff wrote this.")

    migration.forward(apps, None)

    assert FaqEntry.objects.get(slug="profiles-edit").answer == new_edit
    assert FaqEntry.objects.get(slug="profiles-ratings").answer == "Staff wrote this."
