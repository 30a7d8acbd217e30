"""The "remove toning" checkbox in a browser: it reads well and works at phone and desktop sizes."""

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from albums.models import Album
from restorer import tasks
from tests.browser.helpers import PHONE, login, screenshot

pytestmark = pytest.mark.django_db(transaction=True)
DESKTOP = {"width": 1280, "height": 900}
LABEL = "Remove sepia or other toning (neutral black and white)"


def sepia_print() -> bytes:
    rng = np.random.default_rng(5)
    y, x = np.mgrid[0:300, 0:400]
    grey = np.clip(60 + 140 * (0.5 + 0.5 * np.sin(x / 50) * np.cos(y / 40)), 0, 255)
    grey = np.clip(grey + rng.normal(0, 5, grey.shape), 0, 255)
    rgb = np.stack([grey, grey * 0.88, grey * 0.7], axis=2).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def fits_the_width(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_the_album_form_offers_the_checkbox_and_saves_it(page, settings, alice, password):
    settings.RESTORER_PROVIDER = "local"
    login(page, "alice", password)
    page.goto("/albums/new/")
    box = page.get_by_label(LABEL)
    assert box.is_visible() and not box.is_checked()
    help_text = page.locator(".field:has(#id_remove_toning) .help")
    assert "ignored when the photo is colorized" in help_text.inner_text()
    page.fill('input[name="title"]', "Sepia prints")
    page.get_by_text(LABEL).click()  # the words tick the box, not only the box itself
    assert box.is_checked()
    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        box.scroll_into_view_if_needed()
        assert fits_the_width(page)
        screenshot(page, f"remove-toning-album-form-{name}")
    page.click('main button[type="submit"]')
    page.wait_for_url("**/albums/*/")
    assert Album.objects.get(owner=alice).remove_toning is True


def test_the_photo_page_says_the_toning_was_removed(page, settings, alice, password):
    settings.RESTORER_PROVIDER = "local"
    album = Album.objects.create(owner=alice, title="Sepia", restoration_type=1, remove_toning=True)
    photo = album.add_photo(SimpleUploadedFile("sepia.jpg", sepia_print()))
    tasks.prepare(photo.versions.get().restoration_id)  # the worker's task, run here
    login(page, "alice", password)
    page.goto(photo.get_absolute_url())
    page.wait_for_function("document.querySelector('.after img').naturalWidth > 0")
    assert "The toning was removed to leave a neutral black-and-white print." in page.inner_text(
        ".restoration .notes"
    )
    assert "toning removed" in page.inner_text(".versions")
    page.click("details.restore-again summary")
    box = page.get_by_label(LABEL)
    assert box.is_checked()  # the newest version's options
    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        box.scroll_into_view_if_needed()
        assert fits_the_width(page)
        screenshot(page, f"remove-toning-photo-{name}")
