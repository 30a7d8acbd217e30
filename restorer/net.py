"""Every outgoing HTTP call of the project goes through this module.

Two tools live here:

* ``make_session()``: a ``requests.Session`` that always applies connect and read timeouts, never
  retries on its own (a retried POST to a paid API could pay twice) and names itself.
* ``fetch_result()``: downloads a file from a URL that a third party handed us (a provider's
  result URL). Such a URL is untrusted input, so the download refuses anything but public
  ``https`` addresses, checks every hop of a redirect, pins the connection to the address it
  checked (so a DNS answer that changes between check and connect cannot steer it elsewhere) and
  stops reading past a byte limit.

This module does not import Django: callers pass their settings in.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import time
from collections.abc import Iterable
from urllib.parse import urljoin, urlsplit

import certifi
import requests
import urllib3
from requests.adapters import HTTPAdapter

logger = logging.getLogger(__name__)

USER_AGENT = "old-photo-restorer/0.1 (self-hosted)"
# (connect, read) in seconds: the read timeout bounds each wait for bytes, not the whole call.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)
# A whole download may not take longer than this, however steadily the bytes drip in.
DEFAULT_TOTAL_TIMEOUT = 300.0
MAX_REDIRECTS = 3
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_GONE_STATUSES = frozenset({403, 404, 410})
_CHUNK_SIZE = 64 * 1024

Timeout = float | tuple[float, float]


class NetError(Exception):
    """Base class of the errors raised by ``fetch_result``."""


class UnsafeURL(NetError):
    """The URL is not one we are willing to fetch (scheme, host or address refused)."""


class TooLarge(NetError):
    """The response body is larger than the caller's limit."""

    def __init__(self, message: str, *, max_bytes: int) -> None:
        super().__init__(message)
        self.max_bytes = max_bytes


class FetchError(NetError):
    """The download failed: an HTTP error status (``status``) or a network failure (None)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ResultGone(FetchError):
    """403, 404 or 410: the URL no longer gives the file (a signed URL that expired)."""


class FetchTimeout(FetchError):
    """The server did not answer in time."""


# --- sessions ------------------------------------------------------------------------------


class TimeoutSession(requests.Session):
    """A Session that applies ``default_timeout`` to every request that names none."""

    def __init__(self, default_timeout: Timeout = DEFAULT_TIMEOUT) -> None:
        super().__init__()
        self.default_timeout = default_timeout

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, *args, **kwargs)


def make_session(
    *, timeout: Timeout = DEFAULT_TIMEOUT, user_agent: str = USER_AGENT
) -> requests.Session:
    """A Session with timeouts always set, no automatic retries and our User-Agent."""
    session = TimeoutSession(timeout)
    session.headers["User-Agent"] = user_agent
    # max_retries=0: a request that failed is reported, never silently sent again.
    adapter = HTTPAdapter(max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# --- address checks ------------------------------------------------------------------------


def _resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6), in the resolver's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone index
        if address not in addresses:
            addresses.append(address)
    return addresses


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address carried inside an IPv4-mapped, 6to4 or NAT64 IPv6 address."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in ipaddress.IPv6Network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def is_public_address(address: str) -> bool:
    """True when ``address`` is a globally routable unicast address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None and not is_public_address(str(embedded)):
            return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def _redact(url: str) -> str:
    """The URL without its query string, which for signed URLs holds the signature."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return "<invalid URL>"
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _normalise_allowed(allowed_hosts: Iterable[str]) -> frozenset[str]:
    return frozenset(h.strip().lower() for h in allowed_hosts if h and h.strip())


class _Target:
    """One checked hop: where to connect and what to call the host."""

    def __init__(self, url: str, scheme: str, host: str, port: int, addresses: list[str]):
        self.url = url
        self.scheme = scheme
        self.host = host
        self.port = port
        self.addresses = addresses

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default_port = 443 if self.scheme == "https" else 80
        return host if self.port == default_port else f"{host}:{self.port}"


def check_url(
    url: str,
    allowed_hosts: Iterable[str] = frozenset(),
    allowed_schemes: Iterable[str] = ("https",),
) -> _Target:
    """Check ``url`` and resolve its host; raise ``UnsafeURL`` if we may not fetch it.

    Public URLs of ``allowed_schemes`` (``https`` unless told) pass when every address of
    the host is public. A host named in ``allowed_hosts`` ("host:port") passes over
    ``http`` too and whatever its addresses are.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"Refusing a malformed URL: {exc}") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in ("http", "https") or not host:
        raise UnsafeURL(f"Refusing {_redact(url)}: only http(s) URLs with a host are fetched.")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL(f"Refusing {_redact(url)}: URLs with credentials are not fetched.")
    if port is None:
        port = 443 if scheme == "https" else 80
    allowed = _normalise_allowed(allowed_hosts)
    is_allowed = f"{host}:{port}" in allowed or f"[{host}]:{port}" in allowed
    if scheme not in allowed_schemes and not is_allowed:
        raise UnsafeURL(f"Refusing {_redact(url)}: only https is allowed for this host.")
    try:
        addresses = _resolve(host, port)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"Could not resolve the host of {_redact(url)}: {exc}") from None
    if not addresses:
        raise FetchError(f"The host of {_redact(url)} has no address.")
    if not is_allowed:
        refused = [a for a in addresses if not is_public_address(a)]
        if refused:
            raise UnsafeURL(
                f"Refusing {_redact(url)}: the host resolves to a non-public address "
                f"({', '.join(refused)})."
            )
    return _Target(url, scheme, host, port, addresses)


# --- downloads -----------------------------------------------------------------------------


def _ca_certs() -> str:
    """The CA bundle that result downloads trust (the one requests uses)."""
    return certifi.where()


def _pool_for(
    target: _Target, address: str, timeout: urllib3.Timeout
) -> urllib3.HTTPConnectionPool:
    """A one-connection pool that connects to ``address`` but speaks to ``target.host``.

    TLS still uses the host name for SNI and certificate checks, so pinning the address does
    not weaken verification.
    """
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=timeout,
            maxsize=1,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=_ca_certs(),
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(
        address, target.port, timeout=timeout, maxsize=1, retries=False
    )


def _open(target: _Target, timeout: urllib3.Timeout, user_agent: str) -> urllib3.BaseHTTPResponse:
    """GET the target, trying its checked addresses in turn until one connects."""
    parts = urlsplit(target.url)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    headers = {
        "Host": target.host_header,
        "User-Agent": user_agent,
        "Accept": "*/*",
        # Count the bytes that arrive, not what they might inflate to.
        "Accept-Encoding": "identity",
    }
    last_error: Exception | None = None
    for address in target.addresses:
        pool = _pool_for(target, address, timeout)
        try:
            return pool.urlopen(
                "GET",
                path,
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
        except urllib3.exceptions.NewConnectionError as exc:
            last_error = exc  # refused or unreachable: nothing was sent, try the next address
        except urllib3.exceptions.ConnectTimeoutError as exc:
            last_error = exc
        except urllib3.exceptions.TimeoutError:
            raise FetchTimeout(f"{_redact(target.url)} did not answer in time.") from None
        except urllib3.exceptions.SSLError as exc:
            raise FetchError(f"TLS failed for {_redact(target.url)}: {exc}") from None
        except urllib3.exceptions.HTTPError as exc:
            raise FetchError(f"Downloading {_redact(target.url)} failed: {exc}") from None
    if isinstance(last_error, urllib3.exceptions.ConnectTimeoutError):
        raise FetchTimeout(f"Could not connect to {_redact(target.url)} in time.")
    raise FetchError(f"Could not connect to {_redact(target.url)}: {last_error}")


def _read_limited(
    response: urllib3.BaseHTTPResponse, url: str, max_bytes: int, deadline: float
) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared is not None and declared.strip().isdigit() and int(declared) > max_bytes:
        raise TooLarge(
            f"{_redact(url)} announces {int(declared)} bytes, more than the limit of {max_bytes}.",
            max_bytes=max_bytes,
        )
    chunks: list[bytes] = []
    received = 0
    try:
        # read1 returns what has arrived (up to a chunk) rather than waiting for a whole
        # chunk, so a body dripping in a byte at a time still meets the deadline.
        while chunk := response.read1(_CHUNK_SIZE, decode_content=False):
            received += len(chunk)
            if received > max_bytes:
                raise TooLarge(
                    f"{_redact(url)} sent more than the limit of {max_bytes} bytes.",
                    max_bytes=max_bytes,
                )
            if time.monotonic() > deadline:
                raise FetchTimeout(f"Downloading {_redact(url)} took too long.")
            chunks.append(chunk)
    except urllib3.exceptions.TimeoutError:
        raise FetchTimeout(f"{_redact(url)} stopped sending data.") from None
    except urllib3.exceptions.HTTPError as exc:
        raise FetchError(f"Downloading {_redact(url)} failed: {exc}") from None
    return b"".join(chunks)


def _as_urllib3_timeout(timeout: Timeout) -> urllib3.Timeout:
    if isinstance(timeout, tuple):
        connect, read = timeout
    else:
        connect = read = timeout
    return urllib3.Timeout(connect=connect, read=read)


def fetch_result(
    url: str,
    *,
    max_bytes: int,
    allowed_hosts: Iterable[str] = frozenset(),
    timeout: Timeout = DEFAULT_TIMEOUT,
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT,
    max_redirects: int = MAX_REDIRECTS,
    user_agent: str = USER_AGENT,
    allowed_schemes: Iterable[str] = ("https",),
) -> bytes:
    """Download ``url`` (a result a provider handed us) and return its body.

    Raises ``UnsafeURL`` for a URL or redirect we refuse, ``TooLarge`` past ``max_bytes``,
    ``ResultGone`` for 403/404/410, ``FetchTimeout`` when the server is too slow and
    ``FetchError`` for any other failure (``status`` set when the server answered).
    """
    if max_bytes <= 0:
        raise ValueError("max_bytes must be positive")
    deadline = time.monotonic() + total_timeout
    urllib3_timeout = _as_urllib3_timeout(timeout)
    current = url
    for _hop in range(max_redirects + 1):
        target = check_url(current, allowed_hosts, allowed_schemes)
        response = _open(target, urllib3_timeout, user_agent)
        try:
            status = response.status
            if status in _REDIRECT_STATUSES:
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(
                        f"{_redact(current)} redirected without a Location.", status=status
                    )
                logger.debug("Following a %s redirect from %s", status, _redact(current))
                current = urljoin(current, location)
                continue
            if status in _GONE_STATUSES:
                raise ResultGone(
                    f"{_redact(current)} answered HTTP {status}: the file is gone or the link "
                    "expired.",
                    status=status,
                )
            if not 200 <= status < 300:
                raise FetchError(f"{_redact(current)} answered HTTP {status}.", status=status)
            return _read_limited(response, current, max_bytes, deadline)
        finally:
            response.release_conn()
            response.close()
    raise FetchError(f"Too many redirects (more than {max_redirects}) from {_redact(url)}.")
