"""The whole family journey in a browser, as issue 15 tells it.

Alice invites her cousin Jean by e-mail as a contributor. Jean, who has no account, signs
up from the link on a phone, lands in the album, adds two photos and writes their dates
and names. Alice finds them by searching a name, puts them first, and zooms into the
before/after of one. Every page the two of them end on is checked by axe-core.
"""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from albums.models import Album, Photo
from restorer import tasks
from tests.browser import axe
from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    invitation_path,
    login,
    screenshot,
    sign_up_from_invitation,
)
from tests.browser.test_restoration_live import old_photo
from tests.helpers import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

ZOOM = "() => parseFloat(document.getElementById('compare').dataset.zoom)"


def large_old_photo(seed: int) -> bytes:
    """An old photo scanned larger than a screen shows it, so there is room to zoom."""
    import io

    from PIL import Image

    picture = Image.open(io.BytesIO(old_photo(seed))).resize((1440, 1080))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def test_a_cousin_joins_adds_photos_and_the_owner_finds_orders_and_looks_closer(
    browser, live_server, page, alice, password, settings, tmp_path
):
    settings.RESTORER_PROVIDER = "local"
    album = Album.objects.create(owner=alice, title="Grandma Rose's shoebox")
    for seed in range(2):
        album.add_photo(SimpleUploadedFile(f"alice-{seed}.jpg", old_photo(10 + seed)))

    # The owner invites the cousin, who has no account yet, as a contributor.
    login(page, "alice", password)
    page.goto(album.get_absolute_url())
    page.click(".head-actions a:has-text('Share')")
    page.fill('input[name="who"]', "jean.martin@example.org")
    page.check('input[name="role"][value="contributor"]')
    page.click("button:has-text('Send an invitation')")
    assert "jean.martin@example.org" in page.inner_text("main")
    assert len(mail.outbox) == 1
    link = invitation_path()

    # The cousin, on a phone: the link, sign-up with the address filled in, the album.
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, bypass_csp=True)
    cousin = context.new_page()
    cousin.goto(link)
    sign_up_from_invitation(cousin, "jean", password)
    assert cousin.input_value('input[name="email"]') == "jean.martin@example.org"
    cousin.click("button:has-text('Sign up and open the album')")
    cousin.wait_for_url(f"**/albums/{album.code}/")
    screenshot(cousin, "journey-cousin-lands-phone")

    # Two photos from the cousin's phone.
    files = []
    for seed in range(2):
        path = tmp_path / f"jean-{seed}.jpg"
        path.write_bytes(large_old_photo(20 + seed))
        files.append(str(path))
    cousin.set_input_files('input[name="photos"]', files)
    wait_until(
        lambda: Photo.objects.filter(album=album, uploaded_by__username="jean").count() == 2,
        30,
        "the cousin's two photos to be stored",
    )
    theirs = list(Photo.objects.filter(album=album, uploaded_by__username="jean"))
    for photo in Photo.objects.filter(album=album):  # what the worker would do
        tasks.prepare(photo.latest_version.restoration_id)

    # Dates and names, as people write them.
    details = {
        theirs[0]: ("At Uncle Paul's farm", "summer 1952", "Jean, Paul Martin"),
        theirs[1]: ("The wedding", "about 1950", "Rose, Paul Martin"),
    }
    for photo, (story, date, people) in details.items():
        cousin.goto(photo.get_absolute_url())
        cousin.click("summary:has-text('Add a story')")
        cousin.fill("#id_caption", story)
        cousin.fill("#id_date", date)
        cousin.fill("#id_people", people)
        cousin.click('button:has-text("Save details")')
        cousin.wait_for_selector(f'h1:has-text("{story}")')
    screenshot(cousin, "journey-cousin-details-phone")
    found = axe.violations(cousin) if axe.available() else []
    assert not found, axe.describe("the cousin's photo page", found)
    context.close()

    # The owner finds them by a name and a decade.
    page.fill("#site-search-q", "Paul 1950s")
    page.press("#site-search-q", "Enter")
    page.wait_for_selector(".search-results")
    results = page.eval_on_selector_all(
        ".search-results .tile a", "links => links.map(a => a.getAttribute('href'))"
    )
    assert sorted(results) == sorted(p.get_absolute_url() for p in theirs)
    screenshot(page, "journey-owner-search-desktop")

    # ... puts the cousin's last photo first, by keyboard ...
    page.goto(album.get_absolute_url())
    last = theirs[-1] if theirs[-1].position > theirs[0].position else theirs[0]

    def first_code() -> str:
        return album.photos.order_by("position", "pk").values_list("code", flat=True)[0]

    for _ in range(3):
        button = f'#photo-{last.code} button[name="earlier"]'
        if first_code() == last.code:
            break
        page.focus(button)
        page.keyboard.press("Enter")
        page.wait_for_timeout(300)
    wait_until(lambda: first_code() == last.code, 10, "the photo to come first")
    page.reload()
    first_tile = page.get_attribute("#photo-grid .tile", "data-code")
    assert first_tile == last.code

    # ... and looks closer at it, on the desktop and on a phone.
    page.goto(last.get_absolute_url())
    page.wait_for_selector("#compare.slider .compare-view")
    page.keyboard.press("+")
    page.keyboard.press("+")
    wait_until(lambda: page.evaluate(ZOOM) > 1, 5, "the comparison to zoom in")
    screenshot(page, "journey-owner-zoomed-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    page.wait_for_selector("#compare.slider .compare-view")
    screenshot(page, "journey-owner-photo-phone")
    page.set_viewport_size(DESKTOP)
