"""Middleware of the site as a whole."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def human_size(size: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def refuse(request: HttpRequest, message: str, status: int, *, close: bool = False):
    """An early refusal, in JSON for scripts and the uploader, else as a page."""
    if "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse({"photos": [], "error": message}, status=status)
    else:
        back = request.headers.get("Referer", "")
        back_url = back if back.startswith(settings.SITE_URL + "/") else ""
        context = {"message": message, "back_url": back_url}
        response = render(request, "restorer/refused.html", context, status=status)
    if close:
        # The body was not read: close the connection rather than read it to the end.
        response["Connection"] = "close"
    return response


def request_content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


class RequestSizeLimitMiddleware:
    """Refuses a request larger than MAX_REQUEST_SIZE from its headers, before its body
    is read (Django's own limits apply to form fields, not to files)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.MAX_REQUEST_SIZE
        if limit and request_content_length(request) > limit:
            return refuse(
                request,
                f"This upload is {human_size(request_content_length(request))}; at most "
                f"{human_size(limit)} can be sent at once. Send the photos in smaller groups.",
                413,
                close=True,
            )
        return self.get_response(request)


# Browser features no page of this site uses.
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
    "bluetooth=(), midi=(), browsing-topics=()"
)


def content_security_policy() -> str:
    """Scripts from this site only, never inline; pictures also from the bucket, where
    a file view's redirect takes the browser (S3 storage)."""
    images = ["'self'", "data:", "blob:", *bucket_origins()]
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # Inline styles stay allowed: the error pages carry their own, to work when
            # nothing else does. Styles cannot run code.
            "style-src 'self' 'unsafe-inline'",
            "img-src " + " ".join(images),
            "connect-src 'self'",
            "font-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def bucket_origins() -> list[str]:
    if not settings.S3_BUCKET:
        return []
    from urllib.parse import urlsplit

    if settings.S3_ENDPOINT_URL:
        endpoint = urlsplit(settings.S3_ENDPOINT_URL)
        return [
            f"{endpoint.scheme}://{endpoint.netloc}",
            f"{endpoint.scheme}://{settings.S3_BUCKET}.{endpoint.netloc}",
        ]
    return ["https://*.amazonaws.com"]


class SecurityHeadersMiddleware:
    """A Content-Security-Policy and a Permissions-Policy on every HTML page; responses
    that set their own policy (served files) keep it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", self.policy)
            response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
