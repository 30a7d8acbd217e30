"""A person watches photos restore: a real worker, the embedded engine, no reloads."""

import base64
from pathlib import Path

import pytest

from albums.models import Album
from tests.browser.helpers import PHONE, login, screenshot
from tests.browser.test_gallery_flow import DROP_FILES
from tests.helpers import start_qcluster, stop_process

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.django_db(transaction=True)


def old_photo(seed: int) -> bytes:
    """A small faded, speckled picture for the engine to work on."""
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:360, 0:480]
    base = np.stack([120 + 60 * np.sin(x / 40 + seed), 110 + 50 * np.cos(y / 30), 90 + 0 * x], -1)
    faded = base * 0.6 + 80 + rng.normal(0, 12, base.shape)
    for _ in range(60):
        cy, cx = rng.integers(0, 360), rng.integers(0, 480)
        faded[max(cy - 2, 0) : cy + 2, max(cx - 2, 0) : cx + 2] = 245
    buffer = io.BytesIO()
    Image.fromarray(np.clip(faded, 0, 255).astype("uint8")).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def test_photos_restore_live_and_compare_before_and_after(
    page, settings, alice, password, tmp_path
):
    settings.RESTORER_PROVIDER = "local"
    album = Album.objects.create(owner=alice, title="Box from the attic", restoration_type=1)
    worker = start_qcluster(settings, tmp_path / "worker.log", RESTORER_PROVIDER="local")
    try:
        login(page, "alice", password)
        page.goto(album.get_absolute_url())
        files = [
            {"name": f"scan-{n}.jpg", "data": base64.b64encode(old_photo(n)).decode(),
             "type": "image/jpeg"}
            for n in range(3)
        ]  # fmt: skip
        page.evaluate(DROP_FILES, files)
        page.wait_for_function("document.querySelectorAll('.upload-item.done').length === 3")
        url_before = page.url
        # No reload: the tiles move on by themselves until every photo is restored.
        page.wait_for_function(
            "[...document.querySelectorAll('#photo-grid .tile')]"
            ".every((t) => t.dataset.state === 'done')",
            timeout=60_000,
        )
        assert page.url == url_before
        thumbs = page.eval_on_selector_all(
            "#photo-grid .tile img", "(imgs) => imgs.map((i) => i.getAttribute('src'))"
        )
        assert len(thumbs) == 3 and all("/versions/" in src for src in thumbs)
        screenshot(page, "album-restored-desktop")

        page.click("#photo-grid .tile:first-child a")
        page.wait_for_selector(".compare.slider .compare-range")
        page.wait_for_function("document.querySelector('.after img').naturalWidth > 0")
        box = page.query_selector(".compare").bounding_box()
        page.mouse.click(box["x"] + box["width"] * 0.25, box["y"] + box["height"] / 2)
        split = page.evaluate("getComputedStyle(document.getElementById('compare'))"
                              ".getPropertyValue('--split')")  # fmt: skip
        assert split.strip() != "50%"
        assert "Restored" in page.inner_text("#live-state")
        screenshot(page, "photo-restored-desktop")
        page.set_viewport_size(PHONE)
        screenshot(page, "photo-restored-phone")
    finally:
        stop_process(worker)


def test_a_member_watches_the_album_restore_live(page, settings, alice, bob, password):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from albums.models import AlbumMember
    from restorer import tasks

    settings.RESTORER_PROVIDER = "local"
    album = Album.objects.create(owner=alice, title="Box from the attic", restoration_type=1)
    photo = album.add_photo(SimpleUploadedFile("scan.jpg", old_photo(7)))
    AlbumMember.objects.create(album=album, user=bob)
    polled: list[str] = []
    page.on("request", lambda request: polled.append(request.url) if "status" in request.url
            or "undefined" in request.url else None)  # fmt: skip
    login(page, "bob", password)
    page.goto(album.get_absolute_url())
    assert page.get_attribute("#photo-grid .tile", "data-state") == "queued"
    tasks.prepare(photo.latest_version.restoration_id)  # a worker restores it meanwhile
    # No reload: bob's tile moves on by itself.
    page.wait_for_function(
        "document.querySelector('#photo-grid .tile').dataset.state === 'done'", timeout=30_000
    )
    assert polled and all(f"/albums/{album.code}/status.json?page=1" in url for url in polled)
