import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import images

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    client.force_login(admin)
    return client


@pytest.fixture
def photo(album):
    return album.add_photo(SimpleUploadedFile("farm.jpg", images.jpeg()))


def test_staff_see_albums_and_photos_with_thumbnails(staff_client, album, photo):
    albums = staff_client.get("/admin/albums/album/")
    assert b"Grandma&#x27;s box" in albums.content
    photos = staff_client.get("/admin/albums/photo/?q=farm")
    thumb_url = f"/admin/albums/photo/{photo.pk}/thumbnail/"
    assert thumb_url.encode() in photos.content
    assert staff_client.get(thumb_url)["Content-Type"] == "image/jpeg"
    assert staff_client.get(f"/admin/albums/photo/{photo.pk}/change/").status_code == 200
    filtered = staff_client.get("/admin/albums/photo/?preparation__exact=failed")
    assert b"farm.jpg" not in filtered.content
    assert staff_client.get("/admin/auth/user/").status_code == 200


def test_people_without_staff_rights_get_no_admin_thumbnails(alice_client, photo):
    response = alice_client.get(f"/admin/albums/photo/{photo.pk}/thumbnail/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
