"""“Shared with me”: a page of its own, in the main navigation."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from albums.models import Album, AlbumMember, Role

pytestmark = pytest.mark.django_db


def test_the_navigation_leads_there(bob_client):
    page = bob_client.get("/").content.decode()
    assert 'href="/shared-with-me/">Shared with me</a>' in page
    here = bob_client.get("/shared-with-me/").content.decode()
    assert 'href="/shared-with-me/" aria-current="page">Shared with me</a>' in here


def test_it_lists_the_albums_shared_with_me_and_nothing_else(album, alice, bob, bob_client):
    Album.objects.create(owner=alice, title="Not shared")
    Album.objects.create(owner=bob, title="Bob's own")
    empty = bob_client.get("/shared-with-me/").content.decode()
    assert "Nothing shared with you yet" in empty
    AlbumMember.objects.create(album=album, user=bob, role=Role.CONTRIBUTOR)
    page = bob_client.get("/shared-with-me/").content.decode()
    assert "Grandma&#x27;s box" in page and "from alice · you add photos" in page
    assert "Not shared" not in page and "Bob&#x27;s own" not in page


def test_many_albums_take_no_more_queries_than_one(django_user_model, alice, bob, bob_client):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert bob_client.get("/shared-with-me/").status_code == 200
        return len(queries)

    first = Album.objects.create(owner=alice, title="One")
    AlbumMember.objects.create(album=first, user=bob)
    one = count()
    for number in range(5):
        owner = django_user_model.objects.create_user(f"owner{number}", f"o{number}@example.org")
        shared = Album.objects.create(owner=owner, title=f"Album {number}")
        AlbumMember.objects.create(album=shared, user=bob, role=Role.CONTRIBUTOR)
    assert count() == one


def test_visitors_are_asked_to_log_in(anon_client):
    answer = anon_client.get("/shared-with-me/")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
