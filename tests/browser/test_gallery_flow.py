import base64
import re

import pytest
from django.core import mail

from albums.models import Album, Photo
from tests import images
from tests.browser.helpers import DESKTOP, PHONE, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

DROP_FILES = """async (files) => {
  const transfer = new DataTransfer();
  for (const file of files) {
    const bytes = Uint8Array.from(atob(file.data), (c) => c.charCodeAt(0));
    transfer.items.add(new File([bytes], file.name, { type: file.type }));
  }
  const zone = document.getElementById("dropzone");
  zone.dispatchEvent(new DragEvent("dragenter", { dataTransfer: transfer, bubbles: true }));
  const init = { dataTransfer: transfer, bubbles: true, cancelable: true };
  zone.dispatchEvent(new DragEvent("drop", init));
}"""


def as_drop(name: str, data: bytes, mime: str) -> dict:
    return {"name": name, "data": base64.b64encode(data).decode(), "type": mime}


def test_sign_up_create_an_album_drop_three_photos_and_open_one(page):
    page.goto("/")
    page.click("text=Start an album")
    page.fill('input[name="username"]', "margaret")
    page.fill('input[name="email"]', "margaret@example.org")
    page.fill('input[name="password1"]', "a long family password 1931")
    page.fill('input[name="password2"]', "a long family password 1931")
    page.click('button:has-text("Sign up")')
    page.wait_for_selector("text=Check your e-mail")
    # The address is proved by the link sent to it; the account is made then.
    [message] = mail.outbox
    page.goto(re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1))
    page.click('button:has-text("Create my account")')
    page.wait_for_selector("text=Create your first album")

    page.click('a:has-text("Create your first album")')
    page.fill('input[name="title"]', "Holidays in Cornwall")
    page.fill('textarea[name="description"]', "Dad's slides, 1958 to 1963")
    page.click('button:has-text("Create album")')
    page.wait_for_selector("h1:has-text('Holidays in Cornwall')")
    album = Album.objects.get(title="Holidays in Cornwall")
    assert page.url.endswith(f"/albums/{album.code}/")

    files = [
        as_drop("beach.jpg", images.jpeg(640, 480, seed=1), "image/jpeg"),
        as_drop("harbour.png", images.png(500, 400, seed=2), "image/png"),
        as_drop("picnic.jpg", images.jpeg(480, 640, seed=3), "image/jpeg"),
    ]
    page.evaluate(DROP_FILES, files)
    page.wait_for_function("document.querySelectorAll('.upload-item.done').length === 3")
    page.wait_for_function("document.querySelectorAll('#photo-grid .tile img').length === 3")
    assert Photo.objects.filter(album=album).count() == 3
    assert page.inner_text("#photo-count") == "3 photos"
    page.wait_for_function(
        "[...document.querySelectorAll('#photo-grid .tile img')]"
        ".every((img) => img.complete && img.naturalWidth > 0)"
    )
    for img in page.query_selector_all("#photo-grid .tile img"):
        assert img.get_attribute("width") and img.get_attribute("height")
    screenshot(page, "album-after-drop-desktop")

    # Uploads run in parallel and finish in any order; the page shows album order.
    page.reload()
    page.click("#photo-grid .tile:nth-child(2) a")
    page.wait_for_selector(".stage-image")
    # Loaded, whether from this site or (on S3) through a redirect to the bucket.
    page.wait_for_function("document.querySelector('.stage-image').naturalWidth > 0")
    assert "Photo 2 of 3" in page.inner_text(".crumbs")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('.crumbs').innerText.includes('Photo 3 of 3')")
    screenshot(page, "photo-desktop")


def test_a_refused_file_is_reported_in_place(page, alice, password, album):
    login(page, "alice", password)
    page.goto(album.get_absolute_url())
    page.evaluate(
        DROP_FILES,
        [
            as_drop("letter.txt", b"not a photo", "text/plain"),
            as_drop("good.jpg", images.jpeg(seed=7), "image/jpeg"),
        ],
    )
    page.wait_for_selector(".upload-item.failed")
    # The finished upload folds into one line; the refused file stays in sight.
    page.wait_for_selector(".upload-summary-text:has-text('1 photo uploaded')")
    failed = page.inner_text(".upload-item.failed")
    assert "letter.txt is not a picture in a format we accept" in failed
    assert album.photos.count() == 1


def test_the_form_works_without_javascript(browser, live_server, alice, password, album, tmp_path):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    login(page, "alice", password)
    page.goto(album.get_absolute_url())
    first, second = tmp_path / "one.jpg", tmp_path / "two.png"
    first.write_bytes(images.jpeg(seed=11))
    second.write_bytes(images.png(seed=12))
    page.set_input_files('input[name="photos"]', [str(first), str(second)])
    page.click("#upload-submit")
    page.wait_for_selector("text=2 photos uploaded.")
    assert album.photos.count() == 2
    context.close()


PAGES = {
    "landing": "/",
    "signup": "/accounts/signup/",
    "login": "/accounts/login/",
}


@pytest.mark.parametrize("size_name, viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_every_page_fits_phones_and_desktops(
    browser, live_server, alice, bob, password, size_name, viewport
):
    context = browser.new_context(viewport=viewport, base_url=live_server.url, bypass_csp=True)
    page = context.new_page()

    def check(name: str, url: str) -> None:
        page.goto(url)
        overflow = page.evaluate(
            "document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px on a {size_name}"
        screenshot(page, f"{name}-{size_name}")

    for name, url in PAGES.items():
        check(name, url)

    album = Album.objects.create(
        owner=alice, title="The Whitakers, 1920-1960", description="From the attic in Leeds."
    )
    for seed in range(7):
        album.add_photo(_upload(f"scan-{seed:02d}.jpg", images.jpeg(400 + seed * 30, 300, seed)))
    Album.objects.create(owner=alice, title="Empty for now")
    photo = album.photos.first()
    login(page, "alice", password)
    check("albums", "/")
    check("album", album.get_absolute_url())
    check("photo", photo.get_absolute_url())
    check("album-new", "/albums/new/")
    check("album-edit", f"/albums/{album.code}/edit/")
    check("album-delete", f"/albums/{album.code}/delete/")
    check("photo-delete", f"{photo.get_absolute_url()}delete/")
    from albums.models import AlbumMember, ShareLink

    link, token = ShareLink.create(album, label="For the cousins", password="")
    ShareLink.create(album, label="Old link")[0].revoke()
    check("share", f"/albums/{album.code}/share/")
    check("shared", "/shared/")
    check("share-visitor", f"/s/{token}/")
    check("share-visitor-photo", f"/s/{token}/photos/{photo.code}/")
    other = Album.objects.create(owner=bob, title="Bob's wedding photos")
    AlbumMember.objects.create(album=other, user=alice)
    check("albums-with-shared", "/")
    check("profile", "/accounts/profile/")
    check("password-change", "/accounts/password/change/")
    check("not-found", "/albums/nope/")
    context.close()


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
