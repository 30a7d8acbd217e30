"""Slowing password guessing down without locking out whoever knows the password.

Used for share-link passwords and for logins. A client (an address) gets a few free
tries an hour; past those, each try must wait SPACING after the previous one, so a
guesser gets a few dozen tries an hour, and nobody else is held up by them.

Behind a reverse proxy every request comes from the proxy's address; the client's
own is the last one the trusted proxies (WEB_FORWARDED_ALLOW_IPS) added to
X-Forwarded-For. A client that is not a trusted proxy cannot choose its address
by sending the header itself.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

FREE_TRIES = 5
SPACING = timedelta(minutes=2)
WINDOW = timedelta(hours=1)


def now() -> datetime:
    return timezone.now()


@lru_cache(maxsize=8)
def _trusted(setting: str) -> tuple[bool, tuple]:
    names = [part.strip() for part in setting.split(",") if part.strip()]
    if "*" in names:
        return True, ()
    networks = []
    for name in names:
        try:
            networks.append(ipaddress.ip_network(name, strict=False))
        except ValueError:
            continue  # a host name: gunicorn's setting takes addresses only
    return False, tuple(networks)


def _is_trusted(address: str) -> bool:
    everyone, networks = _trusted(settings.WEB_FORWARDED_ALLOW_IPS)
    if everyone:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str:
    """The address of whoever sent the request, through trusted proxies only."""
    address = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    # Walk back from the nearest hop while it is one of our proxies.
    while hops and _is_trusted(address):
        address = hops.pop()
    return address


def client_key(request: HttpRequest) -> str:
    """A keyed hash of the client's address (an IPv6 client by its /64 network)."""
    address = client_address(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        pass
    else:
        if ip.version == 6:
            address = str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]


def subject_key(text: str) -> str:
    """A keyed hash of what is guessed at (an account's name), never stored in clear."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:subject:{text}".encode()).hexdigest()[:32]


def wait_seconds(
    failures: Iterable[datetime],
    *,
    free: int = FREE_TRIES,
    spacing: timedelta = SPACING,
    at: datetime | None = None,
) -> int:
    """How long before the next try is allowed, given the failed ones; 0: now."""
    at = at or now()
    recent = sorted(moment for moment in failures if moment > at - WINDOW)
    if len(recent) < free:
        return 0
    remaining = (recent[-1] + spacing - at).total_seconds()
    return max(0, math.ceil(remaining))


def describe_wait(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
