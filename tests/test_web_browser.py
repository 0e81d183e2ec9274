"""End-to-end in headless Chromium (Debian's package, driven by Playwright): the pages as people use them.

A failing test leaves a full-page screenshot in test-artifacts/.
"""

import functools
from pathlib import Path

import pytest
from browser import launched_chromium
from django.core import mail
from django.core.cache import cache

from accounts.models import User
from activity.models import Rating, SearchQuery, ViewingEvent
from factories import make_account, make_profile, make_title, rate, restore_staff_groups, watch
from recommendations.services import metrics_history

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_until(page, expression: str, timeout_ms: int = 30_000) -> None:
    """page.wait_for_function, but evaluated through the DevTools protocol: wait_for_function compiles
    its predicate in the page, which the Content-Security-Policy (no 'unsafe-eval') rightly refuses."""
    for _ in range(max(1, timeout_ms // 100)):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still false after {timeout_ms} ms: {expression}")


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def page(browser, live_server):
    cache.clear()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def screenshot_on_failure(test):
    @functools.wraps(test)
    def run(*args, **kwargs):
        try:
            return test(*args, **kwargs)
        except BaseException:
            ARTIFACTS.mkdir(exist_ok=True)
            kwargs["page"].screenshot(path=str(ARTIFACTS / f"{test.__name__}.png"), full_page=True)
            raise

    return run


@pytest.fixture
def small_catalog():
    """Enough titles for onboarding, rows and search; a few watched by others so trending has data."""
    titles = [
        make_title("The Godfather", year=1972, genres=["Crime", "Drama"], maturity_rating="R",
                   synopsis="A crime family's patriarch hands power to his reluctant son.", runtime_minutes=175),
        make_title("Lantern Protocol", year=2019, genres=["Sci-Fi"], tags=["space"], runtime_minutes=110,
                   synopsis="Astronauts aboard a failing starship."),
    ]
    genres = ["Comedy", "Drama", "Sci-Fi", "Crime", "Romance"]
    titles += [make_title(f"Demo Title {i}", year=2000 + i, genres=[genres[i % 5]], runtime_minutes=90)
               for i in range(20)]
    others = [make_profile(name=f"Other {i}") for i in range(4)]
    for i, title in enumerate(titles):
        for other in others[: 1 + i % 4]:
            watch(other, title, completion=0.9)
            rate(other, title, stars=4.0 if i % 2 else 3.0)
    return titles


def sign_up(page, email="newcomer@example.test", profile_name="Robin"):
    page.goto("/signup/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a-long-unusual-passphrase")
    page.get_by_label("Your profile name").fill(profile_name)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/signup/sent/")
    link = next(word for word in mail.outbox[-1].body.split() if "/signup/confirm/" in word)
    page.goto(link)
    page.get_by_role("button", name="Create my account").click()
    page.wait_for_url("**/welcome/")


@screenshot_on_failure
def test_sign_up_onboard_and_see_rows_shaped_by_the_picks(page, small_catalog):
    sign_up(page)
    page.get_by_text("Sci-Fi", exact=True).click()  # the chip's label toggles its checkbox
    page.locator(f"label[for=pick-{small_catalog[1].pk}]").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_selector("h1.greeting")

    rows = page.locator("section.row")
    assert rows.count() >= 2
    assert page.locator(".card-reason").first.inner_text().strip()
    profile = User.objects.get(email="newcomer@example.test").profiles.get()
    assert [g.name for g in profile.favourite_genres.all()] == ["Sci-Fi"]
    assert profile.impressions.exclude(surface="onboarding").count() == page.locator("section.row .card").count()
    assert profile.impressions.filter(surface="onboarding").exists()  # the picks shown were cards too


@screenshot_on_failure
def test_open_a_title_rate_it_play_it_and_progress_is_recorded(page, small_catalog):
    sign_up(page, email="player@example.test", profile_name="Player")
    page.get_by_role("button", name="Continue").click()
    page.locator("section.row .card-link").first.click()
    page.wait_for_url("**/title/*/")
    title_name = page.locator("h1").inner_text()

    page.get_by_role("button", name="Thumbs up").click()
    page.wait_for_selector("button[aria-label='Thumbs up'][aria-pressed=true]")
    profile = User.objects.get(email="player@example.test").profiles.get()
    assert Rating.objects.get(profile=profile).thumb == 1
    assert Rating.objects.get(profile=profile).title.name == title_name

    page.get_by_role("link", name="▶ Play").click()
    page.wait_for_url("**/watch/*/")
    page.locator("#simulated-play").click()
    wait_until(page, "document.getElementById('progress-status').dataset.seconds > 60")
    page.locator("#simulated-play").click()  # pause: reports once more
    wait_until(page, "document.getElementById('progress-status').textContent.startsWith('Saved')")

    events = list(ViewingEvent.objects.filter(profile=profile))
    assert len(events) == 1 and events[0].seconds_watched > 60 and events[0].title.name == title_name


@screenshot_on_failure
def test_search_with_a_typo_suggests_as_you_type_and_finds_the_title(page, small_catalog):
    sign_up(page, email="searcher@example.test", profile_name="Searcher")
    page.get_by_role("button", name="Continue").click()

    box = page.get_by_role("combobox", name="Search titles")
    box.press_sequentially("godfathr", delay=30)
    page.wait_for_selector("#site-search-suggestions li")
    assert "The Godfather" in page.locator("#site-search-suggestions").inner_text()
    box.press("Enter")  # no suggestion highlighted: submits the search

    page.wait_for_url("**/search/?q=godfathr")
    assert "The Godfather" in page.locator(".cards").inner_text()
    logged = SearchQuery.objects.get(profile__account__email="searcher@example.test")
    assert logged.text == "godfathr" and logged.results_count >= 1

    box = page.get_by_role("combobox", name="Search titles")
    box.fill("lantern prot")
    page.wait_for_selector("#site-search-suggestions li")
    box.press("ArrowDown")
    box.press("Enter")  # a highlighted suggestion opens the title
    page.wait_for_url(f"**/title/{small_catalog[1].pk}/")


@screenshot_on_failure
def test_login_is_refused_after_repeated_failures(page):
    make_account("victim@example.test", "correct-horse-battery")
    page.goto("/login/")
    for _ in range(5):
        page.get_by_label("Email").fill("victim@example.test")
        page.get_by_label("Password").fill("wrong-password")
        page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Email").fill("victim@example.test")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()

    assert page.get_by_role("alert").inner_text() == "Too many attempts. Wait a minute and try again."
    assert "/login/" in page.url


@pytest.fixture
def inline_tasks(monkeypatch):
    """No worker here: tasks run inline but store their result, so the page polls django-celery-results
    exactly as it would for a worker's."""
    from marquee.celery import app
    from recommendations.tasks import train_recommender_task

    before = {key: app.conf.get(key) for key in ("task_always_eager", "task_store_eager_result")}
    app.conf.update(task_always_eager=True, task_store_eager_result=True)
    # A task copies this setting when first bound, which an earlier test may already have done.
    monkeypatch.setattr(train_recommender_task, "store_eager_result", True)
    yield
    app.conf.update(before)


@screenshot_on_failure
def test_staff_sign_in_and_retrain_from_the_dashboard(page, small_catalog, inline_tasks):
    make_account("staff@example.test", "staff-password-123", is_staff=True, is_superuser=True)

    page.goto("/admin/")
    page.get_by_label("Email").fill("staff@example.test")
    page.get_by_label("Password").fill("staff-password-123")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Marquee dashboard").click()
    assert page.locator("svg.chart").count() >= 2

    # The inline worker retrains inside this request, so the page answers when training ends: on a loaded
    # machine that is well past the context's 10 s default, and the wait is for the response, not a clock.
    with page.expect_navigation(timeout=180_000):
        page.get_by_role("button", name="Retrain recommendations now").click(no_wait_after=True)
    row = page.locator("tr.task").first
    assert "Retrain recommendations" in row.inner_text()
    wait_until(page, "document.querySelector('tr.task').dataset.status === 'SUCCESS'", timeout_ms=60_000)
    assert metrics_history(), "the retrain produced no model version"


@screenshot_on_failure
def test_a_support_agent_sees_the_dashboard_and_queues_but_no_job_buttons(page, small_catalog):
    from django.contrib.auth.models import Group

    from accounts.groups import SUPPORT_AGENTS

    restore_staff_groups()  # an earlier live-server test's flush removed the migrated groups
    agent = make_account("agent@example.test", "agent-password-123", is_staff=True)
    agent.groups.add(Group.objects.get(name=SUPPORT_AGENTS))

    page.goto("/admin/")
    page.get_by_label("Email").fill("agent@example.test")
    page.get_by_label("Password").fill("agent-password-123")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Marquee dashboard").click()

    assert page.locator("svg.chart").count() >= 2
    assert "Your staff role does not include any of these jobs." in page.content()
    assert page.get_by_role("button", name="Retrain recommendations now").count() == 0
    assert page.locator("table.jobs").count() == 0  # task results are not an agent's to read
    wait_until(page, "!document.querySelector('#queue-summary .queue-line').textContent.startsWith('Asking')")
    assert "default:" in page.locator("#queue-summary .queue-line").inner_text()

    page.get_by_role("link", name="Queue monitor →").click()
    assert page.locator("table.queues tr.queue").count() == 3
    assert page.goto("/admin/support_bot/supportticket/").status == 200  # the agent's own work
    assert page.goto("/admin/recommendations/modelversion/").status == 403  # not the agent's


@screenshot_on_failure
def test_a_real_video_plays_and_reports_its_progress(page, settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from catalog.models import MediaAsset
    from catalog.synthetic_media import demo_video

    settings.MEDIA_ROOT = tmp_path
    settings.ROOT_URLCONF = "web_media_urls"
    clip = tmp_path / "clip.webm"
    truth = demo_video(clip, seed=3)
    title = make_title("Short Film", runtime_minutes=1)
    video = MediaAsset(title=title, kind="video", role="feature", status="ready",
                       duration_s=truth["frames"] / truth["fps"])
    video.file.save("clip.webm", ContentFile(clip.read_bytes()), save=True)
    profile = make_profile(make_account("cinema@example.test", "correct-horse-battery"), name="Cinema",
                           onboarded_at=timezone.now())

    page.goto("/login/")
    page.get_by_label("Email").fill("cinema@example.test")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Cinema").click()
    page.goto(f"/watch/{title.pk}/")
    page.locator("video").evaluate("v => { v.muted = true; return v.play(); }")
    wait_until(page, "document.querySelector('video').ended", timeout_ms=30_000)
    wait_until(page, "document.getElementById('progress-status').textContent.startsWith('Saved: 100%')")

    event = ViewingEvent.objects.get(profile=profile)
    assert event.title == title and event.completion == 1.0
    assert event.seconds_watched >= int(video.duration_s) - 1
