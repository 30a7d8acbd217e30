"""Split a scan, straighten and crop a photo, paint a repair: in Chromium, against a live server."""

import base64

import cv2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from albums.models import Album, Photo
from restorer import tasks
from restorer.models import Restoration
from tests.browser.helpers import DESKTOP, PHONE, login, screenshot
from tests.browser.test_gallery_flow import DROP_FILES
from tests.images import encode
from tests.scans import layout, make_scan, print_picture

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def album(settings, alice):
    settings.RESTORER_PROVIDER = "local"
    return Album.objects.create(owner=alice, title="Flatbed scans")


def restore_all(photo: Photo) -> None:
    """Do the worker's part here, in the test, for the photo's queued restorations."""
    for version in photo.versions.filter(restoration__state=Restoration.State.QUEUED):
        tasks.prepare(version.restoration_id)


def a_photo(album) -> Photo:
    picture = cv2.GaussianBlur(print_picture(720, 480, seed=11), (0, 0), 1.5)
    upload = SimpleUploadedFile("garden.png", encode(Image.fromarray(picture), "PNG"))
    return album.add_photo(upload)


def test_split_an_uploaded_scan(page, album, password):
    size = (1200, 1600)
    placed = layout(size, [-30, 7, 0, 44], seed=4)
    scan = encode(Image.fromarray(make_scan(size, placed, seed=4)), "PNG")
    login(page, "alice", password)
    page.goto(album.get_absolute_url())
    page.check("#id_split")
    files = [{"name": "box.png", "data": base64.b64encode(scan).decode(), "type": "image/png"}]
    page.evaluate(DROP_FILES, files)
    # One scan, four photos: the finished upload folds into one line that counts them.
    page.wait_for_selector(".upload-summary-text:has-text('4 photos uploaded')")
    assert "4 photos" in page.text_content(".upload-item.done")
    page.wait_for_function("document.querySelectorAll('#photo-grid .tile img').length === 4")
    assert Photo.objects.filter(album=album).count() == 4
    assert len({p.original.name for p in Photo.objects.filter(album=album)}) == 1
    page.wait_for_function(
        "[...document.querySelectorAll('#photo-grid .tile img')]"
        ".every((img) => img.complete && img.naturalWidth > 0)"
    )
    screenshot(page, "split-scan-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    screenshot(page, "split-scan-phone")


def test_straighten_and_crop_a_photo(page, album, password):
    photo = a_photo(album)
    login(page, "alice", password)
    page.goto(photo.get_absolute_url())
    page.click("#edit-tool summary")
    page.wait_for_selector("#crop-box")
    page.wait_for_function("document.querySelector('.editor-canvas').width > 0")
    # the keyboard: a quarter turn back and forth, and half a degree of straightening
    page.focus("#crop-box")
    page.keyboard.press("r")
    page.keyboard.press("Shift+R")
    for _ in range(5):
        page.keyboard.press("]")
    assert page.input_value("#id_straighten") == "0.5"
    assert page.input_value("#id_rotate") == "0"
    # the mouse: drag the bottom right corner inwards, then the frame to the left
    handle = page.locator(".crop-handle.se").bounding_box()
    page.mouse.move(handle["x"] + 12, handle["y"] + 12)
    page.mouse.down()
    page.mouse.move(handle["x"] - 120, handle["y"] - 60, steps=5)
    page.mouse.up()
    box = page.locator("#crop-box").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 400, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    crop = [float(v) for v in page.input_value("#id_crop").split(",")]
    assert crop[0] == 0 and crop[2] < 0.9 and crop[3] < 0.95
    # the text limits beneath the fields follow what the editor wrote in them
    written = len(page.input_value("#id_crop"))
    assert page.text_content("#id_crop-count") == f"{written} / 120"
    assert page.text_content("#id_straighten-count") == "3 / 20"
    screenshot(page, "editor-desktop")
    page.set_viewport_size(PHONE)
    screenshot(page, "editor-phone")
    page.click("#edit-save")
    page.wait_for_selector("text=Edited.")
    photo.refresh_from_db()
    assert photo.frame is not None
    assert photo.width == round(crop[2] * 720) and photo.height == round(crop[3] * 480)
    latest = photo.latest_version.restoration
    assert latest.source_frame == photo.frame and latest.state == Restoration.State.QUEUED
    restore_all(photo)
    page.reload()
    page.wait_for_function("document.querySelector('.after img')?.naturalWidth > 0")
    assert photo.versions.count() == 2


def test_paint_a_stroke_repair_it_and_see_the_new_version(page, album, password):
    photo = a_photo(album)
    restore_all(photo)
    login(page, "alice", password)
    page.set_viewport_size(PHONE)
    page.goto(photo.get_absolute_url())
    page.click("#repair-tool summary")
    page.wait_for_function(
        "document.getElementById('brush-status').textContent.startsWith('R') ||"
        "document.getElementById('brush-status').textContent.startsWith('The engine')"
    )
    screenshot(page, "repair-brush-phone")
    page.click("#brush-clear")  # only what is painted here, to check exactly that
    page.locator("#brush-mask").scroll_into_view_if_needed()
    mask = page.locator("#brush-mask").bounding_box()
    x0, y = mask["x"] + mask["width"] * 0.2, mask["y"] + mask["height"] * 0.5
    page.mouse.move(x0, y)
    page.mouse.down()
    page.mouse.move(x0 + mask["width"] * 0.5, y, steps=8)
    page.mouse.up()
    # and a dab from the keyboard
    page.focus("#brush-mask")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowUp")
    page.click("#repair-submit")
    page.wait_for_selector("text=Repaired by hand")
    repair = photo.versions.get(restoration__repair_mask__gt="").restoration
    assert repair.provider == "local"
    restore_all(photo)
    page.reload()
    page.wait_for_selector(".version.is-shown >> text=Repaired by hand")
    repair.refresh_from_db()
    assert repair.state == Restoration.State.DONE
    screenshot(page, "repaired-phone")
    page.set_viewport_size(DESKTOP)
    page.click("#repair-tool summary")
    page.wait_for_selector("#brush-mask")
    screenshot(page, "repair-brush-desktop")


def touch_drag(page, start: tuple[float, float], end: tuple[float, float], steps: int = 6):
    """A finger's drag, as Chromium's touch input (pointer events of type touch)."""
    session = page.context.new_cdp_session(page)
    point = {"x": start[0], "y": start[1]}
    session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point]})
    for i in range(1, steps + 1):
        x = start[0] + (end[0] - start[0]) * i / steps
        y = start[1] + (end[1] - start[1]) * i / steps
        point = {"x": x, "y": y}
        session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_a_finger_crops_and_paints(browser, live_server, album, password):
    photo = a_photo(album)
    restore_all(photo)
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, has_touch=True,
                                  is_mobile=True, bypass_csp=True)  # fmt: skip
    page = context.new_page()
    try:
        login(page, "alice", password)
        page.goto(photo.get_absolute_url())
        page.click("#edit-tool summary")
        page.wait_for_function("document.querySelector('.editor-canvas').width > 0")
        page.locator("#crop-box").scroll_into_view_if_needed()
        handle = page.locator(".crop-handle.nw").bounding_box()
        corner = (handle["x"] + 8, handle["y"] + 8)
        touch_drag(page, corner, (corner[0] + 60, corner[1] + 40))
        x, y, w, h = (float(v) for v in page.input_value("#id_crop").split(","))
        assert x > 0.1 and y > 0.1 and w < 0.9 and h < 0.9

        page.click("#repair-tool summary")
        page.wait_for_selector("#brush-mask")
        page.click("#brush-clear")
        page.locator("#brush-mask").scroll_into_view_if_needed()
        mask = page.locator("#brush-mask").bounding_box()
        left = (mask["x"] + mask["width"] * 0.3, mask["y"] + mask["height"] * 0.4)
        touch_drag(page, left, (left[0] + mask["width"] * 0.3, left[1]))
        painted = page.evaluate(
            """() => {
              const c = document.getElementById('brush-mask');
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n += 1;
              return n;
            }"""
        )
        assert painted > 1000
        screenshot(page, "repair-brush-touch-phone")
    finally:
        context.close()
