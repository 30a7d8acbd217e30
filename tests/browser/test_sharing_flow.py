"""Sharing in a real browser: a password link, a visitor who compares and downloads, a revoke."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from albums.models import Album
from restorer import tasks
from tests import images
from tests.browser.helpers import DESKTOP, PHONE, login, screenshot
from tests.browser.test_restoration_live import old_photo

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def restored_album(settings, alice):
    settings.RESTORER_PROVIDER = "local"
    album = Album.objects.create(
        owner=alice, title="Summer in Whitby", description="Aunt May's prints, 1956."
    )
    for seed in range(3):
        photo = album.add_photo(SimpleUploadedFile(f"print-{seed}.jpg", old_photo(seed)))
        photo.caption = f"On the pier, print {seed + 1}"
        photo.save(update_fields=["caption"])
        tasks.prepare(photo.latest_version.restoration_id)
    album.add_photo(SimpleUploadedFile("not-restored.jpg", images.jpeg(seed=9)))
    return album


def test_a_password_link_a_visitor_and_a_revoke(
    browser, live_server, page, restored_album, password
):
    album = restored_album
    login(page, "alice", password)
    page.goto(album.get_absolute_url())
    page.click(".head-actions a:has-text('Share')")
    page.fill('input[name="label"]', "For cousin Jean")
    page.select_option('select[name="expires_in_days"]', "7")
    page.fill('input[name="password"]', "whitby-1956")
    page.click("button:has-text('Make a link')")
    url = page.input_value("#new-link")
    assert "/s/" in url
    screenshot(page, "share-owner-desktop")

    visitor_context = browser.new_context(viewport=DESKTOP, accept_downloads=True, bypass_csp=True)
    visitor = visitor_context.new_page()
    visitor.goto(url)
    assert "This album is protected" in visitor.content()
    visitor.fill('input[name="password"]', "not it")
    visitor.click("button:has-text('Open the album')")
    assert "That is not the password" in visitor.content()
    visitor.fill('input[name="password"]', "whitby-1956")
    visitor.click("button:has-text('Open the album')")
    visitor.wait_for_selector("h1:has-text('Summer in Whitby')")
    assert "alice" not in visitor.inner_text("main")
    visitor.wait_for_function(
        "[...document.querySelectorAll('#share-grid img')]"
        ".every((i) => i.complete && i.naturalWidth > 0)"
    )
    screenshot(visitor, "share-visitor-desktop")

    visitor.click("#share-grid .tile:first-child a")
    visitor.wait_for_selector("#lightbox:not([hidden]) .compare.slider")
    visitor.wait_for_function("document.querySelector('#lightbox .after img').naturalWidth > 0")
    box = visitor.query_selector("#lightbox-figure").bounding_box()
    visitor.mouse.click(box["x"] + box["width"] * 0.2, box["y"] + box["height"] / 2)
    split = visitor.evaluate(
        "getComputedStyle(document.getElementById('lightbox-figure')).getPropertyValue('--split')"
    )
    assert split.strip() not in ("", "50%")
    screenshot(visitor, "share-lightbox-desktop")
    visitor.keyboard.press("Escape")

    with visitor.expect_download() as download_info:
        visitor.click("a:has-text('Download all')")
    archive = zipfile.ZipFile(io.BytesIO(open(download_info.value.path(), "rb").read()))
    assert sorted(archive.namelist()) == [
        "Summer in Whitby - 001 - On the pier, print 1 (restored).jpg",
        "Summer in Whitby - 002 - On the pier, print 2 (restored).jpg",
        "Summer in Whitby - 003 - On the pier, print 3 (restored).jpg",
        "Summer in Whitby - 004.jpg",  # uncaptioned: no uploader's file name
    ]
    thumb_url = visitor.get_attribute("#share-grid .tile:first-child img", "src")

    # The owner changes her mind.
    page.click("a:has-text('Revoke')")
    assert "loses access at once" in page.inner_text("main")
    page.click("button:has-text('Revoke the link')")
    page.wait_for_selector("text=no longer works")
    response = visitor.goto(url)
    assert response.status == 410
    assert "turned off" in visitor.content()
    assert visitor.request.get(live_server.url + thumb_url).status == 404
    visitor.set_viewport_size(PHONE)
    screenshot(visitor, "share-revoked-phone")
    visitor_context.close()
