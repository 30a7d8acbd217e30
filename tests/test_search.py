"""GET /search/?q=: captions, people, places, album titles and dates, in the albums a
person owns or were shared with them, never anybody else's."""

import pytest

from albums.dates import parse_date
from albums.models import Album, AlbumMember, Photo
from albums.search import parse_query

pytestmark = pytest.mark.django_db
JSON = {"Accept": "application/json"}


def make_photo(album, name, *, caption="", date="", place="", people=()):
    photo = Photo.objects.create(
        album=album,
        original=f"originals/{name}.jpg",
        original_name=f"{name}.jpg",
        mime_type="image/jpeg",
        sha256=name.ljust(64, "0"),
        size=100,
        width=10,
        height=10,
        preparation=Photo.Preparation.READY,
    )
    photo.set_details(
        caption=caption, date=parse_date(date) if date else None, place=place, people=list(people)
    )
    return photo


@pytest.fixture
def photos(alice, bob, charlie, album):
    shared = Album.objects.create(owner=bob, title="Bob's family")
    AlbumMember.objects.create(album=shared, user=alice)
    secret = Album.objects.create(owner=charlie, title="Charlie's own")
    return {
        "anna_1935": make_photo(
            album, "a1", caption="At the fair", date="about 1935", people=["Anna", "Tom"]
        ),  # fmt: skip
        "anna_1950": make_photo(album, "a2", date="1950", people=["Anna"], place="Brighton"),
        "undated": make_photo(album, "a3", caption="anna's bicycle"),
        "shared_anna": make_photo(shared, "b1", date="June 1938", people=["Anna"]),
        "shared_pier": make_photo(shared, "b2", caption="The pier", date="1930s"),
        "secret_anna": make_photo(secret, "c1", date="1936", people=["Anna"]),
    }


def codes(response) -> set[str]:
    return {entry["code"] for entry in response.json()["photos"]}


def search(client, q):
    return client.get("/search/", {"q": q}, headers=JSON)


def test_a_name_and_a_decade(alice_client, photos):
    found = codes(search(alice_client, "Anna 1930s"))
    assert found == {photos["anna_1935"].code, photos["shared_anna"].code}


def test_a_name_alone_finds_people_and_captions_in_own_and_shared_albums(alice_client, photos):
    found = codes(search(alice_client, "anna"))
    expected = {"anna_1935", "anna_1950", "undated", "shared_anna"}
    assert found == {photos[key].code for key in expected}
    assert photos["secret_anna"].code not in found


def test_others_albums_never_show(charlie_client, bob_client, photos):
    assert codes(search(charlie_client, "Anna")) == {photos["secret_anna"].code}
    # bob shares his album with alice; alice's own are not his
    assert codes(search(bob_client, "Anna")) == {photos["shared_anna"].code}


def test_places_and_album_titles_match(alice_client, photos):
    assert codes(search(alice_client, "brighton")) == {photos["anna_1950"].code}
    assert codes(search(alice_client, "bob's family pier")) == {photos["shared_pier"].code}


def test_a_year_matches_the_photos_whose_range_overlaps(alice_client, photos):
    assert codes(search(alice_client, "1937")) == {
        photos["anna_1935"].code,  # about 1935: 1933-1937
        photos["shared_pier"].code,  # 1930s
    }
    assert codes(search(alice_client, "June 1938")) == {
        photos["shared_anna"].code,
        photos["shared_pier"].code,
    }
    assert codes(search(alice_client, "about 1950")) == {photos["anna_1950"].code}


def test_the_json_shape(alice_client, photos):
    answer = search(alice_client, "fair").json()
    [entry] = answer["photos"]
    photo = photos["anna_1935"]
    assert {"code", "album", "caption", "date", "people", "thumbnail_url"} <= set(entry)
    assert entry["code"] == photo.code
    assert entry["album"] == photo.album.code
    assert entry["caption"] == "At the fair"
    assert entry["date"] == "about 1935"
    assert entry["people"] == ["Anna", "Tom"]
    assert entry["thumbnail_url"] is None  # no thumbnail made for these test rows


def test_results_come_oldest_first_undated_last(alice_client, photos):
    answer = search(alice_client, "anna").json()["photos"]
    assert [entry["code"] for entry in answer] == [
        photos["anna_1935"].code,
        photos["shared_anna"].code,
        photos["anna_1950"].code,
        photos["undated"].code,
    ]


def test_the_html_page_is_paginated(alice_client, photos, settings):
    settings.PHOTOS_PER_PAGE = 2
    first = alice_client.get("/search/", {"q": "anna"}).content.decode()
    assert "4 photos" in first and "Page 1 of 2" in first
    assert "?q=anna&amp;page=2" in first
    second = alice_client.get("/search/", {"q": "anna", "page": 2}).content.decode()
    assert photos["undated"].get_absolute_url() in second
    assert photos["anna_1935"].get_absolute_url() not in second


def test_no_match_says_so(alice_client, photos):
    page = alice_client.get("/search/", {"q": "zebra"}).content.decode()
    assert "No photo matches" in page
    assert search(alice_client, "zebra").json()["photos"] == []


def test_visitors_are_sent_to_log_in(anon_client):
    response = anon_client.get("/search/", {"q": "anna"})
    assert response.status_code == 302 and "/login" in response["Location"]


def test_the_header_has_a_search_box_for_people_logged_in(alice_client, anon_client):
    assert 'role="search"' in alice_client.get("/").content.decode()
    assert 'role="search"' not in anon_client.get("/").content.decode()


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("Anna 1930s", [("Anna", False), ("1930s", True)]),
        ("Anna about 1935 Brighton", [("Anna", False), ("about 1935", True), ("Brighton", False)]),
        ("12 June 1935", [("12 June 1935", True)]),
        ('"Uncle Tom" 1946', [("Uncle Tom", False), ("1946", True)]),
        ("12 cats", [("12", False), ("cats", False)]),
    ],
)
def test_the_query_is_read_as_terms(query, terms):
    assert [(term.text, term.date is not None) for term in parse_query(query)] == terms
