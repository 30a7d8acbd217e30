"""Sharing in a family, in a real browser: an invitation to an address with no account,
signing up from it, and the header on a phone."""

import pytest

from albums.models import Album
from tests.browser.helpers import DESKTOP, PHONE, invitation_path, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_newcomer_signs_up_from_the_invitation_and_adds_photos(
    browser, live_server, page, alice, password
):
    album = Album.objects.create(owner=alice, title="The Whitfields")
    login(page, "alice", password)
    page.goto(f"/albums/{album.code}/share/")
    page.fill('input[name="who"]', "margaret@example.org")
    page.check('input[name="role"][value="contributor"]')
    page.click("button:has-text('Send an invitation')")
    assert "An invitation was sent to margaret@example.org" in page.inner_text(".messages")
    assert "as contributor" in page.inner_text("main")

    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    newcomer = context.new_page()
    newcomer.goto(invitation_path())
    newcomer.click("main a:has-text('Sign up')")
    assert newcomer.input_value('input[name="email"]') == "margaret@example.org"
    newcomer.fill('input[name="username"]', "margaret.whitfield1952")
    newcomer.fill('input[name="password1"]', password)
    newcomer.fill('input[name="password2"]', password)
    newcomer.click("button:has-text('Sign up and open the album')")
    newcomer.wait_for_url(f"**/albums/{album.code}/")
    assert newcomer.is_visible("#upload-form")
    screenshot(newcomer, "family-newcomer-album-phone")

    # The header on a phone: albums, "Shared with me" and the account, the name uncut.
    for selector in (".nav-albums", ".nav-shared-with-me", ".topnav .who"):
        box = newcomer.locator(selector).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], selector
    who = newcomer.locator(".topnav .who")
    assert who.inner_text().strip().endswith("margaret.whitfield1952")
    assert who.evaluate("e => e.scrollWidth <= e.clientWidth")
    newcomer.click(".nav-shared-with-me")
    assert "The Whitfields" in newcomer.inner_text("main")
    screenshot(newcomer, "family-shared-with-me-phone")
    context.close()


def test_a_member_logs_in_by_address_and_accepts(browser, live_server, page, alice, bob, password):
    album = Album.objects.create(owner=alice, title="The Whitfields")
    login(page, "alice", password)
    page.goto(f"/albums/{album.code}/share/")
    page.fill('input[name="who"]', "bob")
    page.click("button:has-text('Send an invitation')")

    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url)
    member = context.new_page()
    member.goto(invitation_path())
    member.click("main a:has-text('Log in')")
    member.fill('input[name="username"]', "BOB@example.org")
    member.fill('input[name="password"]', password)
    member.click('button[type="submit"]')
    member.click("button:has-text('Accept')")
    member.wait_for_url(f"**/albums/{album.code}/")
    assert "Shared with you by" in member.inner_text("main")
    assert not member.is_visible("#upload-form")  # a viewer
    context.close()
