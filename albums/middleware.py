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

from albums.models import Album, Photo
from restorer.middleware import human_size, refuse, request_content_length


def storage_left(user) -> int | None:
    """Bytes this person may still upload; None without a storage quota."""
    quota = settings.STORAGE_QUOTA_PER_PERSON
    if not quota:
        return None
    return max(0, quota - Photo.objects.stored_by(user))


def storage_message(for_owner: bool = True) -> str:
    if not for_owner:
        return (
            f"The album owner's photos use all of their "
            f"{human_size(settings.STORAGE_QUOTA_PER_PERSON)} of storage, or this upload would "
            "pass it (what you add to their album counts as theirs). Ask them to make room."
        )
    return (
        f"Your photos use all of your {human_size(settings.STORAGE_QUOTA_PER_PERSON)} of "
        "storage, or this upload would pass it. Delete photos you no longer need, or ask "
        "the site's staff for more."
    )


class UploadLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = _upload_album_code(request) if request.method == "POST" else None
        if code is not None and request.user.is_authenticated:
            owner = _storage_owner(request.user, code)
            left = storage_left(owner)
            if left is not None and request_content_length(request) > left:
                message = storage_message(for_owner=owner.pk == request.user.pk)
                return refuse(request, message, 413, close=True)
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


def _upload_album_code(request: HttpRequest) -> str | None:
    """The album code of an upload request; None for any other request."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    return match.kwargs["code"] if match.view_name == "albums:upload" else None


def _storage_owner(user, code: str):
    """Whose storage an upload fills: a contributor's uploads count as the album owner's."""
    album = Album.objects.contributable_by(user).select_related("owner").filter(code=code).first()
    return album.owner if album is not None else user
