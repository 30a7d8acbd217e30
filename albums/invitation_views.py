"""Invitations: the owner's side (sending, withdrawing) and the invited person's page."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from albums.forms import InvitedSignupForm, Invitee
from albums.models import INVITATION_DAYS, Album, Invitation, Role
from restorer.accounts.forms import email_taken


def invite(album: Album, invitee: Invitee, role: str = Role.VIEWER) -> str:
    """Send an invitation if there is an address to send it to; the owner's message.

    The message is the same whether or not an account has that address or name.
    """
    if invitee.email:
        _, token = Invitation.create(
            album, email=invitee.email, invited_as=invitee.label, role=role
        )
        _send(album, invitee.email, token, role)
    if invitee.by_email:
        return (
            f"An invitation was sent to {invitee.label}. "
            "The album appears for them once they accept."
        )
    return f"If {invitee.label} has an account here, they were sent an invitation."


def _send(album: Album, to: str, token: str, role: str) -> None:
    owner = album.owner.get_short_name() or "Somebody"
    url = settings.SITE_URL + reverse("albums:invitation", args=[token])
    what = "see and add photos to" if role == Role.CONTRIBUTOR else "see"
    send_mail(
        f"{owner} shares an album with you · {settings.SITE_NAME}",
        f"{owner} invites you to {what} the album “{album.title}” on {settings.SITE_NAME}.\n\n"
        f"Open this link within {INVITATION_DAYS} days and accept:\n\n{url}\n\n"
        "It works once. With an account here that uses this e-mail address, log in; "
        "without one, the link lets you sign up with this address. If you do not want "
        "the album, ignore this message.\n",
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
ACCOUNT_EXISTS = (
    "An account here already uses this address. Log in with it to accept the invitation, "
    "or reset its password if you have forgotten it."
)


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail: shows the invitation; accepting or declining is a POST."""
    found = Invitation.find(token)
    if found is None:
        return _page(request, None, GONE, 404)
    if not request.user.is_authenticated:
        # Log in, or sign up with the invited address: either way back here.
        return _page(
            request,
            found,
            None,
            login_url=_login_url(request.path),
            signup_url=reverse("albums:invitation_signup", args=[token]),
        )
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


def invitation_signup(request: HttpRequest, token: str) -> HttpResponse:
    """Sign up from an invitation, with the address it was sent to, and accept it.

    The address needs no confirmation e-mail: the invitation's token, sent there, is
    the proof that a confirmation link would be. An address that has an account
    already is told to log in; only whoever holds the invitation learns that.
    """
    found = Invitation.find(token)
    if found is None:
        return _page(request, None, GONE, 404)
    invitation_url = reverse("albums:invitation", args=[token])
    if request.user.is_authenticated:
        return redirect(invitation_url)
    form = InvitedSignupForm(request.POST or None, email=found.email)
    problem = None
    if request.method == "POST" and form.is_valid():
        user = form.save(commit=False)
        user.email = found.email
        try:
            with transaction.atomic():
                if email_taken(found.email):
                    raise IntegrityError
                user.save()
                accepted = found.accept(user)
        except IntegrityError:  # the address (or the name) was taken, now or meanwhile
            if email_taken(found.email):
                problem = ACCOUNT_EXISTS
            else:
                problem = "That username was taken meanwhile. Choose another one."
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            if not accepted:  # used up in the meantime: the account stays
                messages.error(request, GONE)
                return redirect("albums:index")
            messages.success(
                request, f"Welcome! “{found.album.title}” is now under “Shared with me”."
            )
            return redirect(found.album)
    context = {
        "form": form,
        "invitation": found,
        "problem": problem,
        "login_url": _login_url(invitation_url),
    }
    return render(request, "albums/invitation_signup.html", context)


def _login_url(next_url: str) -> str:
    # Slashes kept as they are, so the log filter (restorer/logs.py) finds the token.
    return reverse("login") + "?" + urlencode({"next": next_url}, safe="/")


def _page(
    request,
    found: Invitation | None,
    problem: str | None,
    status: int = 200,
    login_url: str = "",
    signup_url: str = "",
):
    context = {
        "invitation": found,
        "problem": problem,
        "login_url": login_url,
        "signup_url": signup_url,
    }
    # The site's Referrer-Policy (same-origin) keeps the token from other sites; with
    # no-referrer, browsers would post the forms with "Origin: null", which the CSRF
    # check refuses.
    return render(request, "albums/invitation.html", context, status=status)
