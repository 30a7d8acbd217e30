"""Failed logins slow further tries down, per address and per account (restorer/throttle.py).

- An address gets 10 free failures an hour, whatever accounts they were for, then
  one try a minute.
- An account gets 5 free failures an hour from everywhere together, then one try
  every 2 minutes, but only for addresses that failed on it themselves: its owner,
  logging in from an address with no failures on it, is never held up by a guesser.
Nothing is locked: whoever waits gets their try.
"""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest

from restorer import throttle
from restorer.accounts.backends import account_for
from restorer.models import LoginFailure

ADDRESS_FREE, ADDRESS_SPACING = 10, timedelta(minutes=1)
ACCOUNT_FREE, ACCOUNT_SPACING = 5, timedelta(minutes=2)


def _subject(username: str) -> str:
    # An account is one subject whether it is named by its username or its address.
    account = account_for(username)
    name = account.username if account is not None else username
    return throttle.subject_key("login:" + name.strip().casefold())


def login_wait(request: HttpRequest, username: str) -> int:
    """Seconds before this address may try to log in to this account; 0: now."""
    now = throttle.now()
    recent = LoginFailure.objects.filter(at__gt=now - throttle.WINDOW)
    client, subject = throttle.client_key(request), _subject(username)
    from_here = list(recent.filter(client=client).values_list("at", "subject"))
    wait = throttle.wait_seconds(
        (at for at, _ in from_here), free=ADDRESS_FREE, spacing=ADDRESS_SPACING, at=now
    )
    if any(tried == subject for _, tried in from_here):
        on_account = recent.filter(subject=subject).values_list("at", flat=True)
        account_wait = throttle.wait_seconds(
            on_account, free=ACCOUNT_FREE, spacing=ACCOUNT_SPACING, at=now
        )
        wait = max(wait, account_wait)
    return wait


def record_failure(request: HttpRequest, username: str) -> None:
    now = throttle.now()
    LoginFailure.objects.create(
        subject=_subject(username), client=throttle.client_key(request), at=now
    )
    LoginFailure.objects.filter(at__lt=now - timedelta(days=1)).delete()
