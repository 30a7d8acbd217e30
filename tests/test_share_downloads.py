"""Downloads for members and link visitors: damaged files, and work done once."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from albums.models import Photo
from restorer import imaging
from tests import images
from tests.test_sharing import make_link, shared_album  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db


def damage(photo: Photo) -> None:
    """The stored original keeps a valid PNG header but loses most of its data."""
    data = images.png(300, 200, seed=9)
    default_storage.delete(photo.original.name)
    name = default_storage.save(photo.original.name, ContentFile(data[: len(data) // 3]))
    Photo.objects.filter(pk=photo.pk).update(original=name)


def zip_of(response) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.testzip() is None
    return archive


def test_a_damaged_photo_is_left_out_with_a_note(shared_album, bob):  # noqa: F811
    # The attack: one stored photo with a valid header and truncated data made the link
    # visitor's download answer 500 and cut every ZIP short.
    first, second = shared_album.photos.order_by("position")
    damage(second)  # not restored: its original is what visitors get
    link, token = make_link(shared_album)
    visitor = Client()

    download = visitor.get(f"/s/{token}/photos/{second.code}/file/download/")
    assert download.status_code == 404
    assert b"cannot be read" in download.content
    assert visitor.get(f"/s/{token}/photos/{first.code}/file/download/").status_code == 200

    member = Client()
    member.force_login(bob)
    for response in (
        visitor.get(f"/s/{token}/zip/"),
        member.get(f"/albums/{shared_album.code}/download.zip"),
    ):
        archive = zip_of(response)
        assert archive.namelist() == [
            "Grandma's box - 001 (restored).jpg",
            "Not included.txt",
        ]
        note = archive.read("Not included.txt").decode()
        assert "Grandma's box - 002.jpg" in note
        assert "cannot be read" in note


def test_an_unrestored_original_is_made_clean_once_for_every_visitor(
    shared_album,  # noqa: F811
    monkeypatch,
):
    # The attack: every download of an unrestored original re-encoded it at full size
    # (seconds and a gigabyte of memory for 100 MP), for anyone with the link.
    second = shared_album.photos.order_by("position")[1]
    link, token = make_link(shared_album)
    decoded = []
    plain_load = imaging.load

    def load(*args, **kwargs):
        decoded.append(1)
        return plain_load(*args, **kwargs)

    monkeypatch.setattr(imaging, "load", load)
    url = f"/s/{token}/photos/{second.code}/file/download/"
    first = b"".join(Client().get(url))
    assert decoded == [1]
    for _ in range(3):
        assert b"".join(Client().get(url)) == first
    archive = zip_of(Client().get(f"/s/{token}/zip/"))
    assert archive.read("Grandma's box - 002.jpg") == first
    assert decoded == [1]


def test_colour_profiles_are_stripped_from_what_others_get(settings, alice_client, album, bob):
    # The finding: ICC profiles, which can name the scanner or camera, reached members and
    # link visitors in thumbnails, display sizes and downloads.
    from PIL import Image, ImageCms

    from albums.models import AlbumMember
    from restorer import tasks

    settings.RESTORER_PROVIDER = "local"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    marker = icc[-48:]  # a stretch of the profile's own bytes
    upload = f"/albums/{album.code}/upload/"
    for name, seed in (("a.jpg", 1), ("b.jpg", 2)):
        data = images.jpeg(seed=seed, icc_profile=icc)
        alice_client.post(upload, {"photos": [SimpleUploadedFile(name, data)]})
    restored, plain = album.photos.order_by("position")
    tasks.prepare(restored.latest_version.restoration_id)
    plain.latest_version.restoration.cancel()
    AlbumMember.objects.create(album=album, user=bob)
    link, token = make_link(album)
    member = Client()
    member.force_login(bob)

    def assert_no_profile(data: bytes, what: str) -> None:
        assert marker not in data, what
        with Image.open(io.BytesIO(data)) as picture:
            assert "icc_profile" not in picture.info, what

    for photo in (restored, plain):
        for kind in ("thumb", "display", "before", "download"):
            url = f"/s/{token}/photos/{photo.code}/file/{kind}/"
            assert_no_profile(b"".join(Client().get(url)), url)
    shown = restored.versions.get()
    for kind in ("thumb", "display", "result"):
        url = f"{restored.get_absolute_url()}versions/{shown.code}/file/{kind}/"
        assert_no_profile(b"".join(member.get(url)), url)
    for response in (
        Client().get(f"/s/{token}/zip/"),
        member.get(f"/albums/{album.code}/download.zip"),
    ):
        archive = zip_of(response)
        for name in archive.namelist():
            assert_no_profile(archive.read(name), name)
    # The owner's original is kept exactly as uploaded, profile and all.
    original = b"".join(alice_client.get(f"{plain.get_absolute_url()}file/original/"))
    assert marker in original
