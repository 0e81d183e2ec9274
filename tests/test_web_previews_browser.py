"""In headless Chromium: the title page plays its chosen preview window muted, a home card plays its preview
on hover or keyboard focus, and a viewer who prefers reduced motion gets no motion until they ask for it.
(Fixtures from test_web_browser.)"""
# ruff: noqa: F811  (pytest fixtures imported from test_web_browser are redefined as arguments)

import pytest
from django.core.files import File
from django.utils import timezone
from tagging_media import shot, write_video
from test_web_account_browser import PASSWORD, sign_in
from test_web_browser import browser, page, screenshot_on_failure, wait_until  # noqa: F401  (fixtures)

from artwork.models import PreviewCandidate, PreviewImpression
from catalog.models import MediaAsset
from factories import make_account, make_profile, make_title, watch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
START_S, END_S = 2.0, 17.0  # a 15 s window, the shortest a proposal makes, inside a 20 s video
HOVER_DELAY_MS = 350  # artwork/preview.js waits this long so a pointer passing over a card starts nothing
FRAGMENT = f"#t={START_S:g},{END_S:g}"
CARD = "section.row[data-row=continue_watching] .card-link"
CARD_VIDEO = f"{CARD} video.card-preview"
# Counts the card-preview requests preview.js makes, so a test can tell that none was made.
COUNT_PREVIEW_REQUESTS = """
window.previewRequests = [];
const send = window.fetch;
window.fetch = function (url, options) {
  if (String(url).includes("/preview/")) window.previewRequests.push(String(url));
  return send.call(this, url, options);
};
"""


@pytest.fixture
def previewed(settings, tmp_path):
    """A title with a ready 20 s VP8 WebM (which Chromium plays) and one approved preview window, and a
    viewer part-way through it, so its card leads the home page (Continue Watching)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ROOT_URLCONF = "web_media_urls"
    frames = [frame for k in range(5) for frame in shot(60 + k, 48, pan=2.0)]  # five 4 s shots at 12 fps
    clip = write_video(tmp_path / "harbour.webm", frames, fourcc="VP80", fps=12.0)
    title = make_title("Night Harbour", runtime_minutes=95, synopsis="Smugglers work the docks after dark.")
    asset = MediaAsset(title=title, kind=MediaAsset.Kind.VIDEO, role=MediaAsset.Role.TRAILER,
                       status=MediaAsset.Status.READY, duration_s=len(frames) / 12.0)
    with clip.open("rb") as handle:
        asset.file.save("harbour.webm", File(handle), save=True)
    window = PreviewCandidate.objects.create(title=title, asset=asset, first_shot=0, last_shot=3,
                                             start_s=START_S, end_s=END_S, score=0.9)
    profile = make_profile(make_account("previews@example.test", PASSWORD), name="Previewer",
                           onboarded_at=timezone.now())
    watch(profile, title, completion=0.3)
    for i in range(4):
        make_title(f"Still Title {i}", runtime_minutes=90)  # cards without a preview around it
    return title, window, profile


def card_preview_plays(page) -> None:
    wait_until(page, f"(v => !!v && !v.paused && v.muted && v.currentTime >= {START_S})"
                     f"(document.querySelector('{CARD_VIDEO}'))")


@screenshot_on_failure
def test_the_title_page_plays_the_chosen_window_muted(page, previewed):
    title, window, profile = previewed
    sign_in(page, "previews@example.test", "Previewer")

    page.goto(f"/title/{title.pk}/")
    video = page.locator("video[data-title-preview]")
    assert video.get_attribute("src").endswith(FRAGMENT)
    assert video.evaluate("v => v.muted && v.hasAttribute('muted')")
    # It takes the artwork's whole slot (the figure around it had its default margins, 80 px narrower).
    assert video.evaluate("v => v.getBoundingClientRect().left === v.closest('.title-page').getBoundingClientRect().left")
    # Chromium honours the fragment's start: playback begins inside the window, not at 0.
    wait_until(page, f"(v => !v.paused && v.currentTime >= {START_S})"
                     "(document.querySelector('video[data-title-preview]'))")
    toggle = page.get_by_role("button", name="Pause preview")
    assert toggle.get_attribute("aria-pressed") == "true"
    toggle.click()  # the viewer can stop it
    assert video.evaluate("v => v.paused")
    assert page.get_by_role("button", name="Play preview").get_attribute("aria-pressed") == "false"
    logged = PreviewImpression.objects.get(profile=profile)
    assert (logged.surface, logged.preview_id) == ("title", window.pk)


@screenshot_on_failure
def test_a_home_card_plays_its_preview_on_hover_and_on_keyboard_focus(page, previewed):
    title, window, profile = previewed
    sign_in(page, "previews@example.test", "Previewer")
    card = page.locator(CARD, has_text="Night Harbour")
    assert card.get_attribute("data-preview-url") == f"/title/{title.pk}/preview/"

    card.hover()
    card_preview_plays(page)
    assert page.locator(CARD_VIDEO).get_attribute("src").endswith(FRAGMENT)
    page.mouse.move(0, 0)  # the pointer leaves: the preview goes, the artwork is back
    assert page.locator(CARD_VIDEO).count() == 0

    for _ in range(40):  # Tab through the header to the card, as a keyboard user does
        page.keyboard.press("Tab")
        if card.evaluate("link => link === document.activeElement"):
            break
    assert card.evaluate("link => link === document.activeElement && link.matches(':focus-visible')")
    card_preview_plays(page)
    page.keyboard.press("Tab")  # focus moves on: the preview stops
    assert page.locator(CARD_VIDEO).count() == 0
    # One answer per page, however often the card is pointed at, logged with the window it named.
    assert list(PreviewImpression.objects.filter(surface="card").values_list("profile", "preview")) == [
        (profile.pk, window.pk)
    ]


@screenshot_on_failure
def test_with_reduced_motion_nothing_plays_until_the_viewer_asks(page, previewed):
    title, window, profile = previewed
    page.emulate_media(reduced_motion="reduce")  # CDP Emulation.setEmulatedMedia, for every page of this tab
    page.add_init_script(COUNT_PREVIEW_REQUESTS)
    page.clock.install()  # so the test, not the wall clock, says when the hover delay has passed
    sign_in(page, "previews@example.test", "Previewer")

    card = page.locator(CARD, has_text="Night Harbour")
    card.hover()
    page.clock.run_for(HOVER_DELAY_MS * 3)
    card.focus()
    page.clock.run_for(HOVER_DELAY_MS * 3)
    assert page.evaluate("window.previewRequests") == []
    assert page.locator(CARD_VIDEO).count() == 0

    page.goto(f"/title/{title.pk}/")  # preview.js has run by the load event: a play() it made would show
    video = page.locator("video[data-title-preview]")
    assert video.evaluate("v => v.paused && v.played.length === 0 && v.poster !== ''")  # the artwork shows
    toggle = page.get_by_role("button", name="Play preview")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()  # asked for: it plays the window
    wait_until(page, f"(v => !v.paused && v.currentTime >= {START_S})"
                     "(document.querySelector('video[data-title-preview]'))")
    assert page.get_by_role("button", name="Pause preview").get_attribute("aria-pressed") == "true"
