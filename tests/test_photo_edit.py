"""Crop, rotate and straighten: POST .../photos/<photo>/edit/, and the frames behind it."""

import hashlib

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from albums.models import Photo
from restorer import tasks
from restorer.models import Restoration
from restorer.regions import Frame, FrameError
from tests import images

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def local(settings):
    settings.RESTORER_PROVIDER = "local"


@pytest.fixture
def photo(alice_client, album) -> Photo:
    # 120 x 80, a red block in the top left corner
    alice_client.post(
        f"/albums/{album.code}/upload/",
        {"photos": [SimpleUploadedFile("p.png", images.png(240, 160))]},
    )
    return album.photos.get()


def edit(client, photo, **fields):
    return client.post(
        f"{photo.get_absolute_url()}edit/", fields, headers={"Accept": "application/json"}
    )


def stored_sha(name: str) -> str:
    with default_storage.open(name, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_rotating_a_quarter_turn_makes_a_new_version_of_the_turned_photo(alice_client, photo):
    before = stored_sha(photo.original.name)
    response = edit(alice_client, photo, rotate="90", straighten="0", crop="")
    assert response.status_code == 200
    body = response.json()
    photo.refresh_from_db()
    version = photo.versions.get(code=body["version"])
    assert body["state"] == "queued" and photo.latest_version == version
    assert (photo.width, photo.height) == (160, 240)
    # the stored original never changes
    assert stored_sha(photo.original.name) == before
    restoration = version.restoration
    assert restoration.source.name == photo.original.name
    assert restoration.options == photo.album.default_options
    tasks.prepare(restoration.pk)
    restoration.refresh_from_db()
    assert restoration.state == Restoration.State.DONE, restoration.error_message
    assert (restoration.result_width, restoration.result_height) == (160, 240)
    # turned clockwise, the red block is now in the top right corner
    with default_storage.open(photo.display.name, "rb") as handle:
        shown = np.asarray(Image.open(handle).convert("RGB")).astype(int)
    h, w = shown.shape[:2]
    assert shown[h // 8, w - w // 8, 0] > 180 and shown[h // 8, w // 8, 0] < 150


def test_straightening_and_cropping_take_fractions_of_the_straightened_picture(alice_client, photo):
    edit(alice_client, photo, rotate="0", straighten="2.5", crop="0.25,0.25,0.5,0.5")
    photo.refresh_from_db()
    assert (photo.width, photo.height) == (120, 80)
    frame = photo.picture_frame()
    # the crop's centre is the picture's centre; its corners turned by 2.5 degrees
    centre = frame.corners().mean(axis=0)
    assert np.allclose(centre, (120, 80), atol=0.01)
    top = frame.corners()[1] - frame.corners()[0]
    assert np.isclose(np.degrees(np.arctan2(top[1], top[0])), -2.5)


def test_edits_build_on_each_other_and_the_original_stays(alice_client, photo):
    edit(alice_client, photo, rotate="0", straighten="0", crop="0,0,0.5,0.5")
    photo.refresh_from_db()
    edit(alice_client, photo, rotate="180", straighten="0", crop="")
    photo.refresh_from_db()
    assert (photo.width, photo.height) == (120, 80)
    assert np.allclose(photo.picture_frame().corners()[0], (120, 80))
    assert photo.versions.count() == 3


def test_without_javascript_the_form_redirects_with_a_message(alice_client, photo):
    response = alice_client.post(
        f"{photo.get_absolute_url()}edit/", {"rotate": "270", "straighten": "-1", "crop": ""}
    )
    assert response.status_code == 302
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert "Edited." in page
    assert 'name="straighten"' in page and 'name="crop"' in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rotate": "45"}, "Rotate by 0, 90, 180 or 270 degrees."),
        ({"straighten": "46"}, "Straighten by at most 45 degrees either way"),
        ({"straighten": "-90"}, "Straighten by at most 45 degrees either way"),
        ({"straighten": "a lot"}, "Give the straightening angle in degrees"),
        ({"crop": "0.5,0.5,0.6,0.2"}, "The crop goes outside the picture"),
        ({"crop": "-0.1,0,0.5,0.5"}, "The crop goes outside the picture"),
        ({"crop": "0,0,0,0.5"}, "The crop must have a width and a height."),
        ({"crop": "0,0,1"}, "Give the crop as x,y,w,h"),
        ({"crop": "0,0,0.01,0.01"}, "The crop is too small"),
    ],
)
def test_bad_edits_are_explained_and_change_nothing(alice_client, photo, fields, message):
    before = (photo.width, photo.height, photo.frame, photo.display.name)
    response = edit(alice_client, photo, **fields)
    assert response.status_code == 400
    assert message in response.json()["error"]
    photo.refresh_from_db()
    assert (photo.width, photo.height, photo.frame, photo.display.name) == before
    assert photo.versions.count() == 1


def test_only_the_owner_can_edit(bob, bob_client, charlie_client, photo):
    from albums.models import AlbumMember

    AlbumMember.objects.create(album=photo.album, user=bob)
    for client in (bob_client, charlie_client):
        assert edit(client, photo, rotate="90").status_code == 404
    photo.refresh_from_db()
    assert photo.frame is None


def test_a_split_photo_is_edited_on_its_region_of_the_scan():
    scan = np.zeros((400, 600, 3), np.uint8)
    frame = Frame.of_print(300, 200, 200, 100, 10.0)
    edited = frame.edited(rotate=90, straighten=0, crop=(0, 0, 1, 0.5))
    assert (edited.width, edited.height) == (100, 100)
    # the edit's corners are corners of the print's region
    print_corners = frame.corners()
    assert np.allclose(edited.corners()[1], print_corners[0], atol=1e-6)
    assert edited.render(scan).shape == (100, 100, 3)


def test_frame_errors_are_messages_for_the_person():
    with pytest.raises(FrameError, match="at most 45 degrees"):
        Frame.whole(100, 100).edited(straighten=60)
