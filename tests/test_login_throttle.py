"""Guessing account passwords, on the site's login and the admin's: slowed down."""

from __future__ import annotations

import pytest
from django.test import Client

from restorer import throttle

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model, password):
    return django_user_model.objects.create_user(
        "keeper", "keeper@example.org", password, is_staff=True, is_superuser=True
    )


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("url, who", [("/accounts/login/", "alice"), ("/admin/login/", "staff")])
def test_forty_wrong_passwords_then_the_right_one_does_not_log_in(
    request, url, who, password, clock
):
    # The attack: 40 wrong passwords, then the right one logged in. No throttling at all.
    user = request.getfixturevalue(who)
    guesser = Client(REMOTE_ADDR="198.51.100.1")
    for number in range(40):
        guesser.post(url, {"username": user.username, "password": f"guess {number}"})
    response = guesser.post(url, {"username": user.username, "password": password})
    assert not logged_in(guesser)
    assert b"Too many failed logins" in response.content
    # The account's owner, from an address of their own, is not held up.
    owner = Client(REMOTE_ADDR="203.0.113.50")
    owner.post(url, {"username": user.username, "password": password})
    assert logged_in(owner)
    # The guesser, once it has waited, gets one more try: slowed down, never locked.
    clock.advance(throttle.WINDOW.total_seconds())
    guesser.post(url, {"username": user.username, "password": password})
    assert logged_in(guesser)


def test_one_address_guessing_many_accounts_is_slowed_down(alice, bob, charlie, password):
    guesser = Client(REMOTE_ADDR="198.51.100.2")
    for number in range(12):
        for name in ("alice", "bob", "charlie"):
            guesser.post("/accounts/login/", {"username": name, "password": f"g{number}"})
    response = guesser.post("/accounts/login/", {"username": "bob", "password": password})
    assert not logged_in(guesser)
    assert b"Too many failed logins" in response.content


def test_a_few_mistakes_are_no_trouble(client, alice, password):
    for number in range(3):
        client.post("/accounts/login/", {"username": "alice", "password": f"oops {number}"})
    client.post("/accounts/login/", {"username": "alice", "password": password})
    assert logged_in(client)
