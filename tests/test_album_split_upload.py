"""Uploading a flatbed scan of several prints with "Each scan holds several photos" (split=1)."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from albums.models import Photo
from restorer import tasks
from restorer.models import Restoration
from tests.images import encode
from tests.scans import Placed, layout, make_scan

pytestmark = pytest.mark.django_db
SCAN = (1200, 1600)
ANGLES = [-30, 7, 0, 44]


@pytest.fixture(autouse=True)
def local(settings):
    settings.RESTORER_PROVIDER = "local"


def scan_png(background=245, angles=ANGLES, seed=1) -> tuple[bytes, list]:
    placed = layout(SCAN, angles, seed=seed)
    return encode(Image.fromarray(make_scan(SCAN, placed, background=background, seed=seed)),
                  "PNG"), placed  # fmt: skip


def upload(client, album, data: bytes, name="box.png", split=True, json=True):
    fields = {"photos": [SimpleUploadedFile(name, data)]}
    if split:
        fields["split"] = "1"
    headers = {"Accept": "application/json"} if json else {}
    return client.post(f"/albums/{album.code}/upload/", fields, headers=headers)


def test_a_scan_becomes_one_photo_per_print(alice_client, album):
    data, placed = scan_png()
    response = upload(alice_client, album, data)
    assert response.status_code == 200
    entries = response.json()["photos"]
    assert len(entries) == len(placed)
    assert [e["source"] for e in entries] == ["box.png"] * len(placed)
    assert [e["name"] for e in entries] == [f"box ({i} of 4).png" for i in range(1, 5)]
    photos = [Photo.objects.get(code=e["code"]) for e in entries]
    # the scan is stored once; each photo keeps its region of it
    assert len({p.original.name for p in photos}) == 1
    with default_storage.open(photos[0].original.name, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == hashlib.sha256(data).hexdigest()
    assert all(p.frame for p in photos)
    sizes = sorted((p.width, p.height) for p in photos)
    expected = sorted((pl.width, pl.height) for pl in placed)
    for (w, h), (ew, eh) in zip(sizes, expected, strict=True):
        assert abs(w - ew) <= 0.01 * ew and abs(h - eh) <= 0.01 * eh
    assert sum(p.size for p in photos) == len(data)
    # each is restored as the print, upright and cropped
    restoration = photos[1].versions.get().restoration
    assert restoration.source_frame == photos[1].frame
    tasks.prepare(restoration.pk)
    restoration.refresh_from_db()
    assert restoration.state == Restoration.State.DONE, restoration.error_message
    assert (restoration.result_width, restoration.result_height) == (
        photos[1].width,
        photos[1].height,
    )


def test_prints_on_a_black_lid_are_split_too(alice_client, album):
    data, placed = scan_png(background=10, angles=[-4, 0, 7], seed=2)
    entries = upload(alice_client, album, data).json()["photos"]
    assert len(entries) == 3 and all("code" in e for e in entries)


def test_without_javascript_the_form_field_splits_and_says_how_many(alice_client, album):
    data, _ = scan_png()
    response = upload(alice_client, album, data, json=False)
    assert response.status_code == 302
    assert album.photos.count() == 4
    page = alice_client.get(album.get_absolute_url())
    assert "4 photos uploaded." in page.content.decode()
    assert 'name="split" value="1"' in page.content.decode()


def test_a_scan_without_separate_prints_is_kept_whole_with_a_message(alice_client, album):
    # a photo with no lid around it: picture right up to the scan's edges
    plain = make_scan((800, 600), [Placed(400, 300, 800, 600, 0.0)], seed=4)
    [entry] = upload(alice_client, album, encode(Image.fromarray(plain), "PNG")).json()["photos"]
    photo = Photo.objects.get(code=entry["code"])
    assert photo.frame is None and (photo.width, photo.height) == (800, 600)
    assert "No separate prints were found" in entry["notice"]


def test_the_same_scan_split_twice_is_a_duplicate(alice_client, album):
    data, _ = scan_png()
    upload(alice_client, album, data)
    files = default_storage.listdir("originals")[1]
    [entry] = upload(alice_client, album, data, name="again.png").json()["photos"]
    assert "already in this album" in entry["error"]
    assert album.photos.count() == 4
    assert default_storage.listdir("originals")[1] == files  # nothing left behind


def test_a_file_that_is_no_picture_is_refused(alice_client, album):
    [entry] = upload(alice_client, album, b"not a picture at all").json()["photos"]
    assert entry["error"].startswith("box.png ")
    assert not album.photos.exists()


def test_the_scan_stays_while_one_of_its_photos_does(
    alice_client, album, django_capture_on_commit_callbacks
):
    data, _ = scan_png()
    upload(alice_client, album, data)
    photos = list(album.photos.all())
    name = photos[0].original.name
    for photo in photos[:-1]:
        with django_capture_on_commit_callbacks(execute=True):
            alice_client.post(f"{photo.get_absolute_url()}delete/")
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"{photos[-1].get_absolute_url()}delete/")
    assert not default_storage.exists(name)


def test_only_the_owner_can_upload_scans(bob_client, album):
    data, _ = scan_png()
    assert upload(bob_client, album, data).status_code == 404
    assert not album.photos.exists()


def test_download_all_holds_the_scan_once_and_each_print_restored(alice_client, album):
    data, placed = scan_png(angles=[-4, 7], seed=3)
    entries = upload(alice_client, album, data).json()["photos"]
    for photo in Photo.objects.filter(code__in=[e["code"] for e in entries]):
        tasks.prepare(photo.versions.get().restoration.pk)
    response = alice_client.get(f"/albums/{album.code}/download.zip?include=both")
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert len([n for n in names if n.startswith("Originals/")]) == 1
    assert len([n for n in names if n.startswith("Restored/")]) == len(placed)
