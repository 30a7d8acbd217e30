"""A closer look: the before/after zooms, pans and goes full screen, with both pictures aligned."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from albums.models import Album
from restorer import tasks
from tests import images
from tests.browser.helpers import PHONE, login, screenshot
from tests.browser.test_gallery_flow import DROP_FILES, as_drop

pytestmark = pytest.mark.django_db(transaction=True)

STATE = """() => {
  const figure = document.getElementById("compare");
  const view = figure.querySelector(".compare-view");
  const [before, after] = [...view.querySelectorAll(".stage-image")];
  const box = (node) => {
    const r = node.getBoundingClientRect();
    return [r.x, r.y, r.width, r.height];
  };
  return {
    zoom: parseFloat(figure.dataset.zoom),
    maxZoom: parseFloat(figure.dataset.maxZoom),
    natural: Math.max(before.naturalWidth, after.naturalWidth),
    viewWidth: view.clientWidth,
    view: box(view),
    range: box(view.querySelector(".compare-range")),
    labels: [...view.querySelectorAll("figcaption")].map((f) => [f.textContent, box(f)]),
    before: before.style.transform,
    after: after.style.transform,
    ratio: before.naturalWidth / before.naturalHeight,
    fullscreen: document.fullscreenElement === figure,
  };
}"""


@pytest.fixture
def big_photo(settings, alice):
    """A restored photo much wider than the screen shows it, and a second one after it."""
    settings.RESTORER_PROVIDER = "local"
    album = Album.objects.create(owner=alice, title="Wedding day", restoration_type=0)
    photo = album.add_photo(SimpleUploadedFile("wedding.jpg", images.jpeg(1500, 1000, seed=4)))
    tasks.prepare(photo.latest_version.restoration_id)
    album.add_photo(SimpleUploadedFile("cake.jpg", images.jpeg(seed=5)))
    return photo


def wait_for_pictures(page):
    page.wait_for_selector("#compare.slider .compare-view")
    page.wait_for_function(
        "[...document.querySelectorAll('#compare .stage-image')]"
        ".every((img) => img.complete && img.naturalWidth > 0)"
    )


def settle(page):
    # The transform is written on the next animation frame.
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)))")


def test_zoom_pan_and_full_screen_keep_before_and_after_aligned(page, big_photo, password):
    login(page, "alice", password)
    page.goto(big_photo.get_absolute_url())
    wait_for_pictures(page)
    state = page.evaluate(STATE)
    # The slider spans the picture only, in its proportions, with its labels on it.
    x, y, w, h = state["view"]
    assert state["range"] == state["view"]
    assert abs(w / h - state["ratio"]) < 0.02
    assert [text for text, _ in state["labels"]] == ["Before", "After"]
    for _, (lx, ly, lw, lh) in state["labels"]:
        assert x <= lx and lx + lw <= x + w and y <= ly and ly + lh <= y + h
    assert state["zoom"] == 1
    # Up to one pixel of the picture per pixel of the screen, no further.
    assert state["maxZoom"] == pytest.approx(state["natural"] / state["viewWidth"], abs=0.001)
    assert state["maxZoom"] > 1.2

    page.keyboard.press("+")
    settle(page)
    zoomed = page.evaluate(STATE)
    assert 1 < zoomed["zoom"] < zoomed["maxZoom"]
    assert "scale(" in zoomed["before"] and zoomed["before"] == zoomed["after"]
    for _ in range(12):
        page.keyboard.press("+")
    settle(page)
    capped = page.evaluate(STATE)
    assert capped["zoom"] == pytest.approx(capped["maxZoom"], abs=0.001)
    assert page.is_disabled("#compare .zoom-in")

    # Arrow keys pan while zoomed (and do not go to the next photo).
    url = page.url
    page.keyboard.press("ArrowRight")
    settle(page)
    panned = page.evaluate(STATE)
    assert page.url == url
    assert panned["before"] != capped["before"] and panned["before"] == panned["after"]
    # Dragging pans too, and the handle still moves the split.
    page.mouse.move(x + w / 4, y + h / 2)
    page.mouse.down()
    page.mouse.move(x + w / 4 + 60, y + h / 2 + 30, steps=4)
    page.mouse.up()
    settle(page)
    dragged = page.evaluate(STATE)
    assert dragged["before"] != panned["before"] and dragged["before"] == dragged["after"]
    page.mouse.move(x + w / 2, y + h / 3)
    page.mouse.down()
    page.mouse.move(x + w * 0.8, y + h / 3, steps=4)
    page.mouse.up()
    split = page.evaluate(
        "getComputedStyle(document.getElementById('compare')).getPropertyValue('--split')"
    )
    assert float(split.strip().rstrip("%")) == pytest.approx(80, abs=2)
    assert page.evaluate(STATE)["before"] == dragged["before"]  # the split moved, not the picture
    screenshot(page, "photo-zoomed-desktop")

    page.keyboard.press("-")
    settle(page)
    assert page.evaluate(STATE)["zoom"] < capped["zoom"]
    page.keyboard.press("0")
    settle(page)
    assert page.evaluate(STATE)["zoom"] == 1
    # The wheel zooms where the pointer is.
    page.mouse.move(x + w * 0.3, y + h * 0.3)
    page.mouse.wheel(0, -300)
    settle(page)
    assert page.evaluate(STATE)["zoom"] > 1
    page.click("#compare .zoom-fit")
    settle(page)
    assert page.evaluate(STATE)["zoom"] == 1

    # Full screen, and Escape leaves it.
    page.click("#compare .compare-fullscreen")
    page.wait_for_function("document.fullscreenElement === document.getElementById('compare')")
    # The button follows the browser's fullscreenchange event, which comes a moment later.
    page.wait_for_selector('#compare .compare-fullscreen[aria-pressed="true"]')
    page.keyboard.press("Escape")
    page.wait_for_function("document.fullscreenElement === null")
    page.wait_for_selector('#compare .compare-fullscreen[aria-pressed="false"]')

    # Not zoomed, the arrow keys go from photo to photo as before.
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelector('.crumbs').innerText.includes('Photo 2 of 2')")


def test_text_limits_are_counted_as_you_type(page, big_photo, password):
    login(page, "alice", password)
    page.goto(big_photo.get_absolute_url())
    page.click("#details-tool summary")
    counter = page.locator("#id_caption-count")
    assert counter.inner_text() == "0 / 2000"
    assert counter.get_attribute("aria-live") == "polite"
    page.fill("#id_caption", "Aunt May and Uncle Tom")
    assert counter.inner_text() == "22 / 2000"
    # A search box is never near its limit: it gets no counter.
    assert page.locator("#site-search-q-count").count() == 0
    page.goto(f"/albums/{big_photo.album.code}/edit/")
    assert page.locator("#id_title-count").inner_text() == "11 / 200"
    assert page.locator("#id_description-count").inner_text() == "0 / 5000"


def test_uploads_fold_into_one_line_and_leaving_mid_upload_asks(page, album, password):
    login(page, "alice", password)
    page.goto(album.get_absolute_url())
    page.evaluate(
        DROP_FILES, [as_drop(f"scan-{n}.jpg", images.jpeg(seed=n), "image/jpeg") for n in range(3)]
    )
    page.wait_for_selector(".upload-summary:not([hidden])")
    assert page.inner_text(".upload-summary-text") == "3 photos uploaded"
    page.wait_for_function("document.querySelectorAll('#photo-grid .tile img').length === 3")
    alts = page.eval_on_selector_all("#photo-grid .tile img", "(imgs) => imgs.map((i) => i.alt)")
    assert sorted(alts) == [f"Photo {n} of Grandma's box" for n in (1, 2, 3)]
    assert page.locator(".upload-item.done:visible").count() == 0
    page.click(".upload-summary button")
    assert page.locator(".upload-item.done:visible").count() == 3
    page.click(".upload-summary button:has-text('Hide the list')")
    assert page.locator(".upload-item.done:visible").count() == 0
    # The drop zone shows where the keyboard is.
    page.focus(".head-actions a:has-text('Edit album')")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_photos"
    outline = page.evaluate("getComputedStyle(document.getElementById('dropzone')).outlineStyle")
    assert outline == "solid"

    # An upload on its way: leaving the page asks first.
    held = []
    page.route("**/upload/", lambda route: held.append(route))
    page.evaluate(DROP_FILES, [as_drop("slow.jpg", images.jpeg(seed=9), "image/jpeg")])
    page.wait_for_function(
        "document.querySelector('.upload-item .state').textContent !== 'Waiting…'"
    )
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    page.click(".nav-albums")
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"]
    assert page.url.endswith(album.get_absolute_url())
    for route in held:
        route.continue_()
    page.wait_for_selector(".upload-summary-text:has-text('4 photos uploaded')")
    page.click(".nav-albums")
    page.wait_for_url("**/")
    assert dialogs == ["beforeunload"]  # nothing in flight: no question


def test_the_landing_page_shows_a_real_before_and_after(page):
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.wait_for_selector("#landing-compare.slider")
    page.wait_for_function(
        "[...document.querySelectorAll('#landing-compare img')]"
        ".every((img) => img.complete && img.naturalWidth === 960)"
    )
    screenshot(page, "landing-phone")
