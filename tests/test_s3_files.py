"""Files on S3-compatible storage: a private bucket, presigned URLs only after the access check.

Runs against the suite's S3 endpoint when it has one, else against moto's server on 127.0.0.1.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from albums.models import Photo
from restorer.files import is_object_storage
from tests import images

pytestmark = pytest.mark.django_db
BUCKET = "restorer-files-test"


@pytest.fixture
def on_s3(settings, s3_endpoint):
    bucket = settings.S3_BUCKET or s3_endpoint.create_bucket(BUCKET)
    options = s3_endpoint.storage_options(bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options},
    }
    assert is_object_storage()
    return s3_endpoint


@pytest.fixture
def photo(on_s3, alice_client, album) -> Photo:
    upload = SimpleUploadedFile("Grandad 1931.jpg", images.jpeg(640, 480, seed=4))
    alice_client.post(f"/albums/{album.code}/upload/", {"photos": [upload]})
    return album.photos.get()


def redirect(client, url: str):
    """The application's own answer (the suite's client would follow it to the bucket)."""
    return client.generic("GET", url)


def test_an_upload_is_stored_in_the_bucket(on_s3, photo):
    options = default_storage.location
    listed = on_s3.client().list_objects_v2(Bucket=default_storage.bucket_name, Prefix=options)
    keys = {item["Key"] for item in listed.get("Contents", [])}
    assert {f"{options}/{name}" for name in photo.stored_files()} == keys
    assert len(keys) == 3  # the original, the thumbnail and the display size


def test_the_owner_is_sent_to_a_short_lived_presigned_url(settings, on_s3, alice_client, photo):
    response = redirect(alice_client, f"{photo.get_absolute_url()}file/thumb/")
    assert response.status_code == 302
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"].startswith("private")
    url = response["Location"]
    assert url.startswith(on_s3.url)
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]  # SigV4
    assert query["X-Amz-Expires"] == [str(settings.S3_URL_EXPIRY)]
    assert query["response-content-type"] == ["image/jpeg"]

    fetched = requests.get(url, timeout=10)
    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"] == "image/jpeg"
    with default_storage.open(photo.thumbnail.name, "rb") as handle:
        assert fetched.content == handle.read()


def test_a_download_keeps_its_name_and_type(on_s3, alice_client, photo):
    response = redirect(alice_client, f"{photo.get_absolute_url()}file/original/")
    assert response.status_code == 302
    fetched = requests.get(response["Location"], timeout=10)
    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"] == "image/jpeg"
    disposition = fetched.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert disposition.endswith('Grandad 1931 - original.jpg"')
    # The same header as local storage sends.
    assert disposition == _local_disposition(photo, alice_client)
    assert fetched.content == images.jpeg(640, 480, seed=4)


@pytest.mark.parametrize("visitor", ["charlie_client", "anon_client"])
def test_others_get_404_and_no_url(request, on_s3, photo, visitor):
    client = request.getfixturevalue(visitor)
    for kind in ("thumb", "display", "original"):
        response = redirect(client, f"{photo.get_absolute_url()}file/{kind}/")
        assert response.status_code == 404
        assert "Location" not in response
        assert b"X-Amz" not in response.content


def test_objects_carry_no_public_grant(on_s3, photo):
    client = on_s3.client()
    name = f"{default_storage.location}/{photo.original.name}"
    grants = client.get_object_acl(Bucket=default_storage.bucket_name, Key=name)["Grants"]
    assert all("AllUsers" not in str(grant.get("Grantee", {})) for grant in grants)


def test_a_stored_name_is_never_overwritten(on_s3):
    first = default_storage.save("originals/ab/same.jpg", ContentFile(b"first"))
    second = default_storage.save("originals/ab/same.jpg", ContentFile(b"second"))
    assert first != second
    with default_storage.open(first, "rb") as handle:
        assert handle.read() == b"first"
    with default_storage.open(second, "rb") as handle:
        assert handle.read() == b"second"


def _local_disposition(photo, client) -> str:
    from django.test import override_settings

    local = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
    with override_settings(STORAGES={"default": local, "staticfiles": local}):
        default_storage.save(photo.original.name, ContentFile(b"x"))
        return redirect(client, f"{photo.get_absolute_url()}file/original/")["Content-Disposition"]
