"""What the pages say of the embedded engine is what it did: colorize, labels, resolution."""

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from albums.models import Album
from restorer import tasks
from restorer.models import Restoration
from tests import images

pytestmark = pytest.mark.django_db
UNAVAILABLE = "Adding colour to black-and-white photos is unavailable"


@pytest.fixture
def local(settings):
    settings.RESTORER_PROVIDER = "local"
    settings.RESTORER_COLORIZE_MODEL = ""


def _upload(client, album, content, name="p.jpg"):
    client.post(f"/albums/{album.code}/upload/", {"photos": [SimpleUploadedFile(name, content)]})
    photo = album.photos.latest("uploaded_at")
    version = photo.versions.get()
    tasks.prepare(version.restoration_id)
    version.restoration.refresh_from_db()
    return photo, version.restoration


def test_the_album_form_says_when_colorize_is_unavailable(local, alice_client):
    page = alice_client.get("/albums/new/").content.decode()
    assert UNAVAILABLE in page
    assert "Bring faded colour back" in page


def test_the_photo_form_says_when_colorize_is_unavailable(local, alice_client, album):
    photo, _ = _upload(alice_client, album, images.jpeg())
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert UNAVAILABLE in page


def test_with_a_colorization_model_or_picwish_colorize_is_offered(settings, alice_client):
    settings.RESTORER_PROVIDER = "local"
    settings.RESTORER_COLORIZE_MODEL = "/models/colorize.onnx"
    assert UNAVAILABLE not in alice_client.get("/albums/new/").content.decode()
    settings.RESTORER_PROVIDER = "picwish"
    settings.RESTORER_COLORIZE_MODEL = ""
    assert UNAVAILABLE not in alice_client.get("/albums/new/").content.decode()


def test_a_version_is_labelled_colorized_only_when_colour_was_added(local, alice_client, alice):
    album = Album.objects.create(owner=alice, title="Sepia", change_color=True)
    photo, restoration = _upload(alice_client, album, images.sepia_jpeg())
    assert restoration.state == Restoration.State.DONE, restoration.error_message
    assert restoration.change_color is True
    assert restoration.colorized is False
    assert "colorized" not in restoration.options_label
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert "not colorized because no colorization model is configured" in page
    # the print keeps its warm tone
    with restoration.result.open("rb") as handle:
        r, g, b = np.asarray(Image.open(handle).convert("RGB"), float).mean(axis=(0, 1))
    assert r > b + 5


def test_picwish_results_asked_to_colorize_are_labelled_colorized():
    r = Restoration(restoration_type=1, model_type=1, change_color=True, colorized=True)
    assert r.options_label.endswith(", colorized")
    pending = Restoration(restoration_type=1, model_type=1, change_color=True)
    assert pending.options_label.endswith(", colorize")


def test_the_embedded_engine_restores_at_full_resolution(local, alice_client, album):
    photo, restoration = _upload(alice_client, album, images.jpeg(2600, 1700))
    assert restoration.state == Restoration.State.DONE, restoration.error_message
    assert (restoration.result_width, restoration.result_height) == (2600, 1700)
    assert not restoration.scaled_down
