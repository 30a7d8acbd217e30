"""The account e-mails: each says what happened and what to do, and links to the site."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse


def _url(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def _send(to: str, subject: str, body: str) -> None:
    send_mail(f"{subject} · {settings.SITE_NAME}", body, None, [to])


def confirm_signup(to: str, username: str, token: str) -> None:
    _send(
        to,
        "Confirm your e-mail address",
        f"Hello {username},\n\n"
        f"To finish signing up to {settings.SITE_NAME}, open this link within 3 days:\n\n"
        f"{_url('signup_confirm', token)}\n\n"
        "If you did not sign up, ignore this message: no account is made without it.\n",
    )


def already_registered(to: str) -> None:
    _send(
        to,
        "You already have an account",
        f"Somebody, perhaps you, tried to sign up to {settings.SITE_NAME} with this e-mail "
        "address. You already have an account with it.\n\n"
        f"Log in: {_url('login')}\n"
        f"Forgotten your password? Reset it: {_url('password_reset')}\n\n"
        "If it was not you, ignore this message: nothing was changed.\n",
    )


def confirm_email_change(to: str, username: str, token: str) -> None:
    _send(
        to,
        "Confirm your new e-mail address",
        f"Hello {username},\n\n"
        "To use this address for your account, open this link within 3 days:\n\n"
        f"{_url('email_confirm', token)}\n\n"
        "If you did not ask for this, ignore this message: nothing changes without it.\n",
    )


def address_in_use(to: str) -> None:
    _send(
        to,
        "Your e-mail address",
        f"Somebody tried to put this e-mail address on another account at "
        f"{settings.SITE_NAME}. It stays with yours; nothing was changed.\n",
    )
