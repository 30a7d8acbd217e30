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


def _restoration(owner, **fields):
    from restorer.models import QuotaCharge, Restoration

    values = {
        "owner": owner,
        "source": "originals/x.jpg",
        "source_sha256": "0" * 64,
        "source_width": 10,
        "source_height": 10,
        "provider": "picwish",
    }
    values.update(fields)
    restoration = Restoration.objects.create(**values)
    if restoration.provider == "picwish":  # as Restoration.start records a paid one
        QuotaCharge.objects.create(owner=owner, restoration=restoration)
    return restoration


def test_restorations_filter_retry_and_cancel(staff_client, alice):
    from restorer.models import Restoration

    failed = _restoration(alice, state="failed", error_code="task_timeout", remote_task_id="t1")
    queued = _restoration(alice, state="queued")
    listing = staff_client.get("/admin/restorer/restoration/?state__exact=failed")
    assert failed.code.encode() in listing.content and queued.code.encode() not in listing.content
    by_error = staff_client.get("/admin/restorer/restoration/?error_code=task_timeout")
    assert failed.code.encode() in by_error.content
    staff_client.post(
        "/admin/restorer/restoration/",
        {"action": "retry_failed", "_selected_action": [failed.pk, queued.pk]},
    )
    staff_client.post(
        "/admin/restorer/restoration/",
        {"action": "cancel_queued", "_selected_action": [queued.pk]},
    )
    failed.refresh_from_db()
    queued.refresh_from_db()
    assert failed.state == Restoration.State.QUEUED and failed.remote_task_id == ""
    assert queued.state == Restoration.State.CANCELLED


def test_a_hold_is_announced_in_the_admin(staff_client, settings):
    from restorer.models import ProviderHold

    settings.PICWISH_API_KEY = "k"
    ProviderHold.place("auth_failed", "PicWish refused the API key.")
    page = staff_client.get("/admin/restorer/restoration/")
    assert b"Submissions to PicWish are stopped: PicWish refused the API key." in page.content


def test_the_user_list_counts_paid_tasks(staff_client, alice):
    _restoration(alice, state="done", remote_task_id="a")
    _restoration(alice, state="failed", remote_task_id="b")
    _restoration(alice, state="failed")  # never created: not paid
    _restoration(alice, state="done", provider="local")
    page = staff_client.get("/admin/auth/user/?username=alice").content.decode()
    assert "Paid this month" in page
    row = page[page.index(">alice<") :]
    assert '<td class="field-paid_this_month">2</td>' in row


def test_share_links_and_members_in_the_admin(staff_client, album, bob):
    from albums.models import AlbumMember, ShareLink

    link, token = ShareLink.create(album, label="for grandma")
    AlbumMember.objects.create(album=album, user=bob)
    listing = staff_client.get("/admin/albums/sharelink/")
    assert b"for grandma" in listing.content and token.encode() not in listing.content
    assert staff_client.get("/admin/albums/albummember/").status_code == 200
    staff_client.post(
        "/admin/albums/sharelink/", {"action": "revoke", "_selected_action": [link.pk]}
    )
    link.refresh_from_db()
    assert link.is_revoked


def test_a_photo_lists_its_versions_in_the_admin(staff_client, photo):
    response = staff_client.get(f"/admin/albums/photo/{photo.pk}/change/")
    assert response.status_code == 200
    assert b"Versions" in response.content


def test_photos_are_not_added_through_the_admin(staff_client, photo):
    assert staff_client.get("/admin/albums/photo/add/").status_code == 403
    listing = staff_client.get("/admin/albums/photo/").content.decode()
    assert "/admin/albums/photo/add/" not in listing


def test_a_photos_files_open_through_access_checked_views(staff_client, charlie_client, photo):
    page = staff_client.get(f"/admin/albums/photo/{photo.pk}/change/").content.decode()
    assert "media-is-not-served" not in page
    for kind in ("original", "thumbnail", "display"):
        url = f"/admin/albums/photo/{photo.pk}/file/{kind}/"
        assert url in page
        assert staff_client.get(url).status_code == 200
        assert "/admin/login/" in charlie_client.get(url)["Location"]


def test_the_restorations_list_shows_thumbnails_photos_and_each_state_once(
    staff_client, settings, album
):
    from restorer import tasks

    settings.RESTORER_PROVIDER = "local"
    photo = album.add_photo(SimpleUploadedFile("farm.jpg", images.jpeg()))
    restoration = photo.latest_version.restoration
    tasks.prepare(restoration.pk)
    restoration.refresh_from_db()
    assert restoration.state == "done"
    listing = staff_client.get("/admin/restorer/restoration/").content.decode()
    thumb_url = f"/admin/restorer/restoration/{restoration.pk}/thumbnail/"
    assert thumb_url in listing
    assert staff_client.get(thumb_url)["Content-Type"] == "image/jpeg"
    assert f"/admin/albums/photo/{photo.pk}/change/" in listing
    assert listing.count(">Restoring</a>") == 1


def test_the_admin_retry_respects_the_quota(staff_client, settings, alice):
    from restorer.models import Restoration

    settings.RESTORER_MONTHLY_QUOTA = 1
    _restoration(alice, state="done", remote_task_id="paid")
    failed = _restoration(alice, state="failed", error_code="task_timeout")
    response = staff_client.post(
        "/admin/restorer/restoration/",
        {"action": "retry_failed", "_selected_action": [failed.pk]},
        follow=True,
    )
    failed.refresh_from_db()
    assert failed.state == Restoration.State.FAILED
    assert "You have used all 1 restorations" in response.content.decode()


def test_invitations_and_quota_charges_in_the_admin(staff_client, album, photo):
    from albums.models import Invitation

    Invitation.create(album, email="dora@example.org", invited_as="dora@example.org")
    for url in ("/admin/albums/invitation/", "/admin/restorer/quotacharge/"):
        assert staff_client.get(url).status_code == 200, url
    invitation = Invitation.objects.get()
    page = staff_client.get(f"/admin/albums/invitation/{invitation.pk}/change/")
    assert page.status_code == 200 and b"dora@example.org" in page.content
    assert staff_client.get(f"/admin/albums/photo/{photo.pk}/change/").status_code == 200
