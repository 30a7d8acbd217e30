import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

pytestmark = pytest.mark.django_db
User = get_user_model()


# Signing up, and why its answers never say whether an address has an account:
# tests/test_signup.py.


def test_logging_in_and_out(client, alice, password):
    page = client.get("/accounts/login/")
    assert b'name="username"' in page.content and b'name="password"' in page.content
    response = client.post("/accounts/login/", {"username": "alice", "password": password})
    assert response.status_code == 302
    assert client.get("/").context["user"] == alice
    assert client.get("/accounts/logout/").status_code == 405  # log out by POST only
    assert client.post("/accounts/logout/").status_code == 302
    assert not client.get("/").context["user"].is_authenticated


def test_a_wrong_password_is_refused(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert b"and password do not match an account" in response.content


def test_changing_the_password(alice_client, alice, password):
    response = alice_client.post(
        "/accounts/password/change/",
        {
            "old_password": password,
            "new_password1": "new family password 2026",
            "new_password2": "new family password 2026",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("new family password 2026")


def test_resetting_a_forgotten_password_by_email(client, alice):
    response = client.post("/accounts/password/reset/", {"email": "alice@example.org"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert "Old Photo Restorer" in message.subject
    link = re.search(r"http://testserver(/accounts/password/reset/\S+)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "reset password 1977 ok", "new_password2": "reset password 1977 ok"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("reset password 1977 ok")


def test_an_unknown_email_gets_the_same_answer_and_no_mail(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_the_profile_page(alice_client, alice, bob):
    page = alice_client.get("/accounts/profile/")
    assert b"alice" in page.content
    saved = alice_client.post(
        "/accounts/profile/", {"display_name": " Alice M. ", "email": "alice@example.org"}
    )
    assert saved.status_code == 302
    alice.refresh_from_db()
    assert (alice.first_name, alice.email) == ("Alice M.", "alice@example.org")
    assert b"Your profile was saved." in alice_client.get(saved["Location"]).content
    # A new address: tests/test_signup.py.


def test_the_profile_needs_a_login(anon_client):
    assert anon_client.get("/accounts/profile/").status_code == 302


def test_the_login_page_names_the_site_not_the_host(client, settings):
    settings.SITE_NAME = "The Family Archive"
    page = client.get("/accounts/login/").content.decode()
    assert "<title>Log in · The Family Archive</title>" in page
    assert page.count("The Family Archive") == 3  # title, header and footer
    assert "testserver" not in page
