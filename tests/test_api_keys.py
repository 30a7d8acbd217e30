"""API keys on the profile page and in the admin."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from restorer.api.models import ApiKey, ApiTask, hash_key
from tests import images
from tests.api_helpers import create, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(django_user_model):
    from django.test import Client

    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x")
    staff = Client()
    staff.force_login(admin)
    return staff


def _shown_key(page) -> str:
    match = re.search(r'id="new-api-key" value="(rk_[^"]+)"', page.content.decode())
    assert match, "the new key is not on the page"
    return match.group(1)


def test_a_person_makes_a_named_key_and_sees_it_once(alice_client, alice):
    response = alice_client.post("/accounts/profile/keys/new/", {"name": "GIMP plugin"})
    assert response.status_code == 302
    page = alice_client.get("/accounts/profile/")
    secret = _shown_key(page)
    assert "GIMP plugin" in page.content.decode()
    key = ApiKey.objects.get(owner=alice)
    assert key.key_hash == hash_key(secret) and secret not in key.key_hash
    assert key.prefix == secret[:10]
    # never again
    again = alice_client.get("/accounts/profile/")
    assert secret not in again.content.decode()
    assert key.prefix in again.content.decode()


def test_a_key_needs_a_name(alice_client):
    alice_client.post("/accounts/profile/keys/new/", {"name": "  "})
    assert not ApiKey.objects.exists()


def test_a_person_revokes_a_key_and_it_stops_working(alice_client, alice, settings):
    settings.API_QPS = 1000
    key, secret = ApiKey.issue(alice, "old laptop")
    response = alice_client.post(f"/accounts/profile/keys/{key.pk}/revoke/")
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert "Revoked" in alice_client.get("/accounts/profile/").content.decode()
    assert create(alice_client, secret, image_file=upload(images.jpeg())).status_code == 401


def test_nobody_revokes_another_person_s_key(charlie_client, alice):
    key, _ = ApiKey.issue(alice, "hers")
    assert charlie_client.post(f"/accounts/profile/keys/{key.pk}/revoke/").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_another_person_s_keys_are_not_listed(charlie_client, alice):
    ApiKey.issue(alice, "alice's scanner")
    assert "alice&#x27;s scanner" not in charlie_client.get("/accounts/profile/").content.decode()


def test_revoking_needs_a_post_and_a_login(anon_client, alice_client, alice):
    key, _ = ApiKey.issue(alice, "x")
    assert alice_client.get(f"/accounts/profile/keys/{key.pk}/revoke/").status_code == 405
    response = anon_client.post(f"/accounts/profile/keys/{key.pk}/revoke/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_usage_this_month_and_in_total_is_shown_beside_each_key(alice_client, alice, settings):
    settings.API_QPS = 1000
    settings.API_SYNC_TIMEOUT = 0
    key, secret = ApiKey.issue(alice, "studio")
    for seed in range(3):
        assert (
            create(alice_client, secret, image_file=upload(images.jpeg(seed=seed))).status_code
            == 200
        )
    ApiTask.objects.filter(pk=ApiTask.objects.first().pk).update(
        created_at=timezone.now() - timedelta(days=40)
    )
    page = alice_client.get("/accounts/profile/").content.decode()
    assert "2 tasks this month, 3 in total" in page


def test_staff_see_keys_with_usage_and_revoke_them(staff_client, alice):
    key, secret = ApiKey.issue(alice, "family archive")
    ApiKey.issue(alice, "spare")
    listing = staff_client.get("/admin/api/apikey/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "family archive" in text and key.prefix in text
    assert secret not in text and key.key_hash not in text
    response = staff_client.post(
        "/admin/api/apikey/", {"action": "revoke", "_selected_action": [key.pk]}
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert ApiKey.objects.active().count() == 1
    change = staff_client.get(f"/admin/api/apikey/{key.pk}/change/")
    assert change.status_code == 200 and key.key_hash not in change.content.decode()
    assert staff_client.get("/admin/api/apitask/").status_code == 200


def test_a_person_keeps_a_key_s_results_in_one_of_their_albums(alice_client, alice, album):
    key, _ = ApiKey.issue(alice, "studio")
    page = alice_client.get("/accounts/profile/").content.decode()
    assert f'<option value="{album.code}">' in page
    alice_client.post(f"/accounts/profile/keys/{key.pk}/album/", {"album": album.code})
    key.refresh_from_db()
    assert key.album_code == album.code
    alice_client.post(f"/accounts/profile/keys/{key.pk}/album/", {"album": ""})
    key.refresh_from_db()
    assert key.album_code == ""


def test_nobody_keeps_results_in_another_person_s_album(charlie_client, charlie, album):
    key, _ = ApiKey.issue(charlie, "sneaky")
    charlie_client.post(f"/accounts/profile/keys/{key.pk}/album/", {"album": album.code})
    key.refresh_from_db()
    assert key.album_code == ""
