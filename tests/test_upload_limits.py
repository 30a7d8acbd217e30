"""Limits on what one request and one person may send: refused before the body is read."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from albums.models import Photo
from restorer import imaging
from tests import images

pytestmark = pytest.mark.django_db


def upload(client, album, files, json=True):
    payload = {"photos": [SimpleUploadedFile(name, data) for name, data in files]}
    headers = {"Accept": "application/json"} if json else {}
    return client.post(f"/albums/{album.code}/upload/", payload, headers=headers)


@pytest.fixture
def strict_client(alice):
    """alice's browser, with CSRF checked as in production."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    return client


def test_a_request_over_the_size_cap_is_refused_before_it_is_read(settings, strict_client, album):
    # The attack: 200 files x 50 MB, 10 GB in one request, received whole before
    # anything was refused. Refused here before the CSRF check reads the body (which
    # would answer 403 for this request without a token).
    settings.MAX_REQUEST_SIZE = 200 * 1024
    files = [(f"{n}.jpg", images.noise_jpeg(300, 300)) for n in range(8)]
    response = upload(strict_client, album, files)
    assert response.status_code == 413
    assert response["Connection"] == "close"
    assert "at most 200 KB" in response.json()["error"]
    page = upload(strict_client, album, files, json=False)
    assert page.status_code == 413
    assert b"at most 200 KB" in page.content
    assert not Photo.objects.exists()


def test_the_storage_quota_refuses_early_and_per_file(settings, alice_client, album):
    settings.STORAGE_QUOTA_PER_PERSON = 60 * 1024
    first = images.noise_jpeg(200, 200)
    assert "code" in upload(alice_client, album, [("a.jpg", first)]).json()["photos"][0]
    used = Photo.objects.get().size
    # More than is left, by the request's size: refused before it is read.
    big = [(f"{n}.jpg", images.noise_jpeg(200, 200)) for n in range(1, 4)]
    response = upload(alice_client, album, big)
    assert response.status_code == 413
    assert "storage" in response.json()["error"]
    # A request that fits: taken.
    second, third = images.noise_jpeg(200, 200), images.noise_jpeg(200, 200)
    settings.STORAGE_QUOTA_PER_PERSON = used + len(second) + len(third) + 4096
    entries = upload(alice_client, album, [("b.jpg", second), ("c.jpg", third)]).json()["photos"]
    assert all("code" in entry for entry in entries)
    # Each file is checked again as it is stored (uploads running side by side).
    with pytest.raises(imaging.ImageRejected, match="storage"):
        album.add_photo(SimpleUploadedFile("d.jpg", images.noise_jpeg(200, 200)))
    assert Photo.objects.count() == 3


def test_other_pages_are_not_limited_by_the_storage_quota(settings, alice_client, album):
    settings.STORAGE_QUOTA_PER_PERSON = 1024
    response = alice_client.post(f"/albums/{album.code}/edit/", {"title": "x" * 2000})
    assert response.status_code == 200  # a form error, not a refusal


def test_too_many_files_with_json_answers_json(settings, alice_client, album):
    # Info: more than MAX_UPLOAD_FILES with Accept: application/json answered HTML.
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = settings.MAX_UPLOAD_FILES = 2
    files = [(f"{n}.png", images.png(seed=n)) for n in range(3)]
    response = upload(alice_client, album, files)
    assert response.status_code == 400
    assert response.json()["error"] == "You sent more than 2 files; at most 2 go in one upload."
    assert not Photo.objects.exists()
