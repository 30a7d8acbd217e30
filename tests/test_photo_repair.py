"""The repair brush: GET .../damage.png and POST .../repair/ (new versions by the engine)."""

import io

import cv2
import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from albums.models import AlbumMember, Photo
from restorer import tasks
from restorer.models import QuotaCharge, Restoration
from tests.images import encode
from tests.scans import print_picture

pytestmark = pytest.mark.django_db
State = Restoration.State


@pytest.fixture
def photo(settings, alice_client, album) -> Photo:
    """A photo with a finished version, restored by the embedded engine."""
    settings.RESTORER_PROVIDER = "local"
    picture = cv2.GaussianBlur(print_picture(480, 360, seed=5), (0, 0), 1.5)
    alice_client.post(
        f"/albums/{album.code}/upload/",
        {"photos": [SimpleUploadedFile("p.png", encode(Image.fromarray(picture), "PNG"))]},
    )
    photo = album.photos.get()
    tasks.prepare(photo.versions.get().restoration_id)
    assert photo.versions.get().restoration.state == State.DONE
    return photo


def png(array: np.ndarray) -> SimpleUploadedFile:
    return SimpleUploadedFile("mask.png", encode(Image.fromarray(array), "PNG"))


def result_pixels(restoration: Restoration) -> np.ndarray:
    with default_storage.open(restoration.result.name, "rb") as handle:
        return np.asarray(Image.open(handle).convert("RGB")).astype(int)


def repair(client, photo, mask, **extra):
    return client.post(
        f"{photo.get_absolute_url()}repair/",
        {"mask": mask, **extra},
        headers={"Accept": "application/json"},
    )


def test_a_painted_mask_becomes_a_new_version_filled_by_the_engine(alice_client, photo):
    shown = photo.shown_version().restoration
    mask = np.zeros((shown.result_height, shown.result_width), np.uint8)
    mask[100:140, 200:260] = 255
    response = repair(alice_client, photo, png(mask))
    assert response.status_code == 200
    body = response.json()
    version = photo.versions.get(code=body["version"])
    assert body["state"] == "queued"
    restoration = version.restoration
    assert restoration.provider == "local" and restoration.is_repair
    assert restoration.source.name == shown.result.name
    tasks.prepare(restoration.pk)
    restoration.refresh_from_db()
    assert restoration.state == State.DONE, restoration.error_message
    assert restoration.options_label == "Repaired by hand"
    before, after = result_pixels(shown), result_pixels(restoration)
    assert after.shape == before.shape
    inside = mask > 0
    assert np.abs(after[inside] - before[inside]).max() > 0
    # the engine's result is a JPEG; the repair keeps every pixel of it outside the mask
    assert shown.result.name.endswith(".jpg") and restoration.result.name.endswith(".png")
    assert (after[~inside] == before[~inside]).all()
    photo.refresh_from_db()
    assert photo.shown_version() == version
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert "Repaired by hand" in page


def test_a_mask_of_another_size_is_scaled_to_the_version(alice_client, photo):
    small = np.zeros((36, 48), np.uint8)
    small[10:14, 20:26] = 255
    body = repair(alice_client, photo, png(small)).json()
    restoration = photo.versions.get(code=body["version"]).restoration
    tasks.prepare(restoration.pk)
    restoration.refresh_from_db()
    assert restoration.state == State.DONE
    before = result_pixels(photo.versions.exclude(pk=restoration.version.pk).get().restoration)
    after = result_pixels(restoration)
    changed = np.abs(after - before).max(axis=2) > 12
    ys, xs = np.nonzero(changed)
    # the painted 6 x 4 block, ten times larger on the 480 x 360 picture
    assert ys.min() >= 98 and ys.max() <= 142 and xs.min() >= 198 and xs.max() <= 262


def test_a_repair_of_a_picwish_result_never_goes_to_picwish_nor_counts(
    settings, alice_client, photo
):
    settings.RESTORER_PROVIDER = "picwish"
    settings.PICWISH_API_KEY = "k"
    settings.RESTORER_MONTHLY_QUOTA = 1
    Restoration.objects.update(provider="picwish")  # as if PicWish had made it
    mask = np.zeros((360, 480), np.uint8)
    mask[10:20, 10:20] = 255
    for _ in range(3):
        mask[30:40, 30 + _ : 40] = 255
        response = repair(alice_client, photo, png(mask))
        assert response.status_code == 200
        assert Restoration.objects.get(version__code=response.json()["version"]).provider == (
            "local"
        )
    assert not QuotaCharge.objects.exists()


@pytest.mark.parametrize(
    ("mask", "message"),
    [
        (SimpleUploadedFile("mask.png", b"this is no picture"), "The mask is not an image."),
        (png(np.zeros((360, 480), np.uint8)), "The mask is empty"),
        (SimpleUploadedFile("mask.png", b""), "No mask was sent."),
    ],
    ids=["not an image", "empty", "no bytes"],
)
def test_bad_masks_are_explained_and_make_no_version(alice_client, photo, mask, message):
    response = repair(alice_client, photo, mask)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert photo.versions.count() == 1
    assert default_storage.listdir("restorations")[0].count("masks") == 0


def test_without_javascript_the_form_redirects_with_a_message(alice_client, photo):
    mask = np.zeros((360, 480), np.uint8)
    mask[0:5, 0:5] = 255
    response = alice_client.post(f"{photo.get_absolute_url()}repair/", {"mask": png(mask)})
    assert response.status_code == 302
    assert photo.versions.count() == 2
    assert (
        "Repairing what you painted" in alice_client.get(photo.get_absolute_url()).content.decode()
    )


def test_a_version_not_finished_cannot_be_repaired(alice_client, album, photo, settings):
    other = photo.restore(photo.album.default_options.__class__(2, 1, False))
    mask = np.full((10, 10), 255, np.uint8)
    response = repair(alice_client, photo, png(mask), version=other.code)
    assert response.status_code == 400
    assert "Only a finished version" in response.json()["error"]


def test_the_damage_overlay_is_white_on_black_at_the_versions_size(alice_client, photo):
    # a scratch the first restoration did not take (painted onto its result)
    shown = photo.shown_version().restoration
    with default_storage.open(shown.result_display.name, "rb") as handle:
        display = np.asarray(Image.open(handle).convert("RGB")).copy()
    cv2.line(display, (20, 30), (440, 320), (252, 252, 250), 2)
    with default_storage.open(shown.result_display.name, "wb") as handle:
        handle.write(encode(Image.fromarray(display), "JPEG", quality=95))
    response = alice_client.get(f"{photo.get_absolute_url()}damage.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    mask = np.asarray(Image.open(io.BytesIO(response.content)).convert("L"))
    assert mask.shape == (shown.result_display_height, shown.result_display_width)
    assert set(np.unique(mask)) <= {0, 255}
    line = np.zeros(mask.shape, np.uint8)
    cv2.line(line, (20, 30), (440, 320), 255, 2)
    assert np.count_nonzero(mask[line > 0]) > 0.5 * np.count_nonzero(line)


def test_only_the_owner_repairs_or_sees_the_damage(bob, bob_client, charlie_client, photo):
    AlbumMember.objects.create(album=photo.album, user=bob)
    mask = np.full((10, 10), 255, np.uint8)
    for client in (bob_client, charlie_client):
        assert repair(client, photo, png(mask)).status_code == 404
        assert client.get(f"{photo.get_absolute_url()}damage.png").status_code == 404
    assert photo.versions.count() == 1
