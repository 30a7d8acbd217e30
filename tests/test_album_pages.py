import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from albums.models import Album, Photo
from tests import images
from tests.helpers import stored_files

pytestmark = pytest.mark.django_db


def add_photos(client, album, count, start=0):
    for seed in range(start, start + count):
        client.post(
            f"/albums/{album.code}/upload/",
            {"photos": [SimpleUploadedFile(f"{seed}.jpg", images.jpeg(seed=seed))]},
        )
    return list(album.photos.all())


def test_a_visitor_sees_what_the_product_does(anon_client):
    response = anon_client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Start an album" in page and "shoebox" in page
    # A real before and after, made by the embedded engine (make_landing_images), not drawings.
    assert "/static/img/landing/before.jpg" in page and "/static/img/landing/after.jpg" in page


def test_the_home_page_lists_my_albums_with_covers_and_counts(alice_client, alice, album, bob):
    photos = add_photos(alice_client, album, 2)
    Album.objects.create(owner=alice, title="Empty one")
    Album.objects.create(owner=bob, title="Bob's secret album")
    response = alice_client.get("/")
    assert b"Grandma&#x27;s box" in response.content
    assert b"2 photos" in response.content
    assert b"Empty one" in response.content and b"No photos yet" in response.content
    assert b"Bob" not in response.content
    cover_url = f"/albums/{album.code}/photos/{photos[0].code}/file/thumb/"
    assert cover_url.encode() in response.content


def test_a_chosen_cover_wins(alice_client, album):
    photos = add_photos(alice_client, album, 2)
    response = alice_client.post(f"{photos[1].get_absolute_url()}cover/")
    assert response.status_code == 302
    album.refresh_from_db()
    assert album.cover == photos[1]
    page = alice_client.get("/")
    assert f"/photos/{photos[1].code}/file/thumb/".encode() in page.content


def test_creating_an_album_redirects_to_it(alice_client, alice):
    response = alice_client.post(
        "/albums/new/", {"title": "  Wedding   1961 ", "description": "Aunt Rose"}
    )
    album = Album.objects.get(owner=alice)
    assert response.status_code == 302
    assert response["Location"] == f"/albums/{album.code}/"
    assert album.title == "Wedding 1961"
    assert album.description == "Aunt Rose"
    assert len(album.code) == 12


def test_an_album_needs_a_title(alice_client, alice):
    response = alice_client.post("/albums/new/", {"title": "   ", "description": ""})
    assert response.status_code == 200
    assert b"This field is required." in response.content or b"Give the album" in response.content
    assert not Album.objects.exists()


def test_renaming_and_describing(alice_client, album):
    response = alice_client.post(
        f"/albums/{album.code}/edit/", {"title": "Box 2", "description": "Letters too"}
    )
    assert response.status_code == 302
    album.refresh_from_db()
    assert (album.title, album.description) == ("Box 2", "Letters too")


def test_deleting_an_album_asks_first_then_removes_its_files(
    alice_client, album, media_root, django_capture_on_commit_callbacks
):
    add_photos(alice_client, album, 2)
    assert len(stored_files(media_root)) == 6
    confirm = alice_client.get(f"/albums/{album.code}/delete/")
    assert b"2 photos will be deleted" in confirm.content
    assert Album.objects.filter(pk=album.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(f"/albums/{album.code}/delete/")
    assert response.status_code == 302
    assert not Album.objects.filter(pk=album.pk).exists()
    assert not Photo.objects.exists()
    assert stored_files(media_root) == []


def test_deleting_a_photo_removes_its_files(
    alice_client, album, media_root, django_capture_on_commit_callbacks
):
    [photo, other] = add_photos(alice_client, album, 2)
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"{photo.get_absolute_url()}delete/")
    assert list(album.photos.all()) == [other]
    assert sorted(stored_files(media_root)) == sorted(other.stored_files())


def test_the_album_page_shows_a_grid_with_sizes(alice_client, album):
    [photo] = add_photos(alice_client, album, 1)
    response = alice_client.get(f"/albums/{album.code}/")
    html = response.content.decode()
    assert f'width="{photo.thumbnail_width}" height="{photo.thumbnail_height}"' in html
    assert 'loading="lazy"' in html
    assert 'name="photos" multiple' in html


def test_the_album_page_is_paginated(alice_client, album, settings):
    settings.PHOTOS_PER_PAGE = 2
    photos = add_photos(alice_client, album, 5)
    first = alice_client.get(f"/albums/{album.code}/").content.decode()
    third = alice_client.get(f"/albums/{album.code}/?page=3").content.decode()
    assert photos[0].code in first and photos[2].code not in first
    assert photos[4].code in third and "Page 3 of 3" in third


def test_the_status_endpoint_describes_every_photo(alice_client, album):
    [photo] = add_photos(alice_client, album, 1)
    data = alice_client.get(f"/albums/{album.code}/status.json").json()
    assert data == {
        "photos": [
            {
                "code": photo.code,
                "state": "queued",
                "label": "Waiting",
                "tile_label": "Waiting",
                "progress": 0,
                "thumbnail_url": f"/albums/{album.code}/photos/{photo.code}/file/thumb/",
                "thumbnail_width": photo.thumbnail_width,
                "thumbnail_height": photo.thumbnail_height,
                "original_url": f"/albums/{album.code}/photos/{photo.code}/file/original/",
                "result_url": None,
                "display_url": f"/albums/{album.code}/photos/{photo.code}/file/display/",
                "error": None,
                "url": f"/albums/{album.code}/photos/{photo.code}/",
                "title": "0.jpg",
            }
        ]
    }


def test_the_status_endpoint_pages_and_its_query_count_is_flat(alice_client, album, settings):
    settings.PHOTOS_PER_PAGE = 3
    add_photos(alice_client, album, 2)
    url = f"/albums/{album.code}/status.json"
    with CaptureQueriesContext(connection) as few:
        alice_client.get(url)
    add_photos(alice_client, album, 5, start=10)
    with CaptureQueriesContext(connection) as more:
        data = alice_client.get(url).json()
    assert len(data["photos"]) == 7
    assert len(more) == len(few)
    paged = alice_client.get(url + "?page=2").json()
    assert len(paged["photos"]) == 3


def test_a_photo_page_has_previous_and_next(alice_client, album):
    photos = add_photos(alice_client, album, 3)
    html = alice_client.get(photos[1].get_absolute_url()).content.decode()
    assert f'href="/albums/{album.code}/photos/{photos[0].code}/" rel="prev"' in html
    assert f'href="/albums/{album.code}/photos/{photos[2].code}/" rel="next"' in html
    assert "Photo 2 of 3" in html
    first = alice_client.get(photos[0].get_absolute_url()).content.decode()
    assert 'rel="prev"' not in first


def test_editing_a_caption(alice_client, album):
    [photo] = add_photos(alice_client, album, 1)
    url = f"{photo.get_absolute_url()}caption/"
    response = alice_client.post(url, {"caption": "  Uncle  Tom,\r\n Brighton 1950 "})
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.caption == "Uncle Tom,\nBrighton 1950"  # a story: its lines are kept
    json = alice_client.post(url, {"caption": "x" * 2001}, headers={"Accept": "application/json"})
    assert json.status_code == 400
    assert "at most 2000 characters" in json.json()["error"]


def test_the_original_downloads_under_its_own_name(alice_client, album):
    [photo] = add_photos(alice_client, album, 1)
    response = alice_client.get(f"{photo.get_absolute_url()}file/original/")
    assert b"".join(response.streaming_content) == images.jpeg(seed=0)


def test_a_member_gets_the_live_status_of_the_album(alice_client, album, bob, bob_client):
    from albums.models import AlbumMember

    add_photos(alice_client, album, 1)
    AlbumMember.objects.create(album=album, user=bob)
    page = bob_client.get(f"/albums/{album.code}/").content.decode()
    assert 'id="upload-form"' not in page
    assert f'data-status-url="/albums/{album.code}/status.json"' in page


def test_the_landing_pictures_are_committed_and_are_a_real_before_and_after():
    from pathlib import Path

    import numpy as np
    from django.conf import settings
    from PIL import Image

    folder = Path(settings.BASE_DIR) / "static" / "img" / "landing"
    before = np.asarray(Image.open(folder / "before.jpg").convert("RGB"), np.float32)
    after = np.asarray(Image.open(folder / "after.jpg").convert("RGB"), np.float32)
    assert before.shape == after.shape == (640, 960, 3)
    # The restoration changed the picture: faded colour came back.
    saturation = lambda rgb: float((rgb.max(axis=2) - rgb.min(axis=2)).mean())  # noqa: E731
    assert saturation(after) > saturation(before) * 1.3


def test_photos_without_a_caption_are_described_by_their_place(alice_client, album, settings):
    settings.PHOTOS_PER_PAGE = 2
    photos = add_photos(alice_client, album, 3)
    photos[0].caption = "Uncle Tom at Brighton"
    photos[0].save(update_fields=["caption"])
    first_page = alice_client.get(album.get_absolute_url()).content.decode()
    assert 'alt="Uncle Tom at Brighton"' in first_page
    assert 'alt="Photo 2 of Grandma&#x27;s box"' in first_page
    assert 'alt="1.jpg"' not in first_page  # not the file's name
    second_page = alice_client.get(album.get_absolute_url() + "?page=2").content.decode()
    assert 'alt="Photo 3 of Grandma&#x27;s box"' in second_page
    photo_page = alice_client.get(photos[2].get_absolute_url()).content.decode()
    assert 'alt="Before restoration: photo 3 of Grandma&#x27;s box"' in photo_page


def test_a_story_gives_its_first_line_and_a_reorder_renumbers(alice_client, album):
    photos = add_photos(alice_client, album, 3)
    photos[0].caption = "Uncle Tom at Brighton\n\nHe had just come back."
    photos[0].save(update_fields=["caption"])
    page = alice_client.get(album.get_absolute_url()).content.decode()
    assert 'alt="Uncle Tom at Brighton"' in page  # the story's first line only
    assert 'alt="Photo 3 of Grandma&#x27;s box"' in page
    # The last photo moved earlier is now the second: its description follows.
    alice_client.post(f"/albums/{album.code}/order/", {"earlier": photos[2].code})
    page = alice_client.get(album.get_absolute_url()).content.decode()
    assert 'alt="Photo 3 of Grandma&#x27;s box"' in page
    second = page.index(f'id="photo-{photos[2].code}"')
    third = page.index(f'id="photo-{photos[1].code}"')
    assert second < third
    assert 'alt="Photo 2 of Grandma&#x27;s box"' in page[second:third]


def test_titles_captions_and_descriptions_take_their_own_direction(alice_client, album):
    album.title = "אלבום של סבתא"
    album.description = "תמונות מהקופסה"
    album.save()
    [photo] = add_photos(alice_client, album, 1)
    photo.caption = "سبتا في الحديقة"
    photo.save(update_fields=["caption"])
    album_page = alice_client.get(album.get_absolute_url()).content.decode()
    assert f'<h1 dir="auto">{album.title}</h1>' in album_page
    assert '<p class="album-description" dir="auto">' in album_page
    photo_page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert f'<h1 class="photo-title" dir="auto">{photo.caption}</h1>' in photo_page
    caption_input = photo_page.split('name="caption"')[1][:300]
    assert 'dir="auto"' in caption_input
    form_page = alice_client.get(f"/albums/{album.code}/edit/").content.decode()
    for name in ("title", "description"):
        at = form_page.index(f'name="{name}"')
        tag = form_page[at - 200 : at + 200]
        assert 'dir="auto"' in tag, name
