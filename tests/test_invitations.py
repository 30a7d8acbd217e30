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


def invite(alice_client, album, who, **kwargs):
    return alice_client.post(f"/albums/{album.code}/members/", {"who": who}, **kwargs)


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
