"""Guessing a share link's password: slowed down, never locking the rightful visitor out."""

from __future__ import annotations

import pytest
from django.test import Client

from albums.models import PasswordAttempt, ShareLink
from restorer import throttle

pytestmark = pytest.mark.django_db

PASSWORD = "Brighton 1952"


@pytest.fixture
def token(album) -> str:
    _, token = ShareLink.create(album, password=PASSWORD)
    return token


def guess(token: str, password: str, **headers):
    return Client(**headers).post(f"/s/{token}/", {"password": password})


def test_many_guessers_do_not_lock_out_the_rightful_visitor(token):
    # The attack: 30 wrong guesses from 7 addresses locked everyone out for 15 minutes.
    for number in range(30):
        guess(token, f"guess {number}", REMOTE_ADDR=f"198.51.100.{number % 7}")
    assert guess(token, PASSWORD, REMOTE_ADDR="203.0.113.50").status_code == 302


def test_behind_the_proxy_each_visitor_is_told_apart(token, settings):
    # The attack: behind the documented proxy every visitor was one client, REMOTE_ADDR.
    settings.WEB_FORWARDED_ALLOW_IPS = "10.0.0.10"
    proxy = {"REMOTE_ADDR": "10.0.0.10"}
    for number in range(10):
        guess(token, f"guess {number}", **proxy, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert guess(token, "x", **proxy, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 429
    rightful = guess(token, PASSWORD, **proxy, HTTP_X_FORWARDED_FOR="203.0.113.50")
    assert rightful.status_code == 302
    # The guesser cannot pose as somebody else by sending the header itself: the proxy
    # appends the address it saw, and only that one is believed.
    spoofed = guess(token, "x", **proxy, HTTP_X_FORWARDED_FOR="203.0.113.99, 198.51.100.7")
    assert spoofed.status_code == 429
    # Nor without the proxy: an untrusted REMOTE_ADDR's header is ignored.
    direct = {"REMOTE_ADDR": "198.51.100.8"}
    for number in range(5):
        guess(token, f"g{number}", **direct, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
    assert guess(token, "x", **direct, HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


def test_a_guesser_gets_a_few_dozen_tries_an_hour(token, clock):
    tries = 0
    elapsed = 0
    while elapsed < 3600:
        response = guess(token, f"guess {tries}", REMOTE_ADDR="198.51.100.1")
        if response.status_code == 429:
            wait = int(response["Retry-After"])
            assert wait > 0
            assert b"Too many wrong passwords. Wait" in response.content
            clock.advance(wait)
            elapsed += wait
        else:
            assert response.status_code == 403
            tries += 1
    assert 20 <= tries <= 40
    # The right password, from the guesser's address, after the wait: in.
    clock.advance(throttle.SPACING.total_seconds())
    assert guess(token, PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 302


def test_old_attempts_are_forgotten(token, clock):
    for number in range(5):
        guess(token, f"guess {number}", REMOTE_ADDR="198.51.100.1")
    assert guess(token, "x", REMOTE_ADDR="198.51.100.1").status_code == 429
    clock.advance(3601)
    assert guess(token, PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 302
    assert PasswordAttempt.objects.count() == 5


def test_unlocking_a_link_leaves_the_site_session_alone(token, alice_client):
    # The attack: the CSRF-exempt password form, auto-posted by a hostile page, replaced
    # a logged-in visitor's session. A cross-site POST carries no SameSite=Lax cookie,
    # so the answer must not set one: here, a request without the visitor's cookies.
    cross_site = Client().post(f"/s/{token}/", {"password": PASSWORD})
    assert cross_site.status_code == 302
    assert "sessionid" not in cross_site.cookies
    # Posted from the visitor's own browser, with their cookies: still logged in, same
    # session, and the link is open to them.
    key = alice_client.session.session_key
    own = alice_client.post(f"/s/{token}/", {"password": PASSWORD})
    assert own.status_code == 302
    assert "sessionid" not in own.cookies
    assert alice_client.session.session_key == key
    assert "_auth_user_id" in alice_client.session
    assert alice_client.get(f"/s/{token}/").status_code == 200
    assert alice_client.get("/").context["user"].username == "alice"


def test_an_unlock_does_not_outlive_a_new_password(album):
    link, token = ShareLink.create(album, password=PASSWORD)
    visitor = Client()
    visitor.post(f"/s/{token}/", {"password": PASSWORD})
    page = visitor.get(f"/s/{token}/")
    assert page.status_code == 200 and b"share-grid" in page.content
    from django.contrib.auth.hashers import make_password

    ShareLink.objects.filter(pk=link.pk).update(password_hash=make_password("another one"))
    assert b'type="password"' in visitor.get(f"/s/{token}/").content
