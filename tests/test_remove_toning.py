"""Removing a print's toning: the album's option, the restore-again form, the engine, the pages.

The embedded engine keeps a sepia print sepia unless asked; these tests ask through the
forms a person uses and read what the real engine stored.
"""

import re

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from albums.models import Album, Photo
from restorer.models import Restoration
from restorer.providers.base import RestoreOptions
from tests import images

pytestmark = pytest.mark.django_db
LABEL = "Remove sepia or other toning (neutral black and white)"
REMOVED_NOTE = "The toning was removed to leave a neutral black-and-white print."


@pytest.fixture
def local(settings):
    settings.RESTORER_PROVIDER = "local"
    settings.RESTORER_COLORIZE_MODEL = ""


@pytest.fixture
def picwish(settings):
    settings.RESTORER_PROVIDER = "picwish"
    settings.PICWISH_API_KEY = "k"


@pytest.fixture
def run_tasks(sync_tasks, django_capture_on_commit_callbacks):
    """Everything a request queues runs inline once it commits, as a worker would run it."""

    def within():
        return django_capture_on_commit_callbacks(execute=True)

    return within


def upload(client, album, content: bytes, name="print.jpg") -> Photo:
    client.post(f"/albums/{album.code}/upload/", {"photos": [SimpleUploadedFile(name, content)]})
    return album.photos.latest("uploaded_at")


def result_pixels(restoration: Restoration) -> np.ndarray:
    with restoration.result.open("rb") as handle:
        return np.asarray(Image.open(handle).convert("RGB"), dtype=np.int16)


def warmth(rgb: np.ndarray) -> float:
    """How much redder than blue the picture is on average: a sepia print's is well above 0."""
    return float(rgb[..., 0].mean() - rgb[..., 2].mean())


def ticked(page: str) -> bool:
    """Whether the page's remove-toning checkbox is ticked."""
    match = re.search(r'<input type="checkbox" name="remove_toning"[^>]*>', page)
    assert match, "no remove_toning checkbox on the page"
    return " checked" in match.group(0)


def channel_spread(rgb: np.ndarray) -> float:
    """How far the pixels are from grey: 0 for a neutral black-and-white picture."""
    return float(np.percentile(rgb.max(axis=2) - rgb.min(axis=2), 95))


# --- the album's option ------------------------------------------------------------------


def test_the_album_form_offers_the_choice_in_plain_words(local, alice_client):
    page = alice_client.get("/albums/new/").content.decode()
    assert LABEL in page
    assert "For black-and-white prints only; ignored when the photo is colorized." in page
    assert not ticked(page)


def test_a_new_album_keeps_the_choice(local, alice_client, alice):
    alice_client.post(
        "/albums/new/", {"title": "Sepia box", "restoration_type": "1", "remove_toning": "on"}
    )
    album = Album.objects.get(owner=alice)
    assert album.remove_toning is True
    assert album.default_options.remove_toning is True
    untouched = Album.objects.create(owner=alice, title="Another")
    assert untouched.remove_toning is False


def test_editing_an_album_sets_and_clears_the_choice(local, alice_client, album):
    url = f"/albums/{album.code}/edit/"
    alice_client.post(url, {"title": album.title, "remove_toning": "on"})
    album.refresh_from_db()
    assert album.remove_toning is True
    form = alice_client.get(url).content.decode()
    assert ticked(form)
    alice_client.post(url, {"title": album.title})  # an unticked box is not posted
    album.refresh_from_db()
    assert album.remove_toning is False


@pytest.mark.parametrize("value", ["maybe", "2", "sepia"])
def test_a_value_that_is_not_yes_or_no_is_refused_with_a_message(local, alice_client, alice, value):
    response = alice_client.post("/albums/new/", {"title": "Box", "remove_toning": value})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Tick the box or leave it empty (a script sends on or off, not “{value}”)." in page
    assert not Album.objects.filter(owner=alice).exists()


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False)])
def test_scripts_may_send_the_usual_spellings_of_yes_and_no(
    local, alice_client, alice, value, expected
):
    alice_client.post("/albums/new/", {"title": "Box", "remove_toning": value})
    assert Album.objects.get(owner=alice).remove_toning is expected


# --- what the engine makes of it ----------------------------------------------------------


def test_an_album_asking_for_it_gets_a_neutral_print(local, alice_client, alice, run_tasks):
    album = Album.objects.create(owner=alice, title="Sepia", restoration_type=1, remove_toning=True)
    with run_tasks():
        photo = upload(alice_client, album, images.sepia_jpeg())
    restoration = photo.versions.get().restoration
    assert restoration.state == Restoration.State.DONE, restoration.error_message
    assert restoration.remove_toning is True
    assert restoration.toning_removed is True
    pixels = result_pixels(restoration)
    assert channel_spread(pixels) <= 3
    assert abs(warmth(pixels)) < 1.5
    assert REMOVED_NOTE in restoration.notes.splitlines()
    assert restoration.options_label == "Medium, realistic restoration, toning removed"
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert f"<li>{REMOVED_NOTE}</li>" in page
    assert "Medium, realistic restoration, toning removed" in page


def test_without_it_the_sepia_stays(local, alice_client, alice, run_tasks):
    album = Album.objects.create(owner=alice, title="Sepia", restoration_type=1)
    with run_tasks():
        photo = upload(alice_client, album, images.sepia_jpeg())
    restoration = photo.versions.get().restoration
    assert restoration.state == Restoration.State.DONE, restoration.error_message
    assert restoration.remove_toning is False
    assert restoration.toning_removed is False
    assert warmth(result_pixels(restoration)) > 5
    assert "toning" not in restoration.notes
    assert "toning" not in restoration.options_label


def test_colorize_without_a_model_does_not_claim_the_toning_was_kept(
    local, alice_client, alice, run_tasks
):
    """Both asked, no colorization model: no colour is added and the toning goes, as asked;
    the note about colorizing must not say the print keeps its toning."""
    album = Album.objects.create(
        owner=alice, title="Sepia", restoration_type=1, change_color=True, remove_toning=True
    )
    with run_tasks():
        photo = upload(alice_client, album, images.sepia_jpeg())
    restoration = photo.versions.get().restoration
    assert restoration.colorized is False and restoration.toning_removed is True
    assert channel_spread(result_pixels(restoration)) <= 3
    assert "not colorized because no colorization model is configured." in restoration.notes
    assert "keeps its toning" not in restoration.notes
    assert REMOVED_NOTE in restoration.notes


def test_a_colour_photo_is_left_in_colour_and_the_notes_say_so(
    local, alice_client, alice, run_tasks
):
    album = Album.objects.create(
        owner=alice, title="Colour", restoration_type=1, remove_toning=True
    )
    with run_tasks():
        photo = upload(alice_client, album, images.jpeg(160, 120))
    restoration = photo.versions.get().restoration
    assert restoration.state == Restoration.State.DONE, restoration.error_message
    assert restoration.toning_removed is False
    assert channel_spread(result_pixels(restoration)) > 50
    assert "No toning was removed: this was taken for a colour photo" in restoration.notes
    assert REMOVED_NOTE not in restoration.notes
    assert "toning" not in restoration.options_label


# --- restoring a photo again ---------------------------------------------------------------


def test_the_restore_again_form_carries_the_choice(local, alice_client, alice, run_tasks):
    album = Album.objects.create(owner=alice, title="Sepia", restoration_type=1)
    with run_tasks():
        photo = upload(alice_client, album, images.sepia_jpeg())
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert LABEL in page and not ticked(page)

    url = f"{photo.get_absolute_url()}restore/"
    with run_tasks():
        response = alice_client.post(url, {"restoration_type": "1", "remove_toning": "on"})
    assert response.status_code == 302
    newest = photo.versions.order_by("-created_at", "-pk").first().restoration
    assert newest.remove_toning is True and newest.toning_removed is True
    assert channel_spread(result_pixels(newest)) <= 3
    # the form starts from the newest version's options: ticked now
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert ticked(page)
    assert f"<li>{REMOVED_NOTE}</li>" in page


def test_a_reused_result_is_labelled_as_the_one_it_reuses(local, alice_client, alice, run_tasks):
    """Restored again with the same options, the earlier result is reused: its label says
    what was done to it (toning removed, not colorized), not what was asked."""
    album = Album.objects.create(
        owner=alice, title="Sepia", restoration_type=1, change_color=True, remove_toning=True
    )
    with run_tasks():
        photo = upload(alice_client, album, images.sepia_jpeg())
    first = photo.versions.get().restoration
    reused = photo.restore(album.default_options).restoration
    assert reused.reused_from == first
    assert reused.options_label == first.options_label
    assert reused.options_label == "Medium, realistic restoration, toning removed"


def test_a_queued_version_says_what_was_asked(local, alice_client, album):
    photo = upload(alice_client, album, images.sepia_jpeg())
    alice_client.post(
        f"{photo.get_absolute_url()}restore/", {"restoration_type": "1", "remove_toning": "on"}
    )
    queued = photo.versions.order_by("-created_at", "-pk").first().restoration
    assert queued.state == Restoration.State.QUEUED
    assert queued.options_label == "Medium, realistic restoration, remove toning"


def test_restoring_again_with_a_bad_value_shows_the_error_on_the_form(local, alice_client, album):
    photo = upload(alice_client, album, images.sepia_jpeg())
    response = alice_client.post(
        f"{photo.get_absolute_url()}restore/", {"restoration_type": "1", "remove_toning": "yes!"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "not “yes!”" in page
    assert '<details class="restore-again" open>' in page
    assert photo.versions.count() == 1


def test_restoring_several_photos_again_carries_the_choice(local, alice_client, album):
    photos = [upload(alice_client, album, images.jpeg(seed=seed), f"{seed}.jpg") for seed in (1, 2)]
    url = f"/albums/{album.code}/photos/bulk/"
    data = {"action": "restore", "photos": [p.code for p in photos], "restoration_type": "1"}
    confirm = alice_client.post(url, {**data, "remove_toning": "on"}).content.decode()
    assert LABEL in confirm
    refused = alice_client.post(url, {**data, "remove_toning": "perhaps", "confirm": "1"})
    assert refused.status_code == 400
    assert f"{LABEL}: Tick the box or leave it empty" in refused.content.decode()
    alice_client.post(url, {**data, "remove_toning": "on", "confirm": "1"})
    for photo in photos:
        photo.refresh_from_db()
        assert photo.latest_version.restoration.remove_toning is True


# --- PicWish has no such option -------------------------------------------------------------


def test_with_picwish_the_form_says_the_toning_stays(picwish, alice_client):
    page = alice_client.get("/albums/new/").content.decode()
    assert LABEL in page
    assert "done by the embedded engine alone" in page
    assert "PicWish, which cannot do it, so toned prints keep their toning." in page


def test_a_picwish_restoration_never_claims_it_nor_is_paid_twice(picwish, alice_client, alice):
    album = Album.objects.create(owner=alice, title="Sepia", restoration_type=1, remove_toning=True)
    photo = upload(alice_client, album, images.sepia_jpeg())
    restoration = photo.versions.get().restoration
    assert restoration.provider == "picwish"
    assert restoration.remove_toning is False
    assert "toning" not in restoration.options_label
    # the same restoration asked for without the option is the one under way, not a new task
    again = photo.restore(RestoreOptions(restoration_type=1))
    assert again.restoration == restoration
    assert Restoration.objects.count() == 1


def test_the_admin_shows_the_option_beside_the_others(local, client, django_user_model, alice):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(admin)
    album = Album.objects.create(owner=alice, title="Sepia", remove_toning=True)
    page = client.get(f"/admin/albums/album/{album.pk}/change/").content.decode()
    assert ticked(page)
    assert page.index('name="change_color"') < page.index('name="remove_toning"')
    restoration = album.add_photo(SimpleUploadedFile("p.jpg", images.sepia_jpeg())).versions.get()
    listing = client.get("/admin/restorer/restoration/").content.decode()
    assert "Medium, realistic restoration, remove toning" in listing
    detail = client.get(f"/admin/restorer/restoration/{restoration.restoration.pk}/change/")
    assert "Remove toning" in detail.content.decode()
