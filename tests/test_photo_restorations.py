"""The photo page's restorations: restore again, pick a version, cancel, retry, delete, files."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from albums.models import Photo
from restorer import tasks
from restorer.models import ProviderHold, Restoration
from tests import images
from tests.helpers import stored_files

pytestmark = pytest.mark.django_db
State = Restoration.State


@pytest.fixture
def local(settings):
    settings.RESTORER_PROVIDER = "local"


@pytest.fixture
def photo(local, alice_client, album) -> Photo:
    alice_client.post(
        f"/albums/{album.code}/upload/", {"photos": [SimpleUploadedFile("p.jpg", images.jpeg())]}
    )
    return album.photos.get()


def run(version) -> Restoration:
    tasks.prepare(version.restoration_id)
    version.restoration.refresh_from_db()
    return version.restoration


def test_an_upload_starts_a_restoration_with_the_albums_options(photo, album):
    version = photo.versions.get()
    assert photo.latest_version == version
    restoration = version.restoration
    assert restoration.options == album.default_options
    assert restoration.provider == "local"
    assert restoration.state == State.QUEUED


def test_the_embedded_engine_restores_and_the_pages_show_it(alice_client, photo):
    restoration = run(photo.versions.get())
    assert restoration.state == State.DONE, restoration.error_message
    status = alice_client.get(f"/albums/{photo.album.code}/status.json").json()["photos"][0]
    assert status["state"] == "done" and status["progress"] == 100
    version = photo.versions.get()
    assert status["result_url"].endswith(f"/versions/{version.code}/file/result/")
    assert status["thumbnail_url"].endswith(f"/versions/{version.code}/file/thumb/")
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert "Restored" in page and 'class="compare has-after"' in page
    download = alice_client.get(status["result_url"])
    assert download["Content-Disposition"] == 'attachment; filename="p - restored v1.jpg"'


def test_restoring_again_keeps_every_version_and_shows_the_newest(alice_client, photo):
    first = photo.versions.get()
    run(first)
    response = alice_client.post(
        f"{photo.get_absolute_url()}restore/",
        {"restoration_type": "2", "model_type": "2", "change_color": "on"},
    )
    assert response.status_code == 302
    photo.refresh_from_db()
    second = photo.latest_version
    assert second != first
    # colorize was asked for; whether colour was added is known once it is done
    assert second.restoration.options_label == "Severe, smart enhancement, colorize"
    assert photo.shown_version() == first  # until the new one is done
    run(second)
    assert photo.shown_version() == second
    # The person prefers the first one.
    alice_client.post(f"{photo.get_absolute_url()}versions/{first.code}/show/")
    photo.refresh_from_db()
    assert photo.chosen_version == first and photo.shown_version() == first


def test_asking_twice_for_the_same_restoration_gives_the_running_one(alice_client, photo):
    options = {"restoration_type": "1", "model_type": "1"}
    alice_client.post(f"{photo.get_absolute_url()}restore/", options)
    assert photo.versions.count() == 1


def test_a_finished_identical_restoration_is_reused(alice_client, photo):
    run(photo.versions.get())
    alice_client.post(f"{photo.get_absolute_url()}restore/", {"restoration_type": "1"})
    newest = photo.versions.order_by("-created_at", "-pk").first()
    assert newest.restoration.state == State.DONE
    assert newest.restoration.reused_from is not None


def test_cancelling_a_queued_restoration(alice_client, photo):
    version = photo.versions.get()
    alice_client.post(f"{photo.get_absolute_url()}versions/{version.code}/cancel/")
    version.restoration.refresh_from_db()
    assert version.restoration.state == State.CANCELLED
    status = alice_client.get(f"/albums/{photo.album.code}/status.json").json()["photos"][0]
    assert status["state"] == "cancelled"


def test_trying_a_failed_restoration_again(alice_client, photo):
    version = photo.versions.get()
    version.restoration.mark_failed("engine_error", "It broke.")
    status = alice_client.get(f"/albums/{photo.album.code}/status.json").json()["photos"][0]
    assert (status["state"], status["error"]) == ("failed", "It broke.")
    alice_client.post(f"{photo.get_absolute_url()}versions/{version.code}/retry/")
    version.restoration.refresh_from_db()
    assert version.restoration.state == State.QUEUED
    assert run(version).state == State.DONE


def test_deleting_a_version_removes_its_files(
    alice_client, photo, media_root, django_capture_on_commit_callbacks
):
    version = photo.versions.get()
    restoration = run(version)
    names = [restoration.result.name, restoration.result_thumbnail.name]
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"{photo.get_absolute_url()}versions/{version.code}/delete/")
    assert not Restoration.objects.filter(pk=restoration.pk).exists()
    assert not any(default_storage.exists(name) for name in names)
    photo.refresh_from_db()
    assert photo.latest_version is None


def test_deleting_a_photo_removes_its_restorations(
    alice_client, photo, media_root, django_capture_on_commit_callbacks
):
    run(photo.versions.get())
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"{photo.get_absolute_url()}delete/")
    assert not Restoration.objects.exists()
    assert stored_files() == []


@pytest.mark.parametrize("visitor", ["charlie_client", "anon_client"])
def test_others_get_404_for_versions_and_their_files(request, alice_client, photo, visitor):
    version = photo.versions.get()
    run(version)
    client = request.getfixturevalue(visitor)
    base = f"{photo.get_absolute_url()}versions/{version.code}/"
    for kind in ("thumb", "display", "result"):
        assert alice_client.get(f"{base}file/{kind}/").status_code == 200
        assert client.get(f"{base}file/{kind}/").status_code == 404
    for action in ("show", "delete", "cancel", "retry"):
        assert client.post(f"{base}{action}/").status_code == 404
    assert client.post(f"{photo.get_absolute_url()}restore/", {}).status_code == 404
    assert Restoration.objects.count() == 1


def test_the_page_says_when_a_photo_was_scaled_down_for_picwish(settings, alice_client, album):
    settings.RESTORER_PROVIDER = "picwish"
    settings.PICWISH_API_KEY = "k"
    ProviderHold.place("auth_failed", "PicWish refused the API key.")  # prepare, don't send
    alice_client.post(
        f"/albums/{album.code}/upload/",
        {"photos": [SimpleUploadedFile("big.jpg", images.jpeg(3000, 2000))]},
    )
    photo = album.photos.get()
    restoration = run(photo.versions.get())
    assert (restoration.input_width, restoration.input_height) == (2048, 1365)
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert "Restored at 2048 × 1365" in page and "scaled down" in page


def test_the_embedded_engine_is_given_the_full_resolution(local, alice_client, album):
    alice_client.post(
        f"/albums/{album.code}/upload/",
        {"photos": [SimpleUploadedFile("big.jpg", images.jpeg(3000, 2000))]},
    )
    photo = album.photos.get()
    restoration = run(photo.versions.get())
    assert (restoration.result_width, restoration.result_height) == (3000, 2000)
    assert "scaled down" not in alice_client.get(photo.get_absolute_url()).content.decode()


@pytest.fixture
def held_photo(settings, alice_client, album) -> Photo:
    """A photo uploaded for PicWish while submissions are on hold."""
    settings.RESTORER_PROVIDER = "picwish"
    settings.PICWISH_API_KEY = "k"
    ProviderHold.place("auth_failed", "PicWish refused the API key.")
    alice_client.post(
        f"/albums/{album.code}/upload/", {"photos": [SimpleUploadedFile("p.jpg", images.jpeg())]}
    )
    return album.photos.get()


def test_a_hold_is_explained_on_the_photos(held_photo, alice_client, album):
    status = alice_client.get(f"/albums/{album.code}/status.json").json()["photos"][0]
    assert status["state"] == "queued"
    assert status["error"] == "Paused: PicWish refused the API key."
    page = alice_client.get(album.photos.get().get_absolute_url()).content.decode()
    assert "Paused: PicWish refused the API key." in page


@pytest.fixture
def picwish(settings):
    settings.RESTORER_PROVIDER = "picwish"
    settings.PICWISH_API_KEY = "k"


def upload_one(client, album, seed: int) -> dict:
    """Upload one photo as the page's script does; its entry in the JSON answer."""
    data = {"photos": [SimpleUploadedFile(f"{seed}.jpg", images.jpeg(seed=seed))]}
    response = client.post(
        f"/albums/{album.code}/upload/", data, headers={"Accept": "application/json"}
    )
    return response.json()["photos"][0]


def test_the_quota_is_explained_when_an_upload_cannot_be_restored(
    picwish, settings, alice_client, album
):
    settings.RESTORER_MONTHLY_QUOTA = 1
    assert "notice" not in upload_one(alice_client, album, 1)
    entry = upload_one(alice_client, album, 2)
    assert "code" in entry  # the photo is kept ...
    assert entry["notice"].startswith("You have used all 1 restorations of")  # ... not restored
    assert entry["state"] == "stored"


def restore_a_grey_photo_in_colour(client, album) -> tuple[Photo, Restoration]:
    """Upload a black-and-white picture and restore it with colorize on."""
    from PIL import Image

    from tests.images import encode

    grey = Image.new("L", (240, 180), 120)
    grey.paste(200, (40, 40, 120, 120))
    client.post(
        f"/albums/{album.code}/upload/",
        {"photos": [SimpleUploadedFile("grey.png", encode(grey, "PNG"))]},
    )
    photo = album.photos.get()
    client.post(
        f"{photo.get_absolute_url()}restore/",
        {"restoration_type": "1", "model_type": "1", "change_color": "on"},
    )
    photo.refresh_from_db()
    return photo, run(photo.latest_version)


def test_the_page_says_plainly_when_a_photo_was_not_colorized(local, alice_client, album):
    photo, restoration = restore_a_grey_photo_in_colour(alice_client, album)
    assert restoration.state == State.DONE
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert "not colorized" in page.lower()


def test_with_a_colorization_model_black_and_white_photos_get_colour(
    local, settings, alice_client, album, tmp_path
):
    pytest.importorskip("onnx")
    import io

    import numpy as np
    from PIL import Image

    from tests.engine.test_colorize import _tiny_colorizer

    settings.RESTORER_COLORIZE_MODEL = str(_tiny_colorizer(tmp_path / "tiny.onnx"))
    photo, restoration = restore_a_grey_photo_in_colour(alice_client, album)
    assert restoration.state == State.DONE, restoration.error_message
    with restoration.result.open("rb") as handle:
        result = np.asarray(Image.open(io.BytesIO(handle.read())).convert("RGB")).astype(int)
    spread = (result.max(axis=2) - result.min(axis=2)).mean()
    assert spread > 10  # the grey picture now has colour
    page = alice_client.get(photo.get_absolute_url()).content.decode().lower()
    assert "not colorized" not in page


def test_a_missing_colorization_model_stops_the_start(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    environment = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "RESTORER_COLORIZE_MODEL": "/no/model.onnx",
    }
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parent.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "RESTORER_COLORIZE_MODEL='/no/model.onnx' is not a file" in result.stderr


def test_an_unfinished_version_is_not_deleted(alice_client, photo):
    version = photo.versions.get()
    Restoration.objects.filter(pk=version.restoration_id).update(
        provider="picwish", state=State.SUBMITTED, remote_task_id="paid-task"
    )
    response = alice_client.post(f"{photo.get_absolute_url()}versions/{version.code}/delete/")
    assert response.status_code == 302
    restoration = Restoration.objects.get(pk=version.restoration_id)
    assert restoration.state == State.SUBMITTED and restoration.remote_task_id == "paid-task"
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert "can be deleted once it has finished" in page


def test_deleting_a_queued_version_cancels_it(alice_client, photo):
    version = photo.versions.get()
    assert version.restoration.state == State.QUEUED
    alice_client.post(f"{photo.get_absolute_url()}versions/{version.code}/delete/")
    version.restoration.refresh_from_db()
    assert version.restoration.state == State.CANCELLED


def test_the_notes_are_those_of_the_version_shown(alice_client, photo):
    first = photo.versions.get()
    run(first)
    alice_client.post(
        f"{photo.get_absolute_url()}restore/", {"restoration_type": "2", "model_type": "2"}
    )
    photo.refresh_from_db()
    second = photo.latest_version
    run(second)
    Restoration.objects.filter(pk=first.restoration_id).update(notes="Note of the first")
    Restoration.objects.filter(pk=second.restoration_id).update(notes="Note of the second")
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert "Note of the second" in page and "Note of the first" not in page
    alice_client.post(f"{photo.get_absolute_url()}versions/{first.code}/show/")
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert "Note of the first" in page and "Note of the second" not in page


def test_a_hold_reads_the_same_on_every_page_and_in_the_status(held_photo, alice_client, album):
    photo = held_photo
    status = alice_client.get(f"/albums/{album.code}/status.json").json()["photos"][0]
    assert status["label"] == "Paused"
    grid = alice_client.get(f"/albums/{album.code}/").content.decode()
    assert '<span class="tile-status" aria-live="polite">Paused</span>' in grid
    one = alice_client.get(f"/albums/{album.code}/status.json?photo={photo.code}").json()
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert one["photos"][0]["html"].strip() in page
    assert ">Paused</span>" in one["photos"][0]["html"]


def test_a_cancelled_restoration_deleted_later_uses_no_quota(
    picwish, settings, alice_client, album
):
    settings.RESTORER_MONTHLY_QUOTA = 1
    ProviderHold.place("auth_failed", "PicWish refused the API key.")  # nothing is sent
    first = upload_one(alice_client, album, 1)
    photo = Photo.objects.get(code=first["code"])
    version = photo.versions.get()
    delete = f"{photo.get_absolute_url()}versions/{version.code}/delete/"
    alice_client.post(delete)  # queued: cancelled, not deleted
    assert Restoration.objects.get(pk=version.restoration_id).state == State.CANCELLED
    alice_client.post(delete)  # now finished: deleted
    assert not photo.versions.exists()
    assert "notice" not in upload_one(alice_client, album, 2)


def test_deleting_photos_and_versions_gives_no_quota_back(picwish, settings, alice_client, album):
    # The attack: the quota counted Restoration rows, and deleting a photo or a version
    # deletes its row, so upload-delete-upload went past the monthly quota.
    settings.RESTORER_MONTHLY_QUOTA = 2

    first = upload_one(alice_client, album, 1)
    assert "notice" not in first
    photo = Photo.objects.get(code=first["code"])
    alice_client.post(f"{photo.get_absolute_url()}delete/")
    assert not Photo.objects.filter(code=first["code"]).exists()

    second = upload_one(alice_client, album, 2)
    assert "notice" not in second
    photo = Photo.objects.get(code=second["code"])
    version = photo.versions.get()
    # Only a finished version can be deleted (a queued one is cancelled, which gives
    # back a quota nothing was paid for): this one was paid for and is done.
    Restoration.objects.filter(pk=version.restoration_id).update(
        state=State.DONE, remote_task_id="paid-task"
    )
    alice_client.post(f"{photo.get_absolute_url()}versions/{version.code}/delete/")
    assert not photo.versions.exists()

    third = upload_one(alice_client, album, 3)
    assert third["notice"].startswith("You have used all 2 restorations of")
    again = alice_client.post(f"{photo.get_absolute_url()}restore/", {"restoration_type": 2})
    assert not photo.versions.exists()
    page = alice_client.get(again["Location"]).content.decode()
    assert "You have used all 2 restorations" in page


def test_members_reach_only_the_shown_version(local, photo, album, alice_client, bob):
    # The finding: a member could reach every version of a photo, not only the shown one.
    from django.test import Client

    from albums.models import AlbumMember

    first = photo.versions.get()
    run(first)
    alice_client.post(f"{photo.get_absolute_url()}restore/", {"restoration_type": 2})
    second = photo.versions.exclude(pk=first.pk).get()
    run(second)
    alice_client.post(f"{photo.get_absolute_url()}versions/{first.code}/show/")
    AlbumMember.objects.create(album=album, user=bob)
    member = Client()
    member.force_login(bob)
    base = f"{photo.get_absolute_url()}versions/"
    for kind in ("thumb", "display", "result"):
        assert member.get(f"{base}{first.code}/file/{kind}/").status_code == 200, kind
        assert member.get(f"{base}{second.code}/file/{kind}/").status_code == 404, kind
        assert alice_client.get(f"{base}{second.code}/file/{kind}/").status_code == 200, kind
    page = member.get(photo.get_absolute_url()).content.decode()
    assert first.code in page and second.code not in page


def test_each_version_and_the_original_download_under_their_own_names(alice_client, photo):
    run(photo.versions.get())
    alice_client.post(f"{photo.get_absolute_url()}restore/", {"restoration_type": "2"})
    photo.refresh_from_db()
    run(photo.latest_version)
    first, second = photo.versions.order_by("created_at", "pk")
    names = [
        alice_client.get(f"{photo.get_absolute_url()}versions/{v.code}/file/result/")[
            "Content-Disposition"
        ]
        for v in (second, first)
    ]
    assert names == [
        'attachment; filename="p - restored v2.jpg"',
        'attachment; filename="p - restored v1.jpg"',
    ]
    original = alice_client.get(f"{photo.get_absolute_url()}file/original/")
    assert original["Content-Disposition"] == 'attachment; filename="p - original.jpg"'
    # Deleting the first does not make the second take its name.
    alice_client.post(f"{photo.get_absolute_url()}versions/{first.code}/delete/")
    download = alice_client.get(f"{photo.get_absolute_url()}versions/{second.code}/file/result/")
    assert download["Content-Disposition"] == 'attachment; filename="p - restored v1.jpg"'


def test_deleting_a_version_asks_first(alice_client, photo):
    version = photo.versions.get()
    run(version)
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    confirm_url = f"{photo.get_absolute_url()}versions/{version.code}/delete/"
    assert f'href="{confirm_url}"' in page
    confirm = alice_client.get(confirm_url)
    assert confirm.status_code == 200
    assert "Delete version 1?" in confirm.content.decode()
    assert 'method="post"' in confirm.content.decode()
    assert photo.versions.filter(pk=version.pk).exists()  # asking deleted nothing
    alice_client.post(confirm_url)
    assert not photo.versions.filter(pk=version.pk).exists()


def test_only_the_owner_is_asked_about_deleting_a_version(bob, bob_client, charlie_client, photo):
    from albums.models import AlbumMember

    version = photo.versions.get()
    AlbumMember.objects.create(album=photo.album, user=bob)
    url = f"{photo.get_absolute_url()}versions/{version.code}/delete/"
    assert bob_client.get(url).status_code == 404
    assert charlie_client.get(url).status_code == 404
    assert bob_client.post(url).status_code == 404
    assert photo.versions.filter(pk=version.pk).exists()
