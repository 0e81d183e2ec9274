"""In headless Chromium: the watch page resumes, Continue Watching leads home until a title is finished,
a plan change is confirmed before it happens, and a cancellation shows the date the membership ends. (Fixtures from test_web_browser.)"""
# ruff: noqa: F811  (pytest fixtures imported from test_web_browser are redefined as arguments)

from datetime import timedelta

import pytest
from django.utils import timezone
from test_web_browser import browser, page, screenshot_on_failure, wait_until  # noqa: F401  (fixtures)

from accounts.models import Cancellation, Plan
from activity.models import ViewingEvent
from factories import make_account, make_profile, make_title, watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


def sign_in(page, email: str, profile_name: str) -> None:
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name=profile_name).click()
    page.wait_for_url("**/")


@screenshot_on_failure
def test_the_watch_page_resumes_where_the_last_session_stopped(page):
    title = make_title("Halfway There", runtime_minutes=100)
    profile = make_profile(
        make_account("resume@example.test", PASSWORD), name="Resumer", onboarded_at=timezone.now()
    )
    watch(profile, title, completion=0.5)
    sign_in(page, "resume@example.test", "Resumer")

    page.goto(f"/watch/{title.pk}/")
    assert page.locator("#progress-status").inner_text() == "Resuming at 50:00."
    assert page.locator("#simulated-progress").evaluate("bar => bar.value") == 3000
    page.locator("#simulated-play").click()
    wait_until(page, "document.getElementById('progress-status').dataset.seconds > 60")
    page.locator("#simulated-play").click()  # pause: reports once more
    # The pause's report is saved once the status counts every second the bar moved past 50:00.
    wait_until(
        page,
        "Number(document.getElementById('progress-status').dataset.seconds) >= "
        "Math.floor(document.getElementById('simulated-progress').value - 3000)",
    )

    latest = ViewingEvent.objects.filter(profile=profile).order_by("-started_at").first()
    assert latest.completion > 0.5  # the new session carried on from the middle
    assert latest.seconds_watched < 3000  # and counts only what it played
    page.reload()
    assert page.locator("#progress-status").inner_text().startswith("Resuming at 5")


@screenshot_on_failure
def test_a_plan_change_is_confirmed_and_a_cancellation_shows_its_end_date(page):
    Plan.objects.create(code="basic", name="Basic", monthly_price="6.00")
    standard = Plan.objects.create(code="standard", name="Standard", monthly_price="12.00")
    Plan.objects.create(code="premium", name="Premium", monthly_price="18.00")
    ends = timezone.localdate() + timedelta(days=12)
    account = make_account("plans@example.test", PASSWORD, plan=standard, next_billing_date=ends)
    make_profile(account, name="Planner", onboarded_at=timezone.now())
    sign_in(page, "plans@example.test", "Planner")

    page.goto("/account/")
    page.get_by_role("link", name="Change plan").click()
    page.get_by_label("Premium").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/account/plan/premium/confirm/")
    assert "The upgrade starts today" in page.locator("#change-summary").inner_text()
    account.refresh_from_db()
    assert account.plan.code == "standard"  # nothing changed before the confirmation
    page.get_by_role("button", name="Confirm change").click()
    page.wait_for_url("**/account/")
    assert "You're now on Premium" in page.locator(".messages").inner_text()
    account.refresh_from_db()
    assert account.plan.code == "premium"

    page.get_by_role("link", name="Cancel membership").click()
    written = f"{ends:%b} {ends.day}, {ends.year}"
    assert written in page.locator("#cancel-summary").inner_text()
    page.get_by_label("I'm taking a break").check()
    page.get_by_role("button", name="Finish cancellation").click()
    page.wait_for_url("**/account/")
    assert written in page.locator("[data-membership-ends]").inner_text()
    assert Cancellation.objects.get(account=account).effective_on == ends
    page.get_by_role("link", name="Billing history").click()
    assert page.locator("table.billing tbody tr").count() == 1  # the upgrade's prorated charge


@screenshot_on_failure
def test_continue_watching_leads_home_and_a_finished_title_moves_to_history(page):
    halfway = make_title("Halfway Home", runtime_minutes=100)
    for i in range(6):
        make_title(f"Filler {i}", runtime_minutes=90)
    profile = make_profile(make_account("cw@example.test", PASSWORD), name="Watcher", onboarded_at=timezone.now())
    watch(profile, halfway, completion=0.4)
    sign_in(page, "cw@example.test", "Watcher")

    first_row = page.locator("section.row").first
    assert first_row.get_attribute("data-row") == "continue_watching"
    assert "Halfway Home" in first_row.inner_text()
    # The card opens the player where the last session stopped, not the title page.
    first_row.get_by_role("link", name="Halfway Home").click()
    page.wait_for_url(f"**/watch/{halfway.pk}/")
    assert page.locator("#progress-status").inner_text() == "Resuming at 40:00."
    page.goto("/")
    watch(profile, halfway, completion=1.0, when=timezone.now() - timedelta(minutes=1))  # finished since
    from storefront.rows import rows_changed

    rows_changed(profile)
    page.reload()
    rows = page.locator("section.row[data-row=continue_watching]").all_inner_texts()
    assert not any("Halfway Home" in text for text in rows)
    page.get_by_role("link", name="History", exact=True).click()
    assert "Finished" in page.locator(".history li", has_text="Halfway Home").first.inner_text()


@screenshot_on_failure
def test_row_arrows_show_only_where_the_row_can_scroll(page):
    profile = make_profile(make_account("arrows@example.test", PASSWORD), name="Scroller", onboarded_at=timezone.now())
    for i in range(12):  # twelve cards in Continue Watching: wider than the 1280 px window
        watch(profile, make_title(f"Started {i:02d}", runtime_minutes=90), completion=0.3,
              when=timezone.now() - timedelta(minutes=i))
    sign_in(page, "arrows@example.test", "Scroller")

    row = page.locator("section.row[data-row=continue_watching]")
    prev, following = row.locator(".rail-arrow.prev"), row.locator(".rail-arrow.next")
    assert not prev.is_visible() and following.is_visible()  # at the start: only "right"
    following.click()
    wait_until(page, "document.querySelector('[data-row=continue_watching] .rail').scrollLeft > 0")
    prev.wait_for(state="visible")
    row.locator(".rail").evaluate("rail => { rail.style.scrollBehavior = 'auto'; rail.scrollLeft = rail.scrollWidth; }")
    following.wait_for(state="hidden")  # at the end: only "left"
    assert prev.is_visible()
