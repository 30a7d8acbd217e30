"""Logging in with a username or an e-mail address, in the same field."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def log_in(client: Client, who: str, password: str):
    return client.post("/accounts/login/", {"username": who, "password": password})


def logged_in_as(client: Client):
    from django.contrib.auth import get_user_model

    pk = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=pk).username if pk else None


def test_the_field_says_both_work(client):
    assert b"Username or e-mail" in client.get("/accounts/login/").content


@pytest.mark.parametrize(
    "who", ["alice", "alice@example.org", "ALICE@Example.ORG", " alice@example.org "]
)
def test_a_username_or_an_address_logs_in(client, alice, bob, password, who):
    assert log_in(client, who, password).status_code == 302
    assert logged_in_as(client) == "alice"


def test_a_wrong_password_for_an_address_is_refused(client, alice, password):
    response = log_in(client, "alice@example.org", "wrong password")
    assert logged_in_as(client) is None
    assert b"do not match an account" in response.content


def test_an_address_two_accounts_share_names_neither(monkeypatch, alice, bob):
    # The database refuses a second account with an address; were one made all the same
    # (by an older database, say), logging in by that address must pick neither.
    from django.contrib.auth import get_user_model

    from restorer.accounts import backends

    User = get_user_model()
    real_filter = User.objects.filter

    def both_have_it(*args, **kwargs):
        if "email__iexact" in kwargs:
            return real_filter(username__in=["alice", "bob"])
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(User.objects, "filter", both_have_it)
    assert backends.account_for("alice@example.org") is None
    monkeypatch.undo()
    assert backends.account_for("alice@example.org") == alice


def test_a_username_that_looks_like_an_address_is_a_username(
    client, django_user_model, alice, password
):
    # "alice@example.org" is both someone's username and alice's address: the username wins.
    django_user_model.objects.create_user(
        "alice@example.org", "other@example.org", "other pw 1907!"
    )
    log_in(client, "alice@example.org", password)
    assert logged_in_as(client) is None
    log_in(client, "alice@example.org", "other pw 1907!")
    assert logged_in_as(client) == "alice@example.org"


def test_an_inactive_account_does_not_log_in_by_address(client, alice, password):
    alice.is_active = False
    alice.save()
    log_in(client, "alice@example.org", password)
    assert logged_in_as(client) is None


def test_the_throttle_counts_an_account_by_name_and_by_address_together(alice, password, clock):
    # Guessing by username and by address in turn gets no more free tries than either.
    guesser = Client(REMOTE_ADDR="198.51.100.7")
    for number in range(3):
        log_in(guesser, "alice", f"guess {number}")
        log_in(guesser, "Alice@Example.org", f"guess {number}b")
    for who in ("alice", "alice@example.org"):
        response = log_in(guesser, who, password)
        assert logged_in_as(guesser) is None
        assert b"Too many failed logins" in response.content
    # The owner, from an address of their own, logs in by address at once.
    owner = Client(REMOTE_ADDR="203.0.113.9")
    log_in(owner, "alice@example.org", password)
    assert logged_in_as(owner) == "alice"
