"""API keys in a real browser: made on the profile page, copied once, revoked; the API page."""

import pytest

from restorer.api.models import ApiKey
from tests.browser.helpers import DESKTOP, PHONE, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_key_is_made_copied_once_and_revoked(page, alice, password, album):
    login(page, "alice", password)
    page.goto("/accounts/profile/")
    page.fill('input[name="name"]', "GIMP on the studio PC")
    page.click("button:has-text('Make a key')")
    shown = page.input_value("#new-api-key")
    assert shown.startswith("rk_")
    assert ApiKey.authenticate(shown).name == "GIMP on the studio PC"
    page.locator("#api-keys").scroll_into_view_if_needed()
    screenshot(page, "api-keys-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "api-keys-phone")
    page.set_viewport_size(DESKTOP)

    page.reload()
    assert page.locator("#new-api-key").count() == 0  # shown once
    page.select_option(".key-album select", album.code)
    page.click(".key-album button")
    assert "are now kept in" in page.content()
    assert ApiKey.objects.get().album_code == album.code
    assert "0 tasks this month, 0 in total" in page.content()
    page.click("button:has-text('Revoke')")
    assert "was revoked" in page.content()
    assert ApiKey.authenticate(shown) is None


def test_the_api_page_reads_well(page):
    page.goto("/api/docs/")
    assert "curl" in page.content()
    screenshot(page, "api-docs-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "api-docs-phone")
