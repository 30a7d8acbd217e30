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
