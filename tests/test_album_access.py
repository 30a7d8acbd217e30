"""Who may see and change what: every album page and file, for each kind of visitor."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from albums.models import Album, Photo
from tests import images
from tests.helpers import app_answer

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(alice_client, album) -> Photo:
    alice_client.post(
        f"/albums/{album.code}/upload/",
        {"photos": [SimpleUploadedFile("p.jpg", images.jpeg())]},
    )
    return album.photos.get()


def page_urls(album, photo):
    base = f"/albums/{album.code}/"
    photo_base = f"{base}photos/{photo.code}/"
    return [
        base,
        f"{base}edit/",
        f"{base}delete/",
        f"{base}status.json",
        photo_base,
        f"{photo_base}delete/",
        f"{photo_base}file/thumb/",
        f"{photo_base}file/display/",
        f"{photo_base}file/original/",
    ]


def test_the_owner_sees_every_page_and_file(alice_client, album, photo):
    for url in page_urls(album, photo):
        response = alice_client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("visitor", ["charlie_client", "anon_client"])
def test_others_get_404_for_every_page_and_file(request, album, photo, visitor):
    client = request.getfixturevalue(visitor)
    for url in page_urls(album, photo):
        response = client.get(url)
        assert response.status_code == 404, url


@pytest.mark.parametrize("visitor", ["charlie_client", "anon_client"])
def test_others_cannot_change_anything(request, album, photo, media_root, visitor):
    client = request.getfixturevalue(visitor)
    base = f"/albums/{album.code}/"
    photo_base = f"{base}photos/{photo.code}/"
    attempts = [
        (f"{base}edit/", {"title": "Mine now", "description": ""}),
        (f"{base}delete/", {}),
        (f"{base}upload/", {"photos": [SimpleUploadedFile("x.jpg", images.jpeg(seed=5))]}),
        (f"{photo_base}caption/", {"caption": "defaced"}),
        (f"{photo_base}cover/", {}),
        (f"{photo_base}delete/", {}),
    ]
    for url, data in attempts:
        assert client.post(url, data).status_code == 404, url
    album.refresh_from_db()
    photo.refresh_from_db()
    assert album.title == "Grandma's box"
    assert album.cover_id is None
    assert photo.caption == ""
    assert list(album.photos.all()) == [photo]


def test_a_photo_is_not_reachable_through_another_album(alice_client, alice, album, photo):
    other = Album.objects.create(owner=alice, title="Other")
    response = alice_client.get(f"/albums/{other.code}/photos/{photo.code}/")
    assert response.status_code == 404


def test_an_unknown_file_kind_is_404(alice_client, album, photo):
    assert alice_client.get(f"{photo.get_absolute_url()}file/secret/").status_code == 404


def test_the_404_page_offers_a_visitor_to_log_in(anon_client, album):
    response = anon_client.get(f"/albums/{album.code}/")
    assert response.status_code == 404
    assert b"log in" in response.content


def test_new_album_asks_a_visitor_to_log_in(anon_client):
    response = anon_client.get("/albums/new/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/albums/new/")


def test_files_are_served_privately(alice_client, album, photo):
    response = alice_client.get(f"{photo.get_absolute_url()}file/thumb/")
    assert response["Content-Type"] == "image/jpeg"
    assert app_answer(response)["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    original = alice_client.get(f"{photo.get_absolute_url()}file/original/")
    assert original["Content-Disposition"] == 'attachment; filename="p - original.jpg"'


def test_there_is_no_public_media_url(alice_client, photo, media_root):
    assert alice_client.get(f"/media/{photo.original.name}").status_code == 404
    assert alice_client.get(f"/media-is-not-served/{photo.original.name}").status_code == 404
