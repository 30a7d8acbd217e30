"""Sharing: links, people, and who gets which page and file (the access matrix)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from albums.models import AlbumMember, PasswordAttempt, ShareLink, hash_token
from restorer import tasks
from tests import images
from tests.helpers import app_answer

pytestmark = pytest.mark.django_db

PASSWORD = "Brighton 1952"


@pytest.fixture
def shared_album(settings, alice_client, album, bob):
    """alice's album of two photos (one restored, one not), shared with bob by name."""
    settings.RESTORER_PROVIDER = "local"
    upload = f"/albums/{album.code}/upload/"
    alice_client.post(upload, {"photos": [SimpleUploadedFile("gps.jpg", images.jpeg_with_gps())]})
    alice_client.post(upload, {"photos": [SimpleUploadedFile("two.png", images.png(seed=3))]})
    first, second = album.photos.order_by("position")
    tasks.prepare(first.latest_version.restoration_id)
    second.latest_version.restoration.cancel()
    AlbumMember.objects.create(album=album, user=bob)
    return album


def make_link(album, **options):
    return ShareLink.create(album, label="for grandma", **options)


def urls(album, token=None):
    """Every page and file URL of the album, by who it is for."""
    first, second = album.photos.order_by("position")
    version = first.latest_version
    base = f"/albums/{album.code}/"
    photo = f"{base}photos/{first.code}/"
    owner = {
        "album": base,
        "status": f"{base}status.json",
        "photo": photo,
        "thumb": f"{photo}file/thumb/",
        "display": f"{photo}file/display/",
        "original": f"{photo}file/original/",
        "version thumb": f"{photo}versions/{version.code}/file/thumb/",
        "version result": f"{photo}versions/{version.code}/file/result/",
        "zip": f"{base}download.zip",
    }
    share = {}
    if token:
        s = f"/s/{token}/"
        share = {
            "share page": s,
            "share photo": f"{s}photos/{first.code}/",
            "share thumb": f"{s}photos/{first.code}/file/thumb/",
            "share display": f"{s}photos/{first.code}/file/display/",
            "share before": f"{s}photos/{first.code}/file/before/",
            "share download": f"{s}photos/{first.code}/file/download/",
            "share unrestored download": f"{s}photos/{second.code}/file/download/",
            "share zip": f"{s}zip/",
        }
    return owner, share


def statuses(client, targets: dict) -> dict:
    return {name: client.get(url).status_code for name, url in targets.items()}


def unlocked(token: str) -> Client:
    visitor = Client()
    assert visitor.post(f"/s/{token}/", {"password": PASSWORD}).status_code == 302
    return visitor


OWNER_URLS = ["album", "status", "photo", "thumb", "display", "original", "version thumb",
              "version result", "zip"]  # fmt: skip
SHARE_URLS = ["share page", "share photo", "share thumb", "share display", "share before",
              "share download", "share unrestored download", "share zip"]  # fmt: skip


def everywhere(urls: list[str], status: int, **exceptions: int) -> dict:
    return {
        **dict.fromkeys(urls, status),
        **{k.replace("_", " "): v for k, v in exceptions.items()},
    }


def link_visitor(album, kind: str) -> tuple[Client, str]:
    """A visitor of a share link, and the link's token, in the situation `kind` names."""
    link, token = make_link(album, password=PASSWORD)
    if kind == "locked":
        return Client(), token
    if kind == "wrong password":
        visitor = Client()
        assert visitor.post(f"/s/{token}/", {"password": "nope"}).status_code == 403
        return visitor, token
    if kind == "expired":
        expired, expired_token = make_link(album)
        ShareLink.objects.filter(pk=expired.pk).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        return Client(), expired_token
    visitor = unlocked(token)
    if kind == "revoked":  # while the visitor had it open
        link.revoke()
    return visitor, token


# (who, which URLs, what each answers). A person is a client fixture; a link visitor is
# one of link_visitor()'s situations. Each row is a test of its own: one failure
# hides none of the others.
ACCESS_MATRIX = [
    # The owner: every owner URL.
    ("alice_client", "owner", everywhere(OWNER_URLS, 200)),
    # bob, shared with by name: read-only pages and shown versions; never the original.
    ("bob_client", "owner", everywhere(OWNER_URLS, 200, original=404)),
    # Another person and an anonymous visitor: nothing at all.
    ("charlie_client", "owner", everywhere(OWNER_URLS, 404)),
    ("anon_client", "owner", everywhere(OWNER_URLS, 404)),
    # A link visitor before the password: the password page, no file.
    ("locked", "share", everywhere(SHARE_URLS, 404, share_page=200)),
    # A wrong password: still nothing (the page asks again).
    ("wrong password", "share", everywhere(SHARE_URLS[1:], 404)),
    # The right password: the share pages and files, and none of the owner's URLs.
    ("unlocked", "share", everywhere(SHARE_URLS, 200)),
    ("unlocked", "owner", everywhere(OWNER_URLS, 404)),
    # Revoked: the page explains, every file stops at once, for the visitor who had it open.
    ("revoked", "share", everywhere(SHARE_URLS, 404, share_page=410)),
    # Expired: the same.
    ("expired", "share", everywhere(SHARE_URLS, 404, share_page=410)),
]


@pytest.mark.parametrize(
    "who, side, expected", ACCESS_MATRIX, ids=[f"{who}-{side}" for who, side, _ in ACCESS_MATRIX]
)
def test_the_access_matrix(request, shared_album, who, side, expected):
    album = shared_album
    if who.endswith("_client"):
        client, token = request.getfixturevalue(who), None
    else:
        client, token = link_visitor(album, who)
    owner_urls, share_urls = urls(album, token)
    targets = owner_urls if side == "owner" else share_urls
    assert statuses(client, {name: targets[name] for name in expected}) == expected


def test_the_access_matrix_covers_every_url(shared_album):
    _, token = make_link(shared_album)
    owner_urls, share_urls = urls(shared_album, token)
    assert sorted(owner_urls) == sorted(OWNER_URLS) and sorted(share_urls) == sorted(SHARE_URLS)
    assert len({**owner_urls, **share_urls}) == 17


def test_a_revoked_link_says_so_and_an_unknown_one_is_not_found(shared_album):
    visitor, token = link_visitor(shared_album, "revoked")
    assert b"turned off" in visitor.get(f"/s/{token}/").content
    # A token nobody issued.
    assert Client().get("/s/not-a-real-token/").status_code == 404


def test_downloads_only_where_the_link_allows_them(shared_album):
    link, token = make_link(shared_album, allow_download=False)
    _, share_urls = urls(shared_album, token)
    visitor = Client()
    seen = statuses(visitor, share_urls)
    assert seen["share page"] == 200 and seen["share thumb"] == 200
    assert seen["share download"] == seen["share zip"] == 404
    page = visitor.get(f"/s/{token}/").content.decode()
    assert "/zip/" not in page


def test_the_share_page_shows_the_album_not_the_owner(shared_album, alice):
    alice.first_name = "Alice"
    alice.save()
    link, token = make_link(shared_album)
    response = Client().get(f"/s/{token}/")
    page = response.content.decode()
    assert "Grandma&#x27;s box" in page and "Summer 1952" in page
    assert "Shared by Alice" in page
    assert "alice@example.org" not in page and "alice" not in page.replace("Alice", "")
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert f'href="/s/{token}/zip/"' in page
    thumb = Client().get(f"/s/{token}/photos/{shared_album.photos.first().code}/file/thumb/")
    assert app_answer(thumb)["X-Robots-Tag"] == "noindex, nofollow"
    link.refresh_from_db()
    assert link.view_count == 1 and link.last_viewed_at is not None


def test_no_gps_leaves_through_the_share_page_or_the_zip(shared_album, alice_client):
    link, token = make_link(shared_album)
    first = shared_album.photos.order_by("position").first()
    visitor = Client()
    for kind in ("thumb", "display", "before", "download"):
        data = b"".join(visitor.get(f"/s/{token}/photos/{first.code}/file/{kind}/"))
        with Image.open(io.BytesIO(data)) as picture:
            assert not picture.getexif(), kind
            assert 0x8825 not in picture.getexif()
    archive = zipfile.ZipFile(
        io.BytesIO(b"".join(visitor.get(f"/s/{token}/zip/").streaming_content))
    )
    for name in archive.namelist():
        with Image.open(io.BytesIO(archive.read(name))) as picture:
            assert not picture.getexif(), name
    # The owner's own download of the original keeps it as uploaded.
    original = b"".join(
        alice_client.get(f"{first.get_absolute_url()}file/original/").streaming_content
    )
    assert original == images.jpeg_with_gps()


def test_the_zip_names_and_contents(shared_album, alice_client):
    link, token = make_link(shared_album)
    visitor_zip = zipfile.ZipFile(
        io.BytesIO(b"".join(Client().get(f"/s/{token}/zip/").streaming_content))
    )
    # The uploader's file names (gps.jpg, two.png) stay with the owner.
    assert visitor_zip.namelist() == [
        "Grandma's box - 001 (restored).jpg",
        "Grandma's box - 002.jpg",
    ]
    first, second = shared_album.photos.order_by("position")
    for photo in (first, second):
        download = Client().get(f"/s/{token}/photos/{photo.code}/file/download/")
        disposition = download["Content-Disposition"]
        assert "gps" not in disposition and "two" not in disposition
    both = alice_client.get(f"/albums/{shared_album.code}/download.zip?include=both")
    assert both["Content-Type"] == "application/zip"
    assert both["Content-Disposition"] == 'attachment; filename="Grandma\'s box.zip"'
    owner_zip = zipfile.ZipFile(io.BytesIO(b"".join(both.streaming_content)))
    assert owner_zip.namelist() == [
        "Originals/Grandma's box - 001 - gps.jpg",
        "Restored/Grandma's box - 001 - gps (restored).jpg",
        "Originals/Grandma's box - 002 - two.png",
    ]
    assert owner_zip.read("Originals/Grandma's box - 001 - gps.jpg") == images.jpeg_with_gps()
    assert owner_zip.testzip() is None
    originals = alice_client.get(f"/albums/{shared_album.code}/download.zip?include=originals")
    names = zipfile.ZipFile(io.BytesIO(b"".join(originals.streaming_content))).namelist()
    assert names == ["Grandma's box - 001 - gps.jpg", "Grandma's box - 002 - two.png"]
    assert (
        alice_client.get(f"/albums/{shared_album.code}/download.zip?include=x").status_code == 404
    )


def test_creating_a_link_by_json_and_revoking_it(alice_client, album):
    response = alice_client.post(
        f"/albums/{album.code}/links/",
        {"label": "for grandma", "expires_in_days": "7", "password": "", "allow_download": "on"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 201
    data = response.json()
    token = data["url"].rstrip("/").rsplit("/", 1)[-1]
    link = ShareLink.objects.get()
    assert link.token_hash == hash_token(token) and token not in link.token_hash
    assert len(token) >= 22  # at least 128 bits
    assert link.label == "for grandma" and link.allow_download and not link.has_password
    assert timedelta(days=6, hours=23) < link.expires_at - timezone.now() <= timedelta(days=7)
    assert Client().get(f"/s/{token}/").status_code == 200
    revoked = alice_client.post(data["revoke_url"], headers={"Accept": "application/json"})
    assert revoked.json() == {"revoked": True}
    assert Client().get(f"/s/{token}/").status_code == 410


@pytest.mark.parametrize(
    ("posted", "expected_days"),
    [({}, 30), ({"expires_in_days": ""}, None), ({"expires_in_days": "365"}, 365)],
)
def test_expiry_defaults_to_30_days_and_never_only_when_chosen(
    alice_client, album, posted, expected_days
):
    alice_client.post(
        f"/albums/{album.code}/links/", posted, headers={"Accept": "application/json"}
    )
    link = ShareLink.objects.get()
    if expected_days is None:
        assert link.expires_at is None
    else:
        remaining = link.expires_at - timezone.now()
        assert timedelta(days=expected_days - 1) < remaining <= timedelta(days=expected_days)


def test_bad_link_options_are_refused(alice_client, album):
    response = alice_client.post(
        f"/albums/{album.code}/links/",
        {"expires_in_days": "-3"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "expires_in_days" in response.json()["errors"]
    assert not ShareLink.objects.exists()


def test_the_password_is_stored_hashed(album, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # as deployed
    link, _ = make_link(album, password=PASSWORD)
    assert PASSWORD not in link.password_hash and link.password_hash.startswith("pbkdf2_")
    assert link.check_password(PASSWORD) and not link.check_password("wrong")


def test_wrong_passwords_are_throttled(album):
    link, token = make_link(album, password=PASSWORD)
    guesser = Client()
    for attempt in range(5):
        assert guesser.post(f"/s/{token}/", {"password": f"guess {attempt}"}).status_code == 403
    throttled = guesser.post(f"/s/{token}/", {"password": PASSWORD})
    assert throttled.status_code == 429
    assert b"Too many wrong passwords" in throttled.content
    assert PasswordAttempt.objects.filter(link=link).count() == 5
    # Somebody else, elsewhere, is not locked out by the guesser.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert other.post(f"/s/{token}/", {"password": PASSWORD}).status_code == 302


def test_only_the_owner_manages_links_and_people(album, charlie_client, bob, alice_client):
    link, _ = make_link(album)
    for url in (f"/albums/{album.code}/share/",):
        assert charlie_client.get(url).status_code == 404
    assert charlie_client.post(f"/albums/{album.code}/links/", {}).status_code == 404
    assert charlie_client.post(f"/albums/{album.code}/links/{link.code}/revoke/").status_code == 404
    assert (
        charlie_client.post(f"/albums/{album.code}/members/", {"who": "charlie"}).status_code == 404
    )
    link.refresh_from_db()
    assert link.is_usable and not album.members.exists()
    # A member cannot share further or change anything either.
    AlbumMember.objects.create(album=album, user=bob)
    bob_client = Client()
    bob_client.force_login(bob)
    assert bob_client.get(f"/albums/{album.code}/share/").status_code == 404
    assert bob_client.post(f"/albums/{album.code}/edit/", {"title": "x"}).status_code == 404
    assert bob_client.post(f"/albums/{album.code}/delete/").status_code == 404


def test_sharing_with_a_person_by_username_or_email(alice_client, album, bob, charlie):
    import re

    from django.core import mail

    alice_client.post(f"/albums/{album.code}/members/", {"who": "BOB"})
    alice_client.post(f"/albums/{album.code}/members/", {"who": "charlie@example.org"})
    assert not album.members.exists()  # invitations: nobody sees it before accepting
    for user, message in zip((bob, charlie), mail.outbox, strict=True):
        person = Client()
        person.force_login(user)
        url = re.search(r"https?://[^/\s]+(/invitations/\S+)", message.body).group(1)
        person.post(url, {"answer": "accept"})
    assert set(album.members.values_list("user__username", flat=True)) == {"bob", "charlie"}
    unknown = alice_client.post(f"/albums/{album.code}/members/", {"who": "nobody"}, follow=True)
    assert b"If nobody has an account here, they were sent an invitation." in unknown.content
    bob_client = Client()
    bob_client.force_login(bob)
    home = bob_client.get("/").content.decode()
    assert "Shared with me</h2>" in home and "Grandma&#x27;s box" in home
    member = album.members.get(user=bob)
    alice_client.post(f"/albums/{album.code}/members/{member.pk}/remove/")
    assert bob_client.get(f"/albums/{album.code}/").status_code == 404
    assert "Shared with me</h2>" not in bob_client.get("/").content.decode()


def test_the_shared_page_lists_every_link(alice_client, album, alice):
    from albums.models import Album

    other = Album.objects.create(owner=alice, title="Second box")
    make_link(album)
    revoked, _ = make_link(other)
    revoked.revoke()
    page = alice_client.get("/shared/").content.decode()
    assert page.count("for grandma") == 2
    assert "Revoked" in page and "Second box" in page


def test_file_names_are_safe_everywhere():
    from albums.downloads import photo_file_name, safe_name

    assert safe_name('a/b\\c:d*e?f"g<h>i|j') == "a b c d e f g h i j"
    assert safe_name("  ..hidden.. ") == "hidden"
    assert safe_name("CON") == "_CON" and safe_name("lpt1.txt") == "_lpt1.txt"
    assert safe_name("x" * 300, max_length=80) == "x" * 80
    assert photo_file_name("Trip: 1950/51", 7, "Tom & Sue?", "jpg", " (restored)") == (
        "Trip 1950 51 - 007 - Tom & Sue (restored).jpg"
    )


@pytest.mark.parametrize("odd", ["²", "٣", "1e3", " 7", "0", "3651"])
def test_an_odd_expiry_is_a_form_error(alice_client, album, odd):
    # The attack: expires_in_days=² passed isdigit() and raised in int(): a 500.
    response = alice_client.post(
        f"/albums/{album.code}/links/",
        {"expires_in_days": odd},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 400
    assert "expires_in_days" in response.json()["errors"]
    page = alice_client.post(f"/albums/{album.code}/links/", {"expires_in_days": odd})
    assert page.status_code == 400
    assert not ShareLink.objects.exists()


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "http:evil"]
)
def test_revoking_redirects_only_within_the_site(alice_client, album, target):
    # The attack: `next` on link revoke redirected anywhere.
    link, _ = make_link(album)
    response = alice_client.post(
        f"/albums/{album.code}/links/{link.code}/revoke/", {"next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/albums/{album.code}/share/"
    link.refresh_from_db()
    assert link.is_revoked


def test_revoking_from_the_overview_goes_back_to_it(alice_client, album):
    link, _ = make_link(album)
    response = alice_client.post(
        f"/albums/{album.code}/links/{link.code}/revoke/", {"next": "/shared/"}
    )
    assert response["Location"] == "/shared/"


def test_visitors_files_are_named_by_caption(shared_album):
    link, token = make_link(shared_album)
    second = shared_album.photos.order_by("position")[1]
    second.caption = "Uncle Tom"
    second.save()
    named = zipfile.ZipFile(io.BytesIO(b"".join(Client().get(f"/s/{token}/zip/"))))
    assert named.namelist()[1] == "Grandma's box - 002 - Uncle Tom.jpg"


def test_download_all_lets_the_owner_choose_and_defaults_to_both(shared_album, alice_client):
    page = alice_client.get(shared_album.get_absolute_url()).content.decode()
    form = page[page.index('class="download-all-form"') : page.index("Download ZIP")]
    assert f'action="/albums/{shared_album.code}/download.zip"' in page
    assert 'method="get"' in page[page.index("<form", page.index("download-all")) :][:200]
    for value in ("both", "restored", "originals"):
        assert f'value="{value}"' in form
    assert 'value="both" id="id_include_0" checked' in form
    assert form.count(" checked") == 1
    # The form as sent without a choice, and each choice.
    expected = {
        "": ["Originals/", "Restored/", "Originals/"],
        "include=both": ["Originals/", "Restored/", "Originals/"],
        "include=restored": ["Grandma's box - 001 - gps (restored).jpg"],
        "include=originals": ["Grandma's box - 001 - gps.jpg", "Grandma's box - 002 - two.png"],
    }
    for query, names in expected.items():
        response = alice_client.get(f"/albums/{shared_album.code}/download.zip?{query}")
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        got = archive.namelist()
        if query in ("", "include=both"):
            got = [name.split("/")[0] + "/" for name in got]
        assert got == names, query


def test_a_member_gets_no_choice_but_the_album_as_shown(shared_album, bob_client):
    page = bob_client.get(shared_album.get_absolute_url()).content.decode()
    assert "download-all-form" not in page and "Download all" in page


def test_revoking_a_link_asks_first(shared_album, alice_client):
    link, token = make_link(shared_album)
    url = f"/albums/{shared_album.code}/links/{link.code}/revoke/"
    for page in ("share/", None):
        where = f"/albums/{shared_album.code}/share/" if page else "/shared/"
        assert f'href="{url}' in alice_client.get(where).content.decode()
    confirm = alice_client.get(url + "?next=/shared/")
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "Revoke “<bdi>for grandma</bdi>”?" in text and 'value="/shared/"' in text
    assert Client().get(f"/s/{token}/").status_code == 200  # asking revoked nothing
    response = alice_client.post(url, {"next": "/shared/"})
    assert response.status_code == 302 and response["Location"] == "/shared/"
    assert Client().get(f"/s/{token}/").status_code == 410


def test_only_the_owner_is_asked_about_revoking(shared_album, bob_client, charlie_client):
    link, token = make_link(shared_album)
    url = f"/albums/{shared_album.code}/links/{link.code}/revoke/"
    for client in (bob_client, charlie_client, Client()):
        assert client.get(url).status_code in (302, 404)
        assert client.post(url).status_code in (302, 404)
    assert Client().get(f"/s/{token}/").status_code == 200


def test_the_revoke_page_goes_back_only_within_the_site(shared_album, alice_client):
    link, _ = make_link(shared_album)
    url = f"/albums/{shared_album.code}/links/{link.code}/revoke/?next=https://evil.example/"
    text = alice_client.get(url).content.decode()
    assert "evil.example" not in text
    assert f'value="/albums/{shared_album.code}/share/"' in text
