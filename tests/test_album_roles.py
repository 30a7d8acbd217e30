"""Viewers and contributors: what each may do, on every album and photo URL.

alice owns the album; bob is a contributor, dora a viewer, charlie an outsider. The album
holds alice's photo and one bob uploaded, each restored once and with a second,
cancelled version that the album does not show.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import get_resolver

from albums.models import AlbumMember, Invitation, Photo, Role, ShareLink
from restorer import tasks
from restorer.providers.base import RestoreOptions
from tests import images

pytestmark = pytest.mark.django_db

PEOPLE = ("owner", "contributor", "viewer", "stranger", "anonymous")


@pytest.fixture
def dora(django_user_model, password):
    return django_user_model.objects.create_user("dora", "dora@example.org", password)


@pytest.fixture
def family(settings, alice_client, album, bob, dora, charlie):
    """The album, its people's clients and the names the URLs are made of."""
    settings.RESTORER_PROVIDER = "local"
    AlbumMember.objects.create(album=album, user=bob, role=Role.CONTRIBUTOR)
    AlbumMember.objects.create(album=album, user=dora, role=Role.VIEWER)
    clients = {"owner": alice_client, "anonymous": Client()}
    for who, user in (("contributor", bob), ("viewer", dora), ("stranger", charlie)):
        clients[who] = Client()
        clients[who].force_login(user)
    upload = f"/albums/{album.code}/upload/"
    for who, seed in (("owner", 1), ("contributor", 2)):
        picture = SimpleUploadedFile(f"{who}.jpg", images.jpeg(seed=seed))
        assert clients[who].post(upload, {"photos": [picture]}).status_code == 302
    photos = {}
    for photo in album.photos.order_by("position"):
        shown = photo.latest_version
        tasks.prepare(shown.restoration_id)
        hidden = photo.restore(RestoreOptions(restoration_type=2, model_type=1, change_color=False))
        hidden.restoration.cancel()
        photos[photo.uploaded_by.username] = (photo, shown, hidden)
    link, _ = ShareLink.create(album)
    invitation, _ = Invitation.create(album, email="eve@example.org", invited_as="eve")
    names = {
        "album": album.code,
        "link": link.code,
        "invitation": invitation.code,
        "member": album.members.get(user=dora).pk,
    }
    return clients, photos, names


# For each URL and method: the answer to the owner, a contributor, a viewer, a stranger
# and an anonymous visitor. "own" is a photo the contributor uploaded, "alice's" one the
# owner did. 302 is a form's redirect after it was done (or refused with a message, as
# a repair with no mask is: what matters here is that the person got that far).
ALBUM_ROWS = [
    ("detail", "GET", "/albums/{album}/", "200 200 200 404 404"),
    ("status", "GET", "/albums/{album}/status.json", "200 200 200 404 404"),
    ("album_zip", "GET", "/albums/{album}/download.zip", "200 200 200 404 404"),
    ("edit", "GET", "/albums/{album}/edit/", "200 404 404 404 404"),
    ("edit", "POST", "/albums/{album}/edit/", "302 404 404 404 404"),
    ("delete", "GET", "/albums/{album}/delete/", "200 404 404 404 404"),
    ("delete", "POST", "/albums/{album}/delete/", "302 404 404 404 404"),
    ("upload", "POST", "/albums/{album}/upload/", "302 302 404 404 404"),
    ("album_share", "GET", "/albums/{album}/share/", "200 404 404 404 404"),
    ("link_create", "POST", "/albums/{album}/links/", "302 404 404 404 404"),
    ("link_revoke", "GET", "/albums/{album}/links/{link}/revoke/", "200 404 404 404 404"),
    ("link_revoke", "POST", "/albums/{album}/links/{link}/revoke/", "302 404 404 404 404"),
    ("member_add", "POST", "/albums/{album}/members/", "302 404 404 404 404"),
    ("member_remove", "POST", "/albums/{album}/members/{member}/remove/", "302 404 404 404 404"),
    ("member_role", "POST", "/albums/{album}/members/{member}/role/", "302 404 404 404 404"),
    ("invitation_withdraw", "POST", "/albums/{album}/invitations/{invitation}/withdraw/",
     "302 404 404 404 404"),
    ("order", "GET", "/albums/{album}/order/", "200 404 404 404 404"),
    ("order", "POST", "/albums/{album}/order/", "302 404 404 404 404"),
    ("photos_bulk", "POST", "/albums/{album}/photos/bulk/", "200 404 404 404 404"),
]  # fmt: skip

PHOTO = "/albums/{album}/photos/{photo}/"
SHOWN = PHOTO + "versions/{shown}/"
HIDDEN = PHOTO + "versions/{hidden}/"
# (name, method, URL, answers for alice's photo, answers for the contributor's own)
PHOTO_ROWS = [
    ("photo", "GET", PHOTO, "200 200 200 404 404", "200 200 200 404 404"),
    ("photo_caption", "POST", PHOTO + "caption/", "302 302 404 404 404", "302 302 404 404 404"),
    ("photo_details", "POST", PHOTO + "details/", "302 302 404 404 404", "302 302 404 404 404"),
    ("photo_cover", "POST", PHOTO + "cover/", "302 404 404 404 404", "302 404 404 404 404"),
    ("photo_delete", "GET", PHOTO + "delete/", "200 404 404 404 404", "200 200 404 404 404"),
    ("photo_delete", "POST", PHOTO + "delete/", "302 404 404 404 404", "302 302 404 404 404"),
    ("photo_file", "GET", PHOTO + "file/thumb/", "200 200 200 404 404", "200 200 200 404 404"),
    ("photo_file", "GET", PHOTO + "file/display/", "200 200 200 404 404", "200 200 200 404 404"),
    ("photo_file", "GET", PHOTO + "file/original/", "200 404 404 404 404",
     "200 200 404 404 404"),
    ("photo_edit", "POST", PHOTO + "edit/", "302 404 404 404 404", "302 302 404 404 404"),
    ("photo_repair", "POST", PHOTO + "repair/", "302 404 404 404 404", "302 302 404 404 404"),
    ("photo_damage", "GET", PHOTO + "damage.png", "200 404 404 404 404", "200 200 404 404 404"),
    ("photo_restore", "POST", PHOTO + "restore/", "302 404 404 404 404", "302 302 404 404 404"),
    ("version_show", "POST", HIDDEN + "show/", "302 404 404 404 404", "302 302 404 404 404"),
    ("version_delete", "GET", HIDDEN + "delete/", "200 404 404 404 404", "200 200 404 404 404"),
    ("version_delete", "POST", HIDDEN + "delete/", "302 404 404 404 404", "302 302 404 404 404"),
    ("version_cancel", "POST", HIDDEN + "cancel/", "302 404 404 404 404", "302 302 404 404 404"),
    ("version_retry", "POST", HIDDEN + "retry/", "302 404 404 404 404", "302 302 404 404 404"),
    ("version_file", "GET", SHOWN + "file/thumb/", "200 200 200 404 404", "200 200 200 404 404"),
    ("version_file", "GET", SHOWN + "file/result/", "200 200 200 404 404",
     "200 200 200 404 404"),
    ("version_file", "GET", HIDDEN + "file/thumb/", "404 404 404 404 404",
     "404 404 404 404 404"),  # cancelled: no picture, for anyone
    ("version_file", "GET", SHOWN.replace("{shown}", "{hidden}") + "file/result/",
     "404 404 404 404 404", "404 404 404 404 404"),
]  # fmt: skip

FORMS = {
    "edit": {"title": "Renamed", "description": ""},
    "photo_caption": {"caption": "Aunt Ida, 1952"},
    "photo_edit": {"rotate": "90"},
    "member_role": {"role": "contributor"},
    "member_add": {"who": "someone@example.org", "role": "viewer"},
    "order": {"sort": "date"},
    "photos_bulk": {"action": "download", "all": "1"},
    "photo_details": {"caption": "Aunt Ida", "date": "about 1952", "people": "Ida"},
}


def cases():
    for name, method, url, expected in ALBUM_ROWS:
        yield pytest.param(name, method, url, None, expected, id=f"{method} {url}")
    for name, method, url, of_alice, of_own in PHOTO_ROWS:
        yield pytest.param(name, method, url, "alice", of_alice, id=f"{method} {url} alice's")
        yield pytest.param(name, method, url, "bob", of_own, id=f"{method} {url} own")


def form_for(name: str, seed: int) -> dict:
    if name == "upload":
        return {"photos": [SimpleUploadedFile("new.jpg", images.jpeg(seed=100 + seed))]}
    return FORMS.get(name, {})


@pytest.mark.parametrize("name, method, url, whose, expected", list(cases()))
def test_who_may_do_what(family, name, method, url, whose, expected):
    clients, photos, names = family
    if whose:
        photo, shown, hidden = photos[whose]
        names = {**names, "photo": photo.code, "shown": shown.code, "hidden": hidden.code}
    url = url.format(**names)
    answers = {}
    for number, who in enumerate(PEOPLE):
        # Each person tries on the album as it was: what one did is undone for the next.
        savepoint = transaction.savepoint()
        client = clients[who]
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, form_for(name, number))
        answers[who] = response.status_code
        transaction.savepoint_rollback(savepoint)
    assert answers == dict(zip(PEOPLE, map(int, expected.split()), strict=True))


def test_every_album_and_photo_url_is_in_the_table():
    """A URL added to albums/urls.py without a row here fails this test."""
    named = {
        pattern.name
        for pattern in get_resolver("albums.urls").url_patterns
        if "<str:code>" in str(pattern.pattern)
    }
    covered = {row[0] for row in ALBUM_ROWS} | {row[0] for row in PHOTO_ROWS}
    assert named == covered


def test_refused_attempts_change_nothing(family):
    clients, photos, names = family
    photo, shown, hidden = photos["alice"]
    base = f"/albums/{names['album']}/photos/{photo.code}/"
    for who in ("viewer", "stranger", "anonymous"):
        clients[who].post(f"{base}caption/", {"caption": "defaced"})
    for who in ("contributor", "viewer", "stranger", "anonymous"):
        clients[who].post(f"{base}delete/")
        clients[who].post(f"{base}cover/")
        clients[who].post(f"{base}versions/{hidden.code}/show/")
        clients[who].post(f"/albums/{names['album']}/members/{names['member']}/role/",
                          {"role": "contributor"})  # fmt: skip
    photo.refresh_from_db()
    assert photo.caption == "" and photo.chosen_version_id is None
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert photo.album.cover_id is None
    assert photo.album.members.get(pk=names["member"]).role == Role.VIEWER


def test_a_contributor_captions_any_photo_and_deletes_only_their_own(family):
    clients, photos, names = family
    contributor = clients["contributor"]
    alices, _, _ = photos["alice"]
    own, _, _ = photos["bob"]
    contributor.post(f"{alices.get_absolute_url()}caption/", {"caption": "Uncle Jo"})
    alices.refresh_from_db()
    assert alices.caption == "Uncle Jo"
    assert contributor.post(f"{alices.get_absolute_url()}delete/").status_code == 404
    assert contributor.post(f"{own.get_absolute_url()}delete/").status_code == 302
    assert list(Photo.objects.all()) == [alices]


def test_the_pages_offer_each_person_what_they_may_do(family):
    clients, photos, names = family
    album_url = f"/albums/{names['album']}/"
    contributor_page = clients["contributor"].get(album_url).content.decode()
    viewer_page = clients["viewer"].get(album_url).content.decode()
    assert 'id="upload-form"' in contributor_page and 'id="upload-form"' not in viewer_page
    assert "/share/" not in contributor_page and "/edit/" not in contributor_page
    alices, _, _ = photos["alice"]
    own, _, _ = photos["bob"]
    on_alices = clients["contributor"].get(alices.get_absolute_url()).content.decode()
    on_own = clients["contributor"].get(own.get_absolute_url()).content.decode()
    assert 'class="tool-form details-form"' in on_alices and "Delete photo" not in on_alices
    assert "Use as album cover" not in on_own and "Delete photo" in on_own
    assert "Uploaded" in on_own and " by bob" in on_own
    on_viewer = clients["viewer"].get(alices.get_absolute_url()).content.decode()
    assert "details-form" not in on_viewer and "Delete photo" not in on_viewer
