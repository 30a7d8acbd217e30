"""Every kind of page, checked by axe-core in Chromium: no serious or critical violation."""

import pytest

from albums.models import Album, AlbumMember, ShareLink
from tests.browser.axe import assert_accessible, require_axe
from tests.browser.helpers import PHONE, login
from tests.browser.test_sharing_flow import restored_album  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def check(page, url: str, failures: list[str]) -> None:
    response = page.goto(url)
    assert response is not None
    page.wait_for_load_state("networkidle")
    try:
        assert_accessible(page, url)
    except AssertionError as exc:
        failures.append(str(exc))


def test_every_kind_of_page_passes_axe(page, restored_album, alice, bob, password):  # noqa: F811
    require_axe()
    album = restored_album
    photo = album.photos.order_by("position").first()
    unrestored = album.photos.order_by("position").last()
    version = photo.versions.first()
    open_link, token = ShareLink.create(album, label="For cousin Jean")
    _, locked_token = ShareLink.create(album, password="whitby-1956")
    gone, gone_token = ShareLink.create(album)
    gone.revoke()
    theirs = Album.objects.create(owner=bob, title="Bob's wedding")
    AlbumMember.objects.create(album=theirs, user=alice)
    failures: list[str] = []

    for url in (
        "/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        f"/s/{locked_token}/",
        f"/s/{gone_token}/",
        f"/s/{token}/",
        f"/s/{token}/photos/{photo.code}/",
        "/no-such-page/",
    ):
        check(page, url, failures)
    # The shared album's lightbox, open on a restored photo.
    page.goto(f"/s/{token}/")
    page.click("#share-grid .tile:first-child a")
    page.wait_for_selector("#lightbox:not([hidden]) .compare.slider")
    try:
        assert_accessible(page, "the shared album's lightbox")
    except AssertionError as exc:
        failures.append(str(exc))

    login(page, "alice", password)
    for url in (
        "/",
        "/albums/new/",
        album.get_absolute_url(),
        f"/albums/{album.code}/edit/",
        f"/albums/{album.code}/delete/",
        photo.get_absolute_url(),
        unrestored.get_absolute_url(),
        f"{photo.get_absolute_url()}delete/",
        f"{photo.get_absolute_url()}versions/{version.code}/delete/",
        f"/albums/{album.code}/share/",
        f"/albums/{album.code}/links/{open_link.code}/revoke/",
        "/shared/",
        theirs.get_absolute_url(),
        "/accounts/profile/",
        "/accounts/password/change/",
        "/api/docs/",
        f"/albums/{album.code}/photos/nothing-here/",
        "/search/",
        f"/search/?q={album.title.split()[0]}",
        "/search/?q=1935",
    ):
        check(page, url, failures)
    # The photo page with its details form open, and a bulk action's confirmation.
    page.goto(photo.get_absolute_url())
    page.click("#details-tool summary")
    try:
        assert_accessible(page, "the photo page, details open")
    except AssertionError as exc:
        failures.append(str(exc))
    page.goto(album.get_absolute_url())
    page.check("#photo-grid .tile:first-child .tile-select input")
    page.select_option("#bulk-action", "delete")
    page.click("#bulk-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    try:
        assert_accessible(page, "the bulk delete confirmation")
    except AssertionError as exc:
        failures.append(str(exc))
    # The album page with "Download all" open, and the photo page zoomed in, on a phone.
    page.goto(album.get_absolute_url())
    page.click(".download-all summary")
    states = [("the album page, Download all open", None)]
    states.append(("the photo page zoomed in, on a phone", photo.get_absolute_url()))
    for label, url in states:
        if url:
            page.set_viewport_size(PHONE)
            page.goto(url)
            page.wait_for_selector(".compare.slider")
            page.keyboard.press("+")
        try:
            assert_accessible(page, label)
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n".join(failures)
