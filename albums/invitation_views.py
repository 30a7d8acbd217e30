"""Invitations: the owner's side (sending, withdrawing) and the invited person's page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from albums.forms import Invitee
from albums.models import INVITATION_DAYS, Album, Invitation


def invite(album: Album, invitee: Invitee) -> str:
    """Send an invitation if there is an address to send it to; the owner's message.

    The message is the same whether or not an account has that address or name.
    """
    if invitee.email:
        _, token = Invitation.create(album, email=invitee.email, invited_as=invitee.label)
        _send(album, invitee.email, token)
    if invitee.by_email:
        return (
            f"An invitation was sent to {invitee.label}. "
            "The album appears for them once they accept."
        )
    return f"If {invitee.label} has an account here, they were sent an invitation."


def _send(album: Album, to: str, token: str) -> None:
    owner = album.owner.get_short_name() or "Somebody"
    url = settings.SITE_URL + reverse("albums:invitation", args=[token])
    send_mail(
        f"{owner} shares an album with you · {settings.SITE_NAME}",
        f"{owner} invites you to see the album “{album.title}” on {settings.SITE_NAME}.\n\n"
        f"To see it, open this link within {INVITATION_DAYS} days and accept:\n\n{url}\n\n"
        "You need an account here with this e-mail address: log in, or sign up with it "
        "first, then open the link again. If you do not want it, ignore this message.\n",
        None,
        [to],
    )


@require_POST
def invitation_withdraw(request: HttpRequest, code: str, invitation_code: str) -> HttpResponse:
    album = get_object_or_404(Album.objects.owned_by(request.user), code=code)
    invitation = get_object_or_404(album.invitations.pending(), code=invitation_code)
    invitation.delete()
    messages.success(request, f"The invitation to {invitation.invited_as} was withdrawn.")
    return redirect("albums:album_share", album.code)


GONE = (
    "This invitation no longer works: it was accepted, withdrawn, or it is too old. "
    "Ask for a new one."
)
ELSEWHERE = (
    "This invitation was sent to another address. Log in with the account that uses it, "
    "or ask for an invitation to yours."
)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail: shows the invitation; accepting or declining is a POST."""
    found = Invitation.find(token)
    if found is None:
        return _page(request, None, GONE, 404)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not found.is_for(request.user):
        return _page(request, found, ELSEWHERE, 403)
    if request.method != "POST":
        return _page(request, found, None)
    if request.POST.get("answer") == "decline":
        Invitation.objects.pending().filter(pk=found.pk).delete()
        messages.success(request, "You declined the invitation.")
        return redirect("albums:index")
    if not found.accept(request.user):
        return _page(request, None, GONE, 404)
    messages.success(request, f"“{found.album.title}” is now under “Shared with me”.")
    return redirect(found.album)


def _page(request, found: Invitation | None, problem: str | None, status: int = 200):
    context = {"invitation": found, "problem": problem}
    response = render(request, "albums/invitation.html", context, status=status)
    response["Referrer-Policy"] = "no-referrer"
    return response
