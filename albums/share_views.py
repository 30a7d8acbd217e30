"""Sharing: links for anyone, albums shared with registered people, and downloads.

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
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from albums import downloads, invitation_views, shared_copies
from albums.forms import MemberForm, ShareLinkForm
from albums.models import Album, AlbumMember, PasswordAttempt, Photo, ShareLink, Version
from restorer import imaging, throttle
from restorer.files import serve_file


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _private_headers(response: HttpResponse) -> HttpResponse:
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# --- the owner's side ----------------------------------------------------------------------


def _owned_album(request: HttpRequest, code: str) -> Album:
    return get_object_or_404(Album.objects.owned_by(request.user), code=code)


def _link_url(request: HttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("albums:share", args=[token]))


@require_GET
def album_share(request: HttpRequest, code: str) -> HttpResponse:
    """The album's sharing page: links and people."""
    album = _owned_album(request, code)
    context = {
        "album": album,
        "links": album.share_links.all(),
        "members": album.members.select_related("user").order_by("added_at"),
        "invitations": album.invitations.pending(),
        "link_form": ShareLinkForm(),
        "member_form": MemberForm(album=album),
        "new_link_url": request.session.pop("new_share_link", None),
    }
    return render(request, "albums/share.html", context)


@require_POST
def link_create(request: HttpRequest, code: str) -> HttpResponse:
    album = _owned_album(request, code)
    form = ShareLinkForm(request.POST)
    if not form.is_valid():
        if _wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        context = {
            "album": album,
            "links": album.share_links.all(),
            "members": album.members.select_related("user"),
            "link_form": form,
            "member_form": MemberForm(album=album),
        }
        return render(request, "albums/share.html", context, status=400)
    link, token = ShareLink.create(
        album,
        label=form.cleaned_data["label"],
        expires_in_days=form.cleaned_data["expires_in_days"],
        password=form.cleaned_data["password"],
        allow_download=form.cleaned_data["allow_download"],
    )
    url = _link_url(request, token)
    revoke_url = request.build_absolute_uri(
        reverse("albums:link_revoke", args=[album.code, link.code])
    )
    if _wants_json(request):
        return JsonResponse({"url": url, "revoke_url": revoke_url}, status=201)
    # Shown once, on the next page: only a hash of the token is kept.
    request.session["new_share_link"] = url
    return redirect("albums:album_share", album.code)


@require_POST
def link_revoke(request: HttpRequest, code: str, link_code: str) -> HttpResponse:
    album = _owned_album(request, code)
    link = get_object_or_404(album.share_links, code=link_code)
    link.revoke()
    if _wants_json(request):
        return JsonResponse({"revoked": True})
    messages.success(request, f"“{link}” no longer works.")
    return redirect(_same_site(request, request.POST.get("next", ""), album))


def _same_site(request: HttpRequest, target: str, album: Album) -> str:
    """`target` if it is a page of this site, else the album's sharing page."""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("albums:album_share", args=[album.code])


@require_POST
def member_add(request: HttpRequest, code: str) -> HttpResponse:
    album = _owned_album(request, code)
    form = MemberForm(request.POST, album=album)
    if form.is_valid():
        messages.success(request, invitation_views.invite(album, form.cleaned_data["who"]))
    else:
        messages.error(request, form.errors["who"][0])
    return redirect("albums:album_share", album.code)


@require_POST
def member_remove(request: HttpRequest, code: str, member_id: int) -> HttpResponse:
    album = _owned_album(request, code)
    member = get_object_or_404(album.members.select_related("user"), pk=member_id)
    member.delete()
    messages.success(request, f"{member.user.username} no longer sees this album.")
    return redirect("albums:album_share", album.code)


@login_required
@require_GET
def shared_overview(request: HttpRequest) -> HttpResponse:
    """Every link of every album, with what became of it."""
    links = ShareLink.objects.filter(album__owner=request.user).select_related("album")
    members = AlbumMember.objects.filter(album__owner=request.user).select_related("album", "user")
    return render(request, "albums/shared.html", {"links": links, "members": members})


# --- the visitor's side --------------------------------------------------------------------


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
    photos = list(_share_photos(album).values_list("code", flat=True))
    index = photos.index(photo.code)
    context = {
        "album": album,
        "link": link,
        "token": token,
        "photo": photo,
        "shown": _shown(photo),
        "number": index + 1,
        "total": len(photos),
        "previous": photos[index - 1] if index > 0 else None,
        "next": photos[index + 1] if index + 1 < len(photos) else None,
        "owner_name": _owner_name(album),
    }
    return render(request, "albums/share_photo.html", context)


def photo_number(photo: Photo) -> int:
    from django.db.models import Q

    before = Q(position__lt=photo.position) | Q(position=photo.position, pk__lt=photo.pk)
    return Photo.objects.in_album(photo.album).filter(before).count() + 1


def clean_download(photo: Photo, version: Version | None, album: Album) -> HttpResponse:
    """The photo as shown (restored where done), with no private metadata, as a download."""
    number = photo_number(photo)
    if version is None:
        return _shared_original(photo, album, number)
    try:
        with version.restoration.result.open("rb") as handle:
            clean = imaging.without_metadata(handle.read())
    except imaging.ImageRejected:
        return _plain(_UNREADABLE, 404)
    suffix = " (restored)"
    # The uploader's file name stays with the owner: others see the caption only.
    name = downloads.photo_file_name(album.title, number, photo.caption, clean.extension, suffix)
    response = HttpResponse(clean.content, content_type=clean.mime_type)
    response["Content-Disposition"] = _attachment(name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


_UNREADABLE = (
    "This photo's file is damaged and cannot be read, so it cannot be downloaded. "
    "The album's other photos can."
)


def _shared_original(photo: Photo, album: Album, number: int) -> HttpResponse:
    """An unrestored photo for somebody other than its owner: the stored clean copy."""
    try:
        shared_copies.shared_copy(photo)
    except imaging.ImageRejected:
        return _plain(_UNREADABLE, 404)
    except shared_copies.CopyInProgress:
        response = _plain("This photo is being prepared for download. Try again in a moment.", 503)
        response["Retry-After"] = "10"
        return response
    name = downloads.photo_file_name(album.title, number, photo.caption, "jpg")
    return serve_file(photo.shared_copy, "image/jpeg", download_name=name, max_age=300)


def _plain(message: str, status: int) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


def _attachment(name: str) -> str:
    from django.utils.http import content_disposition_header

    return content_disposition_header(True, name)


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
        return clean_download(photo, shown, link.album)
    raise Http404("No such file.")


def _shown_entries(album: Album):
    """ZIP entries of an album as shown: restored where done, without private metadata,
    named by caption only (the uploader's file names stay with the owner)."""
    photos = _share_photos(album).select_related(None).iterator(chunk_size=200)
    versions = Version.objects.select_related("restoration")
    for number, photo in enumerate(photos, start=1):
        caption = photo.caption
        shown = versions.filter(code=photo.shown_code).first() if photo.shown_code else None
        if shown is not None:
            name = shown.restoration.result.name
            extension = name.rsplit(".", 1)[-1]
            if extension not in ("jpg", "png"):
                extension = "jpg"
            yield downloads.Entry(
                downloads.photo_file_name(album.title, number, caption, extension, " (restored)"),
                downloads.clean_chunks(name),
                shown.restoration.finished_at,
            )
        else:
            yield downloads.Entry(
                downloads.photo_file_name(album.title, number, caption, "jpg"),
                _clean_original(photo),
                photo.uploaded_at,
            )


def _clean_original(photo: Photo):
    def read():
        try:
            name = shared_copies.shared_copy(photo)
        except shared_copies.CopyInProgress:
            raise downloads.LeftOut(
                "is being prepared; download the album again in a moment."
            ) from None
        yield from downloads.stored_chunks(name)()

    return read


def _owner_entries(album: Album, include: str):
    photos = _share_photos(album).iterator(chunk_size=200)
    versions = Version.objects.select_related("restoration")
    for number, photo in enumerate(photos, start=1):
        caption = photo.caption or downloads.stem_of(photo.original_name)
        if include in ("originals", "both"):
            extension = photo.original.name.rsplit(".", 1)[-1]
            folder = "Originals/" if include == "both" else ""
            yield downloads.Entry(
                folder + downloads.photo_file_name(album.title, number, caption, extension),
                downloads.stored_chunks(photo.original.name),
                photo.uploaded_at,
            )
        if include in ("restored", "both") and photo.shown_code:
            shown = versions.filter(code=photo.shown_code).first()
            if shown is None:
                continue
            restoration = shown.restoration
            extension = restoration.result.name.rsplit(".", 1)[-1]
            folder = "Restored/" if include == "both" else ""
            yield downloads.Entry(
                folder
                + downloads.photo_file_name(album.title, number, caption, extension, " (restored)"),
                downloads.stored_chunks(restoration.result.name),
                restoration.finished_at,
            )


def _zip_response(album: Album, entries, label: str = "") -> StreamingHttpResponse:
    name = (downloads.safe_name(album.title) or "Album") + label + ".zip"
    response = StreamingHttpResponse(downloads.zip_stream(entries), content_type="application/zip")
    response["Content-Disposition"] = _attachment(name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@shared_link()
@require_GET
def share_zip(request: HttpRequest, link: ShareLink, token: str) -> HttpResponse:
    if not link.allow_download:
        raise Http404("Downloads are not allowed through this link.")
    return _zip_response(link.album, _shown_entries(link.album))


@require_GET
def album_zip(request: HttpRequest, code: str) -> HttpResponse:
    """The owner's ZIP (originals, restorations or both), or a member's (as shown)."""
    album = get_object_or_404(Album.objects.visible_to(request.user), code=code)
    if album.owner_id != request.user.id:
        return _zip_response(album, _shown_entries(album))
    include = request.GET.get("include", "both")
    if include not in ("originals", "restored", "both"):
        raise Http404("Choose originals, restored or both.")
    labels = {"originals": " (originals)", "restored": " (restored)", "both": ""}
    return _zip_response(album, _owner_entries(album, include), labels[include])
