"""Sharing with a person: an invitation by e-mail, accepted before the album appears."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from albums.models import AlbumMember, Invitation

pytestmark = pytest.mark.django_db


def invite(alice_client, album, who, data_role=None, **kwargs):
    data = {"who": who} if data_role is None else {"who": who, "role": data_role}
    return alice_client.post(f"/albums/{album.code}/members/", data, **kwargs)


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/invitations/\S+)", message.body).group(1)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_album_appears_only_once_the_invitation_is_accepted(alice_client, album, bob):
    # The finding: sharing put the album in the other person's list without consent.
    response = invite(alice_client, album, "bob@example.org", follow=True)
    assert b"An invitation was sent to bob@example.org" in response.content
    assert not album.members.exists()
    bob_client = logged_in(bob)
    assert "Shared with me</h2>" not in bob_client.get("/").content.decode()
    assert bob_client.get(album.get_absolute_url()).status_code == 404
    [message] = mail.outbox
    assert message.to == ["bob@example.org"]
    url = link_in(message)
    page = bob_client.get(url)
    assert b"Grandma&#x27;s box" in page.content and b"Accept" in page.content
    assert not album.members.exists()  # looking at it accepts nothing
    accepted = bob_client.post(url, {"answer": "accept"})
    assert accepted["Location"] == album.get_absolute_url()
    assert album.members.filter(user=bob).exists()
    assert "Grandma&#x27;s box" in bob_client.get("/").content.decode()
    # One time only.
    assert b"no longer works" in bob_client.get(url).content
    assert b"no longer works" in logged_in(bob).post(url, {"answer": "accept"}).content


def test_sharing_reveals_nothing_about_accounts(alice_client, album, bob):
    # The finding: sharing by e-mail revealed the username behind the address.
    known = invite(alice_client, album, "bob@example.org", follow=True).content.decode()
    unknown = invite(alice_client, album, "nobody@example.org", follow=True).content.decode()
    assert "bob" not in known.replace("bob@example.org", "")
    assert "An invitation was sent to nobody@example.org" in unknown
    assert [m.to for m in mail.outbox] == [["bob@example.org"], ["nobody@example.org"]]
    # By username: the same answer whether or not the name exists, never the address.
    by_name = invite(alice_client, album, "BOB", follow=True).content.decode()
    no_name = invite(alice_client, album, "nobody", follow=True).content.decode()
    assert "bob@example.org" not in by_name.split("Pending")[0]
    assert "If BOB has an account here, they were sent an invitation." in by_name
    assert "If nobody has an account here, they were sent an invitation." in no_name
    assert mail.outbox[-1].to == ["bob@example.org"]
    assert len(mail.outbox) == 3


def test_the_owner_sees_pending_invitations_and_can_withdraw_them(alice_client, album, bob):
    invite(alice_client, album, "bob")
    page = alice_client.get(f"/albums/{album.code}/share/").content.decode()
    assert "Pending" in page and "bob" in page and "bob@example.org" not in page
    invitation = Invitation.objects.get()
    alice_client.post(f"/albums/{album.code}/invitations/{invitation.code}/withdraw/")
    assert not Invitation.objects.exists()
    bob_client = logged_in(bob)
    assert b"no longer works" in bob_client.post(link_in(mail.outbox[0])).content
    assert not album.members.exists()


def test_an_invitation_is_for_the_address_it_was_sent_to(alice_client, album, bob, charlie):
    invite(alice_client, album, "bob@example.org")
    url = link_in(mail.outbox[0])
    refused = logged_in(charlie).post(url, {"answer": "accept"})
    assert b"sent to another address" in refused.content
    assert not album.members.exists()
    # Somebody not logged in is offered to log in or to sign up, and accepts nothing yet.
    anonymous = Client().get(url)
    assert anonymous.status_code == 200
    assert f'href="/accounts/login/?next={url}"' in anonymous.content.decode()
    assert f'href="{url}signup/"' in anonymous.content.decode()
    assert not album.members.exists()


def test_declining_and_expiry(alice_client, album, bob):
    invite(alice_client, album, "bob@example.org")
    invite(alice_client, album, "bob")
    first, second = (link_in(m) for m in mail.outbox)
    bob_client = logged_in(bob)
    bob_client.post(first, {"answer": "decline"})
    assert Invitation.objects.count() == 1 and not album.members.exists()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    assert b"no longer works" in bob_client.post(second, {"answer": "accept"}).content
    assert not AlbumMember.objects.exists()


def test_only_the_owner_invites_and_withdraws(alice_client, album, bob, charlie_client):
    assert invite(charlie_client, album, "x@example.org").status_code == 404
    invite(alice_client, album, "bob")
    invitation = Invitation.objects.get()
    url = f"/albums/{album.code}/invitations/{invitation.code}/withdraw/"
    assert charlie_client.post(url).status_code == 404
    assert Invitation.objects.exists()


def test_an_unknown_address_signs_up_from_the_link_and_lands_in_the_album(
    alice_client, album, password
):
    invite(alice_client, album, "Anne@Example.org", data_role="contributor")
    [message] = mail.outbox
    assert "sign up" in message.body
    url = link_in(message)
    visitor = Client()
    offer = visitor.get(url).content.decode()
    assert f'href="{url}signup/"' in offer
    form = visitor.get(f"{url}signup/").content.decode()
    assert 'value="Anne@Example.org"' in form and "disabled" in form
    answer = visitor.post(
        f"{url}signup/",
        {
            "username": "anne",
            "email": "someone.else@example.org",  # ignored: the invited address it is
            "password1": password,
            "password2": password,
        },
    )
    assert answer.status_code == 302 and answer["Location"] == album.get_absolute_url()
    anne = album.members.get().user
    assert anne.username == "anne" and anne.email == "Anne@Example.org"
    assert album.members.get().role == "contributor"
    assert len(mail.outbox) == 1  # the invitation was the proof of the address
    page = visitor.get(album.get_absolute_url())
    assert page.status_code == 200 and b'id="upload-form"' in page.content
    # The link worked once: not again, for sign-up or for accepting.
    assert Client().get(f"{url}signup/").status_code == 404
    assert b"no longer works" in visitor.get(url).content


def test_signing_up_with_an_address_that_has_an_account_says_to_log_in(
    alice_client, album, bob, password
):
    invite(alice_client, album, "BOB@example.org")
    url = link_in(mail.outbox[0])
    visitor = Client()
    answer = visitor.post(
        f"{url}signup/", {"username": "bobby", "password1": password, "password2": password}
    )
    assert b"An account here already uses this address. Log in with it" in answer.content
    assert "_auth_user_id" not in visitor.session
    assert not album.members.exists()
    # Logging in (here by address) leads back to the invitation, which is then accepted.
    login = visitor.post(
        f"/accounts/login/?next={url}", {"username": "bob@example.org", "password": password}
    )
    assert login["Location"] == url
    assert visitor.post(url, {"answer": "accept"})["Location"] == album.get_absolute_url()
    assert album.members.get().user == bob


def test_a_bad_sign_up_leaves_nothing_behind(alice_client, album, bob, password):
    invite(alice_client, album, "anne@example.org")
    url = link_in(mail.outbox[0])
    answer = Client().post(
        f"{url}signup/", {"username": "anne", "password1": password, "password2": "other"}
    )
    assert answer.status_code == 200 and b"has-error" in answer.content
    assert not album.members.exists() and Invitation.objects.pending().count() == 1
    assert not django_user_model_named("anne")


def django_user_model_named(username: str) -> bool:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username).exists()


def test_the_role_goes_with_the_invitation_and_the_owner_changes_it(alice_client, album, bob):
    invite(alice_client, album, "bob", data_role="contributor")
    page = alice_client.get(f"/albums/{album.code}/share/").content.decode()
    assert "as contributor" in page
    assert "add photos" in mail.outbox[0].body
    logged_in(bob).post(link_in(mail.outbox[0]), {"answer": "accept"})
    member = album.members.get()
    assert member.role == "contributor"
    role_url = f"/albums/{album.code}/members/{member.pk}/role/"
    alice_client.post(role_url, {"role": "viewer"})
    member.refresh_from_db()
    assert member.role == "viewer"
    refused = alice_client.post(role_url, {"role": "owner"}, follow=True)
    assert b"Choose viewer or contributor." in refused.content
    member.refresh_from_db()
    assert member.role == "viewer"
    # Inviting with a role nobody offers changes nothing either.
    bad = invite(alice_client, album, "x@example.org", data_role="admin", follow=True)
    assert b"Choose viewer or contributor." in bad.content
    assert len(mail.outbox) == 1 and Invitation.objects.pending().count() == 0
