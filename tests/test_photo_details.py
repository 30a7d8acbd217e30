"""A photo's story, date, place and people: POST .../photos/<photo>/details/."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from albums.models import AlbumMember, Person, Photo
from tests import images

pytestmark = pytest.mark.django_db
JSON = {"Accept": "application/json"}


@pytest.fixture
def photo(alice_client, album) -> Photo:
    alice_client.post(
        f"/albums/{album.code}/upload/", {"photos": [SimpleUploadedFile("p.jpg", images.jpeg())]}
    )
    return album.photos.get()


def details(**fields) -> dict:
    return {"caption": "", "date": "", "place": "", "people": "", **fields}


def test_the_details_are_saved_and_shown(alice_client, photo):
    story = "Anna and Tom at the seaside.\r\n\r\nTom had just come back from the war."
    response = alice_client.post(
        f"{photo.get_absolute_url()}details/",
        details(caption=story, date="about 1946", place=" Brighton ", people="Anna, Uncle  Tom"),
    )
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.caption == "Anna and Tom at the seaside.\n\nTom had just come back from the war."
    assert (photo.date_text, photo.date_precision) == ("about 1946", "about")
    assert (photo.date_from, photo.date_to) == (date(1944, 1, 1), date(1948, 12, 31))
    assert photo.place == "Brighton"
    assert [p.name for p in photo.people.all()] == ["Anna", "Uncle Tom"]
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert '<h1 class="photo-title" dir="auto">Anna and Tom at the seaside.</h1>' in page
    assert '<p class="story" dir="auto">Tom had just come back from the war.</p>' in page
    assert "about 1946" in page and "Brighton" in page
    assert '<option value="Uncle Tom">' in page  # suggested next time


def test_names_are_the_same_person_whatever_the_case(alice_client, alice, album, photo):
    alice_client.post(f"{photo.get_absolute_url()}details/", details(people="Anna"))
    response = alice_client.post(
        f"{photo.get_absolute_url()}details/",
        details(people="anna, ANNA, Tom"),
        headers=JSON,
    )
    assert response.json()["people"] == ["Anna", "Tom"]  # written as first written
    assert sorted(Person.objects.filter(owner=alice).values_list("name", flat=True)) == [
        "Anna",
        "Tom",
    ]


def test_the_json_answer(alice_client, photo):
    response = alice_client.post(
        f"{photo.get_absolute_url()}details/",
        details(caption="Wedding", date="12 June 1935", place="Kilby", people="Rose"),
        headers=JSON,
    )
    assert response.status_code == 200
    assert response.json() == {
        "caption": "Wedding",
        "date": "12 June 1935",
        "date_from": "1935-06-12",
        "date_to": "1935-06-12",
        "date_precision": "day",
        "place": "Kilby",
        "people": ["Rose"],
    }


def test_an_unreadable_date_changes_nothing_and_says_why(alice_client, photo):
    alice_client.post(f"{photo.get_absolute_url()}details/", details(caption="Before", date="1935"))
    url = f"{photo.get_absolute_url()}details/"
    answer = alice_client.post(url, details(caption="After", date="next Tuesday"), headers=JSON)
    assert answer.status_code == 400
    assert "“next Tuesday” is not a date this site can read" in answer.json()["error"]
    assert "date" in answer.json()["errors"]
    page = alice_client.post(url, details(caption="After", date="1790"))
    assert page.status_code == 400
    assert "1790 is before 1800" in page.content.decode()
    assert 'value="1790"' in page.content.decode()  # what was typed stays in the form
    photo.refresh_from_db()
    assert (photo.caption, photo.date_text) == ("Before", "1935")


def test_a_future_year_is_refused(alice_client, photo):
    response = alice_client.post(
        f"{photo.get_absolute_url()}details/", details(date="2999"), headers=JSON
    )
    assert response.status_code == 400
    assert "in the future" in response.json()["error"]


def test_a_too_long_story_is_refused(alice_client, photo):
    response = alice_client.post(
        f"{photo.get_absolute_url()}details/", details(caption="x" * 2001), headers=JSON
    )
    assert response.status_code == 400
    photo.refresh_from_db()
    assert photo.caption == ""


def test_clearing_the_details(alice_client, photo):
    url = f"{photo.get_absolute_url()}details/"
    alice_client.post(url, details(caption="A", date="1930s", place="B", people="C"))
    alice_client.post(url, details())
    photo.refresh_from_db()
    assert (photo.caption, photo.date_text, photo.date_from, photo.place) == ("", "", None, "")
    assert not photo.people.exists()


def test_members_see_the_details_but_cannot_change_them(
    alice_client, bob_client, charlie_client, bob, album, photo
):
    alice_client.post(f"{photo.get_absolute_url()}details/", details(caption="Ours", people="Anna"))
    AlbumMember.objects.create(album=album, user=bob)
    page = bob_client.get(photo.get_absolute_url()).content.decode()
    assert "Ours" in page and "Anna" in page
    assert "details/" not in page  # no form
    for client in (bob_client, charlie_client):
        response = client.post(f"{photo.get_absolute_url()}details/", details(caption="Theirs"))
        assert response.status_code == 404
    photo.refresh_from_db()
    assert photo.caption == "Ours"


def test_the_first_line_of_the_story_titles_the_photo(alice_client, photo):
    alice_client.post(
        f"{photo.get_absolute_url()}details/", details(caption="Uncle Tom\nat Brighton, 1946")
    )
    page = alice_client.get(photo.get_absolute_url()).content.decode()
    assert '<h1 class="photo-title" dir="auto">Uncle Tom</h1>' in page
    status = alice_client.get(f"/albums/{photo.album.code}/status.json").json()["photos"][0]
    assert status["title"] == "Uncle Tom"
