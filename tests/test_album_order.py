"""POST /albums/<code>/order/: a new order, one photo moved, or date order."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from albums.models import AlbumMember
from tests import images

pytestmark = pytest.mark.django_db
JSON = {"Accept": "application/json"}


@pytest.fixture
def photos(alice_client, album):
    for seed in range(4):
        alice_client.post(
            f"/albums/{album.code}/upload/",
            {"photos": [SimpleUploadedFile(f"{seed}.jpg", images.jpeg(seed=seed))]},
        )
    return list(album.photos.order_by("position"))


def order(album) -> list[str]:
    return list(album.photos.order_by("position", "pk").values_list("code", flat=True))


def test_a_new_order_persists_and_the_page_shows_it(alice_client, album, photos):
    new = [photos[2].code, photos[0].code, photos[3].code, photos[1].code]
    response = alice_client.post(f"/albums/{album.code}/order/", {"photos": new}, headers=JSON)
    assert response.status_code == 200
    assert response.json()["photos"] == new
    assert order(album) == new
    page = alice_client.get(f"/albums/{album.code}/").content.decode()
    assert [page.index(f'id="photo-{code}"') for code in new] == sorted(
        page.index(f'id="photo-{code}"') for code in new
    )
    assert alice_client.get(f"/albums/{album.code}/order/").json()["photos"] == new


def test_a_comma_separated_order_is_taken_too(alice_client, album, photos):
    new = [p.code for p in reversed(photos)]
    response = alice_client.post(f"/albums/{album.code}/order/", {"photos": ",".join(new)})
    assert response.status_code == 302
    assert order(album) == new


@pytest.mark.parametrize(
    "wrong",
    [
        lambda codes: codes[:3],  # one missing
        lambda codes: codes + ["nosuchphoto1"],  # one unknown
        lambda codes: codes[:3] + [codes[0]],  # one twice
        lambda codes: [],
    ],
)
def test_a_bad_order_is_refused_and_changes_nothing(alice_client, album, photos, wrong):
    before = order(album)
    response = alice_client.post(
        f"/albums/{album.code}/order/", {"photos": wrong(list(reversed(before)))}, headers=JSON
    )
    assert response.status_code == 400
    assert response.json()["error"]
    assert order(album) == before
    page = alice_client.post(f"/albums/{album.code}/order/", {"photos": wrong(before)})
    assert page.status_code == 400 and "Nothing was changed" in page.content.decode()


def test_a_photo_of_another_album_is_refused(alice_client, alice, album, photos):
    from albums.models import Album

    other = Album.objects.create(owner=alice, title="Other")
    alice_client.post(
        f"/albums/{other.code}/upload/",
        {"photos": [SimpleUploadedFile("x.jpg", images.jpeg(seed=9))]},
    )
    codes = order(album)[:3] + [other.photos.get().code]
    response = alice_client.post(f"/albums/{album.code}/order/", {"photos": codes}, headers=JSON)
    assert response.status_code == 400


def test_moving_one_photo_earlier_or_later_without_script(alice_client, album, photos):
    a, b, c, d = (p.code for p in photos)
    response = alice_client.post(f"/albums/{album.code}/order/", {"earlier": c, "page": "1"})
    assert response.status_code == 302 and response["Location"].endswith(f"#photo-{c}")
    assert order(album) == [a, c, b, d]
    alice_client.post(f"/albums/{album.code}/order/", {"later": a})
    assert order(album) == [c, a, b, d]
    alice_client.post(f"/albums/{album.code}/order/", {"earlier": c})  # first already
    assert order(album) == [c, a, b, d]


def test_sorting_by_date_puts_undated_photos_last(alice_client, album, photos):
    dates = ["1950", "", "about 1935", "June 1935"]
    for photo, written in zip(photos, dates, strict=True):
        response = alice_client.post(
            f"{photo.get_absolute_url()}details/",
            {"caption": "", "date": written, "place": "", "people": ""},
        )
        assert response.status_code == 302
    alice_client.post(f"/albums/{album.code}/order/", {"sort": "date"})
    assert order(album) == [photos[2].code, photos[3].code, photos[0].code, photos[1].code]


def test_members_and_others_cannot_reorder(bob_client, charlie_client, bob, album, photos):
    AlbumMember.objects.create(album=album, user=bob)
    before = order(album)
    for client in (bob_client, charlie_client):
        response = client.post(f"/albums/{album.code}/order/", {"photos": before[::-1]})
        assert response.status_code == 404
        assert client.get(f"/albums/{album.code}/order/").status_code == 404
    assert order(album) == before
    page = bob_client.get(f"/albums/{album.code}/").content.decode()
    assert "order-form" not in page and "bulk-form" not in page
