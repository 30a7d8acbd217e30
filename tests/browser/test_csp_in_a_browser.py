"""The site's pages work in Chromium with their Content-Security-Policy enforced."""

import pytest

from albums.models import ShareLink
from tests.browser.helpers import DESKTOP, login
from tests.browser.test_sharing_flow import restored_album  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_no_page_breaks_its_own_policy(browser, live_server, restored_album, password):  # noqa: F811
    album = restored_album
    _, token = ShareLink.create(album)
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on("pageerror", lambda error: refused.append(str(error)))
    try:
        login(page, "alice", password)
        photo = album.photos.order_by("position").first()
        for url in (
            album.get_absolute_url(),
            photo.get_absolute_url(),
            f"/albums/{album.code}/share/",
            f"/s/{token}/",
            f"/s/{token}/photos/{photo.code}/",
        ):
            page.goto(url)
            page.wait_for_load_state("networkidle")
            # Pictures load, from this site or (on S3) through a redirect to the bucket.
            first = page.locator("img").first
            first.wait_for()
            assert page.evaluate("(img) => img.naturalWidth", first.element_handle()) > 0, url
        # The album page's script runs: its live status fills the photo count.
        page.goto(album.get_absolute_url())
        page.wait_for_selector("#photo-count")
        page.goto(f"/albums/{album.code}/share/")
        page.click("button:has-text('Make a link')")
        page.wait_for_selector("[data-copy]")
        page.click("[data-copy]")
        page.wait_for_selector("[data-copy]:has-text('Copied')")
    finally:
        context.close()
    assert refused == []
