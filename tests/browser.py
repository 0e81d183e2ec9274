"""One way to start headless Chromium (Debian's package, driven by Playwright): the browser tests and
bench/screenshots.py both launch it here."""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextmanager
def open_chromium(executable: str = CHROMIUM) -> Iterator:
    """A Playwright `Browser` on the given Chromium, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def launched_chromium() -> Iterator:
    """`open_chromium()` for a test; skips the test without Chromium (fails it when CI=true requires one)."""
    import pytest

    if not shutil.which(CHROMIUM):
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium, or `make browser`)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}, but CI=true requires the browser tests", pytrace=False)
        pytest.skip(reason)
    # Playwright's sync API keeps an event loop on this thread; the ORM calls the tests make
    # between browser steps are ordinary blocking calls, which Django would otherwise refuse.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with open_chromium() as browser:
        yield browser
