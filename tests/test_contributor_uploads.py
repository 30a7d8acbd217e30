"""A contributor's uploads: recorded as theirs, counted against the album owner."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from albums.models import AlbumMember, Photo, Role
from restorer import imaging
from restorer.models import QuotaCharge, Restoration
from tests import images

pytestmark = pytest.mark.django_db


@pytest.fixture
def contributor(album, bob, bob_client):
    AlbumMember.objects.create(album=album, user=bob, role=Role.CONTRIBUTOR)
    return bob_client


def upload(client, album, *files):
    payload = {"photos": [SimpleUploadedFile(name, data) for name, data in files]}
    response = client.post(
        f"/albums/{album.code}/upload/", payload, headers={"Accept": "application/json"}
    )
    return response


def test_a_contributors_upload_is_theirs_and_fills_the_owners_storage(
    settings, album, alice, bob, alice_client, contributor
):
    settings.RESTORER_PROVIDER = "local"
    [entry] = upload(contributor, album, ("b.jpg", images.jpeg(seed=1))).json()["photos"]
    [mine] = upload(alice_client, album, ("a.jpg", images.jpeg(seed=2))).json()["photos"]
    photo = Photo.objects.get(code=entry["code"])
    assert photo.uploaded_by == bob and photo.album == album
    assert Photo.objects.get(code=mine["code"]).uploaded_by == alice
    assert Photo.objects.stored_by(alice) == photo.size + Photo.objects.get(code=mine["code"]).size
    assert Photo.objects.stored_by(bob) == 0
    assert photo.latest_version.restoration.owner == alice


def test_a_contributor_cannot_pass_the_owners_storage_quota(
    settings, album, bob, alice_client, contributor
):
    first, second = images.noise_jpeg(200, 200), images.noise_jpeg(200, 200)
    upload(alice_client, album, ("a.jpg", first))
    # bob has stored nothing himself; the album's owner has, and that is what counts.
    settings.STORAGE_QUOTA_PER_PERSON = len(first) + 1024
    refused = upload(contributor, album, ("b.jpg", second))
    assert refused.status_code == 413
    assert "The album owner's photos use all of their" in refused.json()["error"]
    # Each file is checked again as it is stored, against the owner's storage too.
    with pytest.raises(imaging.ImageRejected, match="the album owner's photos past their"):
        album.add_photo(SimpleUploadedFile("b.jpg", second), uploaded_by=bob)
    assert Photo.objects.count() == 1


def test_a_contributors_upload_is_restored_on_the_owners_monthly_quota(
    settings, album, alice, bob, alice_client, contributor
):
    settings.RESTORER_PROVIDER = "picwish"
    settings.PICWISH_API_KEY = "k"
    settings.RESTORER_MONTHLY_QUOTA = 2
    [entry] = upload(contributor, album, ("b.jpg", images.jpeg(seed=1))).json()["photos"]
    assert "notice" not in entry
    assert QuotaCharge.objects.get().owner == alice
    assert not QuotaCharge.objects.filter(owner=bob).exists()
    assert Restoration.objects.get().owner == alice
    upload(alice_client, album, ("a.jpg", images.jpeg(seed=2)))
    # alice's two restorations of the month are used: bob's next photo is kept, unrestored.
    [kept] = upload(contributor, album, ("c.jpg", images.jpeg(seed=3))).json()["photos"]
    assert kept["state"] == "stored"
    assert kept["notice"].startswith("The album owner has used all of this month's restorations")
    assert QuotaCharge.objects.filter(owner=alice).count() == 2


def test_a_viewer_uploads_nothing(album, bob, bob_client):
    AlbumMember.objects.create(album=album, user=bob, role=Role.VIEWER)
    assert upload(bob_client, album, ("b.jpg", images.jpeg())).status_code == 404
    assert not Photo.objects.exists()


def test_every_print_of_a_contributors_scan_is_theirs(settings, album, alice, bob, contributor):
    from PIL import Image

    from tests.images import encode
    from tests.scans import layout, make_scan

    settings.RESTORER_PROVIDER = "local"
    size = (1200, 1600)
    placed = layout(size, [0, 7], seed=1)
    scan = encode(Image.fromarray(make_scan(size, placed, seed=1)), "PNG")
    response = contributor.post(
        f"/albums/{album.code}/upload/",
        {"photos": [SimpleUploadedFile("box.png", scan)], "split": "1"},
        headers={"Accept": "application/json"},
    )
    codes = [entry["code"] for entry in response.json()["photos"]]
    assert len(codes) == 2
    assert {photo.uploaded_by for photo in Photo.objects.filter(code__in=codes)} == {bob}
    assert Photo.objects.stored_by(alice) == len(scan) and Photo.objects.stored_by(bob) == 0


def test_a_photo_added_by_no_one_in_particular_is_the_owners(album, alice):
    # The API's kept results and the admin's tools add photos with no person at hand.
    photo = album.add_photo(SimpleUploadedFile("api.jpg", images.jpeg(seed=4)))
    assert photo.uploaded_by == alice


def test_photos_from_before_contributors_are_marked_as_their_owners(album, alice):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("albums.migrations.0009_member_roles_and_uploaded_by")
    photo = album.add_photo(SimpleUploadedFile("old.jpg", images.jpeg(seed=5)))
    Photo.objects.update(uploaded_by=None)  # as the column was added, empty
    migration.owners_uploaded_the_photos_so_far(apps, None)
    photo.refresh_from_db()
    assert photo.uploaded_by == alice
