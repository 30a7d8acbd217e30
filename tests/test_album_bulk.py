"""Several photos at once: POST /albums/<code>/photos/bulk/ (restore, move, download,
delete), and applying an album's new options to the photos already in it."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from albums.models import Album, AlbumMember, Photo
from restorer.models import QuotaCharge, Restoration
from tests import images

pytestmark = pytest.mark.django_db
JSON = {"Accept": "application/json"}


@pytest.fixture
def local(settings):
    settings.RESTORER_PROVIDER = "local"


@pytest.fixture
def picwish(settings):
    settings.RESTORER_PROVIDER = "picwish"
    settings.PICWISH_API_KEY = "k"


def upload(client, album, count, start=0) -> list[Photo]:
    for seed in range(start, start + count):
        client.post(
            f"/albums/{album.code}/upload/",
            {"photos": [SimpleUploadedFile(f"{seed}.jpg", images.jpeg(seed=seed))]},
        )
    return list(album.photos.order_by("position"))


def bulk(client, source, action, photos, **extra):
    data = {"action": action, "photos": [p.code for p in photos], **extra}
    return client.post(f"/albums/{source.code}/photos/bulk/", data)


# --- restore ---------------------------------------------------------------------------


def test_restoring_again_asks_first_then_starts_each(local, alice_client, album):
    photos = upload(alice_client, album, 3)
    options = {"restoration_type": "2", "model_type": "3", "change_color": "on"}
    page = bulk(alice_client, album, "restore", photos[:2], **options)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Restore 2 photos again" in html and "No paid restoration" in html
    assert Restoration.objects.count() == 3  # the uploads' only
    done = bulk(alice_client, album, "restore", photos[:2], confirm="1", **options)
    assert done.status_code == 302
    for photo in photos[:2]:
        photo.refresh_from_db()
        latest = photo.latest_version.restoration
        assert (latest.restoration_type, latest.model_type, latest.change_color) == (2, 3, True)
        assert photo.versions.count() == 2
    assert photos[2].versions.count() == 1


def test_the_confirmation_counts_paid_restorations_and_the_quota_left(
    picwish, settings, alice_client, album
):
    settings.RESTORER_MONTHLY_QUOTA = 10
    photos = upload(alice_client, album, 3)  # three paid restorations used
    # the album's options again: under way already, so not paid twice
    same = bulk(alice_client, album, "restore", photos, restoration_type="1", model_type="1")
    assert "No paid restoration" in same.content.decode()
    # from the album page no options are posted: the album's own are offered, and counted
    album_page = bulk(alice_client, album, "restore", photos).content.decode()
    assert "No paid restoration" in album_page
    assert 'value="1" id="id_restoration_type_1" checked' in album_page
    other = bulk(alice_client, album, "restore", photos[:2], restoration_type="2")
    html = other.content.decode()
    assert "2 paid restorations" in html
    assert "You have 7 paid restorations left this month." in html


def test_a_restore_past_the_quota_starts_none(picwish, settings, alice_client, album):
    settings.RESTORER_MONTHLY_QUOTA = 4
    photos = upload(alice_client, album, 3)  # 1 left
    before = (Restoration.objects.count(), QuotaCharge.objects.count())
    page = bulk(alice_client, album, "restore", photos[:2], restoration_type="2")
    assert "That is not enough: nothing will be started" in page.content.decode()
    refused = bulk(alice_client, album, "restore", photos[:2], restoration_type="2", confirm="1")
    assert refused.status_code == 409
    assert "This needs 2 paid restorations, and you have 1 left" in refused.content.decode()
    assert (Restoration.objects.count(), QuotaCharge.objects.count()) == before
    answer = alice_client.post(
        f"/albums/{album.code}/photos/bulk/",
        {"action": "restore", "photos": [p.code for p in photos[:2]], "restoration_type": "2",
         "confirm": "1"},
        headers=JSON,
    )  # fmt: skip
    assert answer.status_code == 409 and "Nothing was started" in answer.json()["error"]
    # one fits
    assert bulk(alice_client, album, "restore", photos[:1], restoration_type="2",
                confirm="1").status_code == 302  # fmt: skip
    assert Restoration.objects.count() == before[0] + 1


# --- move ------------------------------------------------------------------------------


def test_moving_asks_where_then_moves_to_the_end(local, alice, alice_client, album):
    photos = upload(alice_client, album, 3)
    other = Album.objects.create(owner=alice, title="Wedding")
    upload(alice_client, other, 1, start=10)
    album.cover = photos[0]
    album.save()
    page = bulk(alice_client, album, "move", photos[:2])
    assert page.status_code == 200 and 'value="' + other.code + '"' in page.content.decode()
    response = bulk(alice_client, album, "move", photos[:2], album=other.code)
    assert response.status_code == 302
    assert list(album.photos.all()) == [photos[2]]
    moved = list(other.photos.order_by("position"))
    assert moved[1:] == photos[:2] and [p.position for p in moved] == [0, 1, 2]
    album.refresh_from_db()
    assert album.cover is None
    assert alice_client.get(photos[0].get_absolute_url()).status_code == 404
    assert alice_client.get(moved[1].get_absolute_url()).status_code == 200


def test_moving_to_someone_elses_album_is_refused(local, alice_client, album, bob):
    photos = upload(alice_client, album, 1)
    theirs = Album.objects.create(owner=bob, title="Bob's")
    AlbumMember.objects.create(album=theirs, user=album.owner)  # even shared with alice
    response = bulk(alice_client, album, "move", photos, album=theirs.code)
    assert response.status_code == 400
    assert list(album.photos.all()) == photos


def test_moving_a_photo_the_other_album_has_moves_none(local, alice, alice_client, album):
    photos = upload(alice_client, album, 2)
    other = Album.objects.create(owner=alice, title="Copy")
    upload(alice_client, other, 1, start=1)  # the same file as photos[1]
    response = bulk(alice_client, album, "move", photos, album=other.code)
    assert response.status_code == 400
    assert "already has" in response.content.decode()
    assert list(album.photos.order_by("position")) == photos


# --- download --------------------------------------------------------------------------


def test_downloading_the_selected_photos_as_a_zip(local, alice_client, album):
    photos = upload(alice_client, album, 3)
    response = bulk(alice_client, album, "download", [photos[0], photos[2]])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist() == [
        "Originals/Grandma's box - 001 - 0.jpg",
        "Originals/Grandma's box - 003 - 2.jpg",
    ]


# --- delete ----------------------------------------------------------------------------


def test_deleting_asks_first(local, alice_client, album, django_capture_on_commit_callbacks):
    photos = upload(alice_client, album, 3)
    page = bulk(alice_client, album, "delete", photos[:2])
    assert "Delete 2 photos?" in page.content.decode()
    assert album.photos.count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = bulk(alice_client, album, "delete", photos[:2], confirm="1")
    assert response.status_code == 302
    assert list(album.photos.all()) == [photos[2]]


# --- what is refused -------------------------------------------------------------------


def test_nothing_selected_or_photos_of_other_albums(local, alice, alice_client, album):
    photos = upload(alice_client, album, 1)
    response = alice_client.post(
        f"/albums/{album.code}/photos/bulk/", {"action": "delete", "confirm": "1"}
    )
    assert response.status_code == 302  # back, with a message
    other = Album.objects.create(owner=alice, title="Other")
    theirs = upload(alice_client, other, 1, start=5)
    refused = bulk(alice_client, album, "delete", photos + theirs, confirm="1")
    assert refused.status_code == 400
    assert Photo.objects.count() == 2
    unknown = bulk(alice_client, album, "paint", photos)
    assert unknown.status_code == 400


def test_members_and_others_cannot_act(local, alice_client, bob_client, charlie_client, bob, album):
    photos = upload(alice_client, album, 1)
    AlbumMember.objects.create(album=album, user=bob)
    for client in (bob_client, charlie_client):
        for action in ("delete", "download", "restore"):
            assert bulk(client, album, action, photos, confirm="1").status_code == 404
    assert album.photos.count() == 1


# --- applying the album's options ------------------------------------------------------


def test_new_album_options_can_be_applied_to_its_photos(picwish, settings, alice_client, album):
    settings.RESTORER_MONTHLY_QUOTA = 10
    photos = upload(alice_client, album, 2)
    form = alice_client.get(f"/albums/{album.code}/edit/").content.decode()
    assert "Also restore the 2 photos already in the album" in form
    response = alice_client.post(
        f"/albums/{album.code}/edit/",
        {"title": album.title, "description": "", "restoration_type": "2", "model_type": "1",
         "apply_to_photos": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "2 paid restorations" in html and "8 paid restorations left" in html
    assert 'name="all" value="1"' in html
    assert Restoration.objects.count() == 2  # nothing started yet
    album.refresh_from_db()
    assert album.restoration_type == 2  # the album itself is saved
    confirmed = alice_client.post(
        f"/albums/{album.code}/photos/bulk/",
        {"action": "restore", "all": "1", "restoration_type": "2", "model_type": "1",
         "confirm": "1"},
    )  # fmt: skip
    assert confirmed.status_code == 302
    for photo in photos:
        photo.refresh_from_db()
        assert photo.latest_version.restoration.restoration_type == 2
    assert QuotaCharge.objects.count() == 4


def test_saving_options_without_applying_restores_nothing(local, alice_client, album):
    upload(alice_client, album, 2)
    response = alice_client.post(
        f"/albums/{album.code}/edit/",
        {"title": album.title, "description": "", "restoration_type": "2", "model_type": "1"},
    )
    assert response.status_code == 302
    assert Restoration.objects.count() == 2


def test_a_script_gets_the_cost_before_confirming(picwish, settings, alice_client, album):
    settings.RESTORER_MONTHLY_QUOTA = 10
    photos = upload(alice_client, album, 2)
    url = f"/albums/{album.code}/photos/bulk/"
    codes = [p.code for p in photos]
    preview = alice_client.post(
        url, {"action": "restore", "photos": codes, "restoration_type": "2"}, headers=JSON
    )
    assert preview.json()["paid"] == 2 and preview.json()["quota_left"] == 8
    assert "confirm=1" in preview.json()["confirm"]
    assert Restoration.objects.count() == 2
    deleting = alice_client.post(url, {"action": "delete", "photos": codes}, headers=JSON)
    assert deleting.json()["photos"] == 2 and album.photos.count() == 2
    deleted = alice_client.post(
        url, {"action": "delete", "photos": codes, "confirm": "1"}, headers=JSON
    )
    assert deleted.json() == {"deleted": 2} and not album.photos.exists()
