"""Upload requests refused from their headers, before their body is read.

Django reads a request's whole body the first time anything (the CSRF check, at the
latest) looks at its form data, so a refusal that waits for the view comes after
gigabytes have been received. This runs before that.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from albums.models import Photo
from restorer.middleware import human_size, refuse, request_content_length


def storage_left(user) -> int | None:
    """Bytes this person may still upload; None without a storage quota."""
    quota = settings.STORAGE_QUOTA_PER_PERSON
    if not quota:
        return None
    return max(0, quota - Photo.objects.stored_by(user))


def storage_message() -> str:
    return (
        f"Your photos use all of your {human_size(settings.STORAGE_QUOTA_PER_PERSON)} of "
        "storage, or this upload would pass it. Delete photos you no longer need, or ask "
        "the site's staff for more."
    )


class UploadLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and _is_upload(request) and request.user.is_authenticated:
            left = storage_left(request.user)
            if left is not None and request_content_length(request) > left:
                return refuse(request, storage_message(), 413, close=True)
            try:
                request.FILES  # noqa: B018  (parsed here, where a refusal can be JSON)
            except TooManyFilesSent:
                return refuse(
                    request,
                    f"You sent more than {settings.MAX_UPLOAD_FILES} files; at most "
                    f"{settings.MAX_UPLOAD_FILES} go in one upload.",
                    400,
                )
        return self.get_response(request)


def _is_upload(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name == "albums:upload"
