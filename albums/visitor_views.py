"""Sharing, the visitor's side: a link's token, its password gate, and the pages behind it.

Who gets what:
- the owner: everything, originals included;
- a person the album is shared with: the album read-only, the shown versions of its
  photos, one by one or as a ZIP, without private metadata; never the originals;
- a link visitor: the same as a member, downloads only where the link allows them,
  after the password if the link has one; nothing once the link is revoked or expired.
"""

from __future__ import annotations

import hmac
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from albums import downloads
from albums.models import Album, PasswordAttempt, Photo, ShareLink, Version
from restorer import throttle
from restorer.files import serve_file


def _private_headers(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _gone(request: HttpRequest, link: ShareLink | None) -> HttpResponse:
    if link is None:
        message, status = "This link does not exist. Check that it was copied whole.", 404
    elif link.is_revoked:
        message, status = "This link was turned off by the person who shared it.", 410
    else:
        when = timezone.localtime(link.expires_at).strftime("%-d %B %Y")
        message, status = f"This link expired on {when}.", 410
    response = render(request, "albums/share_gone.html", {"message": message}, status=status)
    return _private_headers(response)


# A link unlocked by its password is remembered in a signed cookie of its own, never in
# the site's session: the password form takes cross-site posts (see share_page), and
# answering one with a session cookie would replace a logged-in visitor's session.
UNLOCK_SALT = "albums.share-unlock"
UNLOCK_SECONDS = 30 * 24 * 3600


def _unlock_cookie(link: ShareLink) -> str:
    return f"share-{link.code}"


def _unlocked(request: HttpRequest, link: ShareLink) -> bool:
    if not link.has_password:
        return True
    value = request.get_signed_cookie(
        _unlock_cookie(link), default="", salt=UNLOCK_SALT, max_age=UNLOCK_SECONDS
    )
    # A new password (a new hash) closes the link to everyone who had the old one.
    return bool(value) and hmac.compare_digest(value, link.password_hash[-24:])


def _remember_unlock(response: HttpResponse, link: ShareLink) -> None:
    response.set_signed_cookie(
        _unlock_cookie(link),
        link.password_hash[-24:],
        salt=UNLOCK_SALT,
        max_age=UNLOCK_SECONDS,
        path="/s/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _client(request: HttpRequest) -> str:
    return throttle.client_key(request)


def _password_wait(link: ShareLink, client: str) -> int:
    """Seconds this client must wait before its next guess (restorer/throttle.py).

    Only the guesser's own wrong passwords count: nobody else is held up by them.
    """
    since = throttle.now() - throttle.WINDOW
    failures = PasswordAttempt.objects.filter(link=link, client=client, at__gte=since)
    return throttle.wait_seconds(failures.values_list("at", flat=True))


def shared_link(page: bool = False):
    """Resolve the token: gone, locked or open; open views get the link.

    The album page explains a dead link or asks for the password; every other
    URL behind a link simply answers 404 then.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, token: str, *args, **kwargs):
            link = ShareLink.find(token)
            if link is None or not link.is_usable:
                if page:
                    return _gone(request, link)
                return _private_headers(_not_found(request))
            if not _unlocked(request, link):
                if page:
                    return _password_page(request, link, token)
                return _private_headers(_not_found(request))
            return _private_headers(view(request, link, token, *args, **kwargs))

        return wrapper

    return decorate


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "albums/share_gone.html",
        {"message": "This link no longer works, or needs its password."},
        status=404,
    )


def _password_page(request: HttpRequest, link: ShareLink, token: str) -> HttpResponse:
    error, status = None, 200
    if request.method == "POST":
        client = _client(request)
        wait = _password_wait(link, client)
        if wait:
            error = (
                f"Too many wrong passwords. Wait {throttle.describe_wait(wait)}, then try again."
            )
            status = 429
        elif link.check_password(request.POST.get("password", "")):
            response = redirect("albums:share", token)
            _remember_unlock(response, link)
            return _private_headers(response)
        else:
            PasswordAttempt.objects.create(link=link, client=client, at=throttle.now())
            PasswordAttempt.objects.filter(at__lt=throttle.now() - timedelta(days=1)).delete()
            error, status = "That is not the password. Check with whoever sent you the link.", 403
    response = render(
        request, "albums/share_password.html", {"error": error, "link": link}, status=status
    )
    if status == 429:
        response["Retry-After"] = str(wait)
    return _private_headers(response)


def _share_photos(album: Album):
    return Photo.objects.in_album(album).with_restoration().order_by("position", "pk")


def _owner_name(album: Album) -> str:
    """The owner's display name if they chose one; never the username or e-mail."""
    return album.owner.first_name


# Exempt from CSRF checks: the page is sent with Referrer-Policy: no-referrer, so
# browsers post its password form with "Origin: null" and no Referer, which
# Django's check refuses. Nothing here acts for a logged-in person; the password
# only unlocks the link for this browser, in a cookie of its own (the site's session
# is left alone), and guessing is throttled.
@csrf_exempt
@shared_link(page=True)
def share_page(request: HttpRequest, link: ShareLink, token: str) -> HttpResponse:
    album = link.album
    if request.method == "POST":  # a password sent again after success
        return redirect("albums:share", token)
    page = Paginator(_share_photos(album), settings.PHOTOS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    if request.GET.get("page") in (None, "1"):
        link.record_view()
    context = {
        "album": album,
        "link": link,
        "token": token,
        "page": page,
        "owner_name": _owner_name(album),
        "zip_url": reverse("albums:share_zip", args=[token]) if link.allow_download else None,
    }
    return render(request, "albums/share_album.html", context)


def _shown(photo: Photo) -> Version | None:
    if not getattr(photo, "shown_code", None):
        return None
    return photo.versions.select_related("restoration").filter(code=photo.shown_code).first()


@shared_link()
@require_GET
def share_photo(request: HttpRequest, link: ShareLink, token: str, photo_code: str):
    album = link.album
    photo = get_object_or_404(_share_photos(album), code=photo_code)
    previous, following = photo.previous_in_album(), photo.next_in_album()
    context = {
        "album": album,
        "link": link,
        "token": token,
        "photo": photo,
        "shown": _shown(photo),
        "number": photo.number,
        "total": Photo.objects.in_album(album).count(),
        "previous": previous.code if previous else None,
        "next": following.code if following else None,
        "owner_name": _owner_name(album),
    }
    return render(request, "albums/share_photo.html", context)


@shared_link()
@require_GET
def share_file(request: HttpRequest, link: ShareLink, token: str, photo_code: str, kind: str):
    photo = get_object_or_404(_share_photos(link.album), code=photo_code)
    shown = _shown(photo)
    if kind == "thumb":
        field = shown.restoration.result_thumbnail if shown else photo.thumbnail
        return serve_file(field, "image/jpeg", max_age=300)
    if kind == "display":
        field = shown.restoration.result_display if shown else photo.display
        return serve_file(field, "image/jpeg", max_age=300)
    if kind == "before":  # the original's display size, for the comparison
        return serve_file(photo.display, "image/jpeg", max_age=300)
    if kind == "download" and link.allow_download:
        return downloads.clean_download(photo, shown, link.album)
    raise Http404("No such file.")


@shared_link()
@require_GET
def share_zip(request: HttpRequest, link: ShareLink, token: str) -> HttpResponse:
    if not link.allow_download:
        raise Http404("Downloads are not allowed through this link.")
    return downloads.zip_response(link.album, downloads.shown_entries(link.album))
