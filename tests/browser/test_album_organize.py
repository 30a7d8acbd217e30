"""The album page's ordering and selection, and the photo page's details, in a browser."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from albums.models import Album
from tests import images
from tests.browser.helpers import PHONE, login, screenshot
from tests.helpers import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def album(alice, settings) -> Album:
    settings.RESTORER_PROVIDER = "local"
    album = Album.objects.create(owner=alice, title="Grandma's box")
    client = Client()
    client.force_login(alice)
    for seed in range(4):
        client.post(
            f"/albums/{album.code}/upload/",
            {"photos": [SimpleUploadedFile(f"{seed}.jpg", images.jpeg(320, 240, seed=seed))]},
        )
    return album


def order(album) -> list[str]:
    return list(album.photos.order_by("position", "pk").values_list("code", flat=True))


def test_reordering_by_keyboard_and_by_dragging(page, alice, password, album):
    a, b, c, d = order(album)
    login(page, "alice", password)
    page.goto(album.get_absolute_url())
    screenshot(page, "album-organize-desktop")
    # The arrow buttons, from the keyboard: the order is saved without a reload.
    page.focus(f'#photo-{a} button[name="later"]')
    page.keyboard.press("Enter")
    wait_until(lambda: order(album) == [b, a, c, d], 10, "the photo moved later")
    # The page hears the answer a moment after the order is saved: wait for it to say so.
    page.wait_for_function("document.getElementById('order-status').textContent === 'Moved later.'")
    assert page.evaluate("document.activeElement.value") == a  # focus stays on it
    # Uncaptioned photos are described by their place, which follows the new order.
    page.wait_for_selector(f'#photo-{a} img[alt="Photo 2 of Grandma\'s box"]', state="attached")
    assert page.get_attribute(f"#photo-{b} img", "alt") == "Photo 1 of Grandma's box"
    # Dragging the last photo before the first.
    page.drag_and_drop(f"#photo-{d} a", f"#photo-{b} a", target_position={"x": 5, "y": 40})
    wait_until(lambda: order(album) == [d, b, a, c], 10, "the dragged order to be saved")
    page.reload()
    tiles = page.eval_on_selector_all(
        "#photo-grid .tile", "tiles => tiles.map(t => t.dataset.code)"
    )
    assert tiles == [d, b, a, c]


def test_a_tile_can_be_dragged_before_its_thumbnail_has_loaded(page, alice, password, album):
    # On a slow connection the thumbnails arrive late: hold them back altogether. A picture
    # that has not loaded cannot be dragged by itself, so the tile must be what is dragged.
    a, b, c, d = order(album)
    held = []
    page.route("**/file/thumb/", lambda route: held.append(route))
    login(page, "alice", password)
    page.goto(album.get_absolute_url())
    page.wait_for_function("document.querySelectorAll('#photo-grid .tile').length === 4")
    assert page.evaluate("[...document.querySelectorAll('#photo-grid img')].some(i => !i.complete)")
    page.drag_and_drop(f"#photo-{d} a", f"#photo-{b} a", target_position={"x": 5, "y": 40})
    page.wait_for_function(
        "document.getElementById('order-status').textContent === 'The new order was saved.'"
    )
    assert order(album) == [a, d, b, c]
    assert held, "the thumbnails were not held back"
    for route in held:
        route.abort()


def test_selecting_photos_then_deleting_them_after_confirming(page, alice, password, album):
    a, b, c, d = order(album)
    page.set_viewport_size(PHONE)
    login(page, "alice", password)
    page.goto(album.get_absolute_url())
    page.check(f'#photo-{a} input[name="photos"]')
    page.check(f'#photo-{c} input[name="photos"]')
    assert page.text_content("#selected-count") == "2 selected"
    screenshot(page, "album-organize-phone")
    page.select_option("#bulk-action", "delete")
    page.click('#bulk-form button:has-text("Go")')
    page.wait_for_selector("h1:has-text('Delete 2 photos?')")
    screenshot(page, "bulk-delete-phone")
    page.click('button:has-text("Delete 2 photos")')
    page.wait_for_selector("text=2 photos deleted.")
    assert order(album) == [b, d]


def test_writing_a_photos_details(page, alice, password, album):
    photo = album.photos.first()
    other = album.photos.last()
    login(page, "alice", password)
    page.goto(other.get_absolute_url())
    page.click("summary:has-text('Add a story')")
    page.fill("#id_people", "Anna Berg, Tom")
    page.click('button:has-text("Save details")')
    page.wait_for_selector("text=The photo's details were saved.")
    page.goto(photo.get_absolute_url())
    page.click("summary:has-text('Add a story')")
    page.fill("#id_caption", "At the fair\nAnna won the cake.")
    page.fill("#id_date", "next summer")
    page.fill("#id_place", "Kilby")
    page.fill("#id_people", "Tom, An")
    # The names already used are offered for the name being typed.
    options = page.eval_on_selector_all("#people-names option", "os => os.map(o => o.value)")
    assert options == ["Tom, Anna Berg"]
    page.click('button:has-text("Save details")')
    page.wait_for_selector("text=is not a date this site can read")
    screenshot(page, "photo-details-form-desktop")
    page.fill("#id_date", "summer 1935")
    page.fill("#id_people", "Tom, Anna Berg")
    page.click('button:has-text("Save details")')
    page.wait_for_selector("h1:has-text('At the fair')")
    assert page.is_visible("dd:has-text('summer 1935')")
    screenshot(page, "photo-details-desktop")
    page.fill("#site-search-q", "anna 1930s")
    page.press("#site-search-q", "Enter")
    page.wait_for_selector("text=Photos for “anna 1930s”")
    assert page.eval_on_selector_all(".search-results .tile", "t => t.length") == 1
    screenshot(page, "search-desktop")
