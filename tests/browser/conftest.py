"""Browser tests: Playwright driving Debian's Chromium against a live server.

No browser is ever downloaded: the tests use the Chromium at CHROMIUM_PATH
(default /usr/bin/chromium) and skip, saying why, when there is none, except
in CI, where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.browser import axe
from tests.browser.helpers import DESKTOP

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# Chromium flags for a closed network and a root user in a container.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)"
        if os.environ.get("BROWSER_TESTS_REQUIRED"):
            pytest.fail(reason)
        pytest.skip(reason)
    # Playwright's synchronous API runs an event loop in this thread; the tests'
    # own ORM calls are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    # Playwright's wait_for_function evaluates strings inside the page, which the site's
    # Content-Security-Policy forbids; test_csp_in_a_browser.py runs with it enforced.
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    # Wherever a test leaves its page (a lightbox open, a tool in use, an error shown),
    # axe-core checks it; test_accessibility.py visits every kind of page besides.
    found = axe.violations(page) if axe.available() and not page.is_closed() else []
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
    assert not found, axe.describe("the page this test ended on", found)
