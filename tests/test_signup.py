"""Signing up and changing one's e-mail: addresses verified, unique, and never revealed."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a long family password 1922"


def sign_up(client, username, email):
    return client.post(
        "/accounts/signup/",
        {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD},
    )


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_signing_up_verifies_the_address_then_logs_the_person_in(client):
    response = sign_up(client, "dora", "dora@example.org")
    assert response.status_code == 302
    assert not User.objects.filter(username="dora").exists()  # not before the address is proved
    assert not client.get("/").context["user"].is_authenticated
    [message] = mail.outbox
    assert message.to == ["dora@example.org"]
    confirm = link_in(message)
    assert "/accounts/signup/confirm/" in confirm
    page = client.get(confirm)
    assert page.status_code == 200 and b"dora" in page.content
    assert not User.objects.filter(username="dora").exists()  # a GET (a link preview) does nothing
    finished = client.post(confirm)
    assert finished.status_code == 302
    user = User.objects.get(username="dora")
    assert user.email == "dora@example.org" and user.check_password(PASSWORD)
    assert client.get("/").context["user"] == user
    # The link works once.
    again = Client().post(confirm)
    assert b"no longer works" in again.content
    assert User.objects.filter(username="dora").count() == 1


def test_signup_answers_the_same_whether_or_not_the_address_is_taken(client, alice):
    # The finding: signup said "An account with this e-mail address already exists".
    free = sign_up(Client(), "dora", "dora@example.org")
    taken = sign_up(Client(), "eve", "ALICE@example.org")
    assert free.status_code == taken.status_code == 302
    assert free["Location"] == taken["Location"]
    free_page, taken_page = Client().get(free["Location"]), Client().get(taken["Location"])
    assert free_page.content == taken_page.content
    assert b"already" not in taken_page.content
    # The address's owner is told, by e-mail, and no account is made for eve.
    to_alice = [m for m in mail.outbox if m.to == ["ALICE@example.org"]]
    assert len(to_alice) == 1 and "already have an account" in to_alice[0].body
    assert "/signup/confirm/" not in to_alice[0].body
    assert not User.objects.filter(username="eve").exists()


def test_mismatched_passwords_are_still_reported(client):
    response = client.post(
        "/accounts/signup/",
        {"username": "eve", "email": "eve@example.org", "password1": PASSWORD,
         "password2": "another password entirely"},
    )  # fmt: skip
    assert response.status_code == 200
    assert b"The two password fields" in response.content
    assert mail.outbox == []


def test_two_signups_with_one_address_make_one_account(client):
    # The finding: two concurrent signups with one e-mail both succeeded.
    sign_up(Client(), "dora", "dora@example.org")
    sign_up(Client(), "dora2", "Dora@Example.org")
    first, second = (link_in(m) for m in mail.outbox)
    assert Client().post(first).status_code == 302
    refused = Client().post(second)
    assert b"already has an account" in refused.content
    assert User.objects.filter(email__iexact="dora@example.org").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_second_account_for_one_address():
    User.objects.create_user("one", "same@example.org", PASSWORD)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("two", "SAME@example.org", PASSWORD)
    # Accounts without an address (made by createsuperuser, say) are no trouble.
    User.objects.create_user("three", "", PASSWORD)
    User.objects.create_user("four", "", PASSWORD)


def test_changing_the_address_needs_the_new_one_verified(alice_client, alice, bob):
    # The finding's sibling: the profile said "Another account uses this e-mail address".
    taken = alice_client.post(
        "/accounts/profile/", {"display_name": "Alice", "email": "bob@example.org"}
    )
    free = alice_client.post(
        "/accounts/profile/", {"display_name": "Alice", "email": "alice@new.example"}
    )
    assert taken.status_code == free.status_code == 302
    taken_page = alice_client.get(taken["Location"]).content.decode()
    assert "Another account" not in taken_page
    alice.refresh_from_db()
    assert alice.email == "alice@example.org" and alice.first_name == "Alice"
    to_bob = [m for m in mail.outbox if m.to == ["bob@example.org"]]
    assert len(to_bob) == 1 and "/email/confirm/" not in to_bob[0].body
    [to_new] = [m for m in mail.outbox if m.to == ["alice@new.example"]]
    alice_client.post(link_in(to_new))
    alice.refresh_from_db()
    assert alice.email == "alice@new.example"


@pytest.mark.parametrize(
    "weak",
    ["Photos2024", "photos2024!", "P@ssw0rd!!", "Family1952", "2024Summer!", "Restorer99",
     "short1"],
)  # fmt: skip
def test_passwords_of_a_common_pattern_are_refused(client, weak):
    # The finding: "Photos2024" was accepted.
    response = client.post(
        "/accounts/signup/",
        {"username": "dora", "email": "dora@example.org", "password1": weak, "password2": weak},
    )
    assert response.status_code == 200, weak
    assert b"password" in response.content and mail.outbox == []


@pytest.mark.parametrize("good", [PASSWORD, "correct horse battery staple 1907", "Tq8#vLp2!zR"])
def test_good_passwords_pass(good):
    from django.contrib.auth.password_validation import validate_password

    validate_password(good)
