from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from albums.forms import AlbumForm, CaptionForm
from albums.models import Album, DuplicatePhoto, Photo, human_size
from restorer import imaging
from restorer.files import serve_file


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _get_album_for_user(request: HttpRequest, code: str) -> Album:
    """The album if this person may see it; 404 otherwise, whether or not it exists."""
    return get_object_or_404(Album.objects.visible_to(request.user), code=code)


def _get_album_for_owner(request: HttpRequest, code: str) -> Album:
    return get_object_or_404(Album.objects.owned_by(request.user), code=code)


def _get_photo(album: Album, photo_code: str) -> Photo:
    return get_object_or_404(Photo.objects.in_album(album), code=photo_code)


def index(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "albums/landing.html")
    albums = Album.objects.owned_by(request.user).with_summary()
    return render(request, "albums/index.html", {"albums": albums})


@login_required
def album_new(request: HttpRequest) -> HttpResponse:
    form = AlbumForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        album = Album.objects.create(
            owner=request.user,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
        )
        return redirect(album)
    return render(request, "albums/album_form.html", {"form": form, "album": None})


@require_GET
def album_detail(request: HttpRequest, code: str) -> HttpResponse:
    album = _get_album_for_user(request, code)
    photos = Photo.objects.in_album(album).order_by("position", "pk")
    page = Paginator(photos, settings.PHOTOS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "album": album,
        "page": page,
        "is_owner": album.owner_id == request.user.id,
        "accept": imaging.ACCEPT_ATTRIBUTE,
        "max_upload_size": settings.MAX_UPLOAD_SIZE,
        "max_upload_label": human_size(settings.MAX_UPLOAD_SIZE),
        "accepted_label": imaging.ACCEPTED_LABEL,
    }
    return render(request, "albums/detail.html", context)


def album_edit(request: HttpRequest, code: str) -> HttpResponse:
    album = _get_album_for_owner(request, code)
    initial = {"title": album.title, "description": album.description}
    form = AlbumForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        album.title = form.cleaned_data["title"]
        album.description = form.cleaned_data["description"]
        album.save(update_fields=["title", "description", "updated_at"])
        messages.success(request, "The album was saved.")
        return redirect(album)
    return render(request, "albums/album_form.html", {"form": form, "album": album})


def album_delete(request: HttpRequest, code: str) -> HttpResponse:
    album = _get_album_for_owner(request, code)
    if request.method == "POST":
        title = album.title
        album.delete()
        messages.success(request, f"The album “{title}” and its photos were deleted.")
        return redirect("albums:index")
    return render(
        request,
        "albums/album_confirm_delete.html",
        {"album": album, "photo_count": album.photos.count()},
    )


@require_POST
def album_upload(request: HttpRequest, code: str) -> HttpResponse:
    album = _get_album_for_owner(request, code)
    uploads = request.FILES.getlist("photos")
    results = []
    for upload in uploads:
        name = upload.name or "file"
        try:
            photo = album.add_photo(upload)
        except imaging.ImageRejected as exc:
            results.append({"name": name, "error": f"{name} {exc.reason}"})
        except DuplicatePhoto as exc:
            results.append(
                {
                    "name": name,
                    "error": f"{name} is already in this album.",
                    "duplicate_of": exc.existing.code,
                }
            )
        else:
            results.append({"name": name, "code": photo.code, **_photo_status(album, photo)})

    if _wants_json(request):
        if not uploads:
            return JsonResponse(
                {"photos": [], "error": "No files were sent. Choose photos to upload."}, status=400
            )
        return JsonResponse({"photos": results})

    if not uploads:
        messages.error(request, "No files were sent. Choose photos to upload.")
    stored = sum(1 for result in results if "code" in result)
    if stored:
        messages.success(request, f"{stored} photo{'s' if stored != 1 else ''} uploaded.")
    for result in results:
        if "error" in result:
            messages.error(request, result["error"])
    return redirect(album)


class _Links:
    """Builds the file and page URLs of many photos of one album cheaply.

    Reversing a URL per photo and per kind is most of the status endpoint's time
    for a large album; the pattern is reversed once and filled in per photo.
    """

    MARK = "PHOTOCODE"

    def __init__(self, album: Album):
        self.file = {
            kind: reverse("albums:photo_file", args=[album.code, self.MARK, kind])
            for kind in ("thumb", "display", "original")
        }
        self.page = reverse("albums:photo", args=[album.code, self.MARK])

    def file_url(self, photo_code: str, kind: str) -> str:
        return self.file[kind].replace(self.MARK, photo_code)

    def page_url(self, photo_code: str) -> str:
        return self.page.replace(self.MARK, photo_code)


_STATUS_FIELDS = (
    "code",
    "preparation",
    "error",
    "thumbnail",
    "thumbnail_width",
    "thumbnail_height",
    "caption",
    "original_name",
)


def _status_entry(row: dict, links: _Links) -> dict:
    ready = row["preparation"] == Photo.Preparation.READY
    failed = row["preparation"] == Photo.Preparation.FAILED
    return {
        "code": row["code"],
        "state": {"ready": "stored", "failed": "failed"}.get(row["preparation"], "preparing"),
        "progress": 100 if ready or failed else 0,
        "thumbnail_url": links.file_url(row["code"], "thumb") if row["thumbnail"] else None,
        "thumbnail_width": row["thumbnail_width"],
        "thumbnail_height": row["thumbnail_height"],
        "original_url": links.file_url(row["code"], "original"),
        "result_url": None,
        "error": row["error"] or None,
        "url": links.page_url(row["code"]),
        "title": row["caption"] or row["original_name"],
    }


def _photo_status(album: Album, photo: Photo) -> dict:
    row = {field: getattr(photo, field) for field in _STATUS_FIELDS}
    row["thumbnail"] = photo.thumbnail.name
    return _status_entry(row, _Links(album))


@require_GET
def album_status(request: HttpRequest, code: str) -> JsonResponse:
    """Every photo's state, for the album page's live view.

    `?page=N` limits the answer to one page of the album grid.
    """
    album = _get_album_for_user(request, code)
    rows = Photo.objects.in_album(album).order_by("position", "pk").values(*_STATUS_FIELDS)
    if "page" in request.GET:
        rows = Paginator(rows, settings.PHOTOS_PER_PAGE).get_page(request.GET["page"])
    links = _Links(album)
    response = JsonResponse({"photos": [_status_entry(row, links) for row in rows]})
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def photo_detail(request: HttpRequest, code: str, photo_code: str) -> HttpResponse:
    album = _get_album_for_user(request, code)
    photo = _get_photo(album, photo_code)
    siblings = Photo.objects.in_album(album)
    before = Q(position__lt=photo.position) | Q(position=photo.position, pk__lt=photo.pk)
    after = Q(position__gt=photo.position) | Q(position=photo.position, pk__gt=photo.pk)
    previous = siblings.filter(before).order_by("-position", "-pk").only("code").first()
    following = siblings.filter(after).order_by("position", "pk").only("code").first()
    context = {
        "album": album,
        "photo": photo,
        "previous": previous,
        "next": following,
        "number": siblings.filter(before).count() + 1,
        "total": siblings.count(),
        "caption_form": CaptionForm(initial={"caption": photo.caption}),
        "is_owner": album.owner_id == request.user.id,
        "is_cover": album.cover_id == photo.pk,
    }
    return render(request, "albums/photo.html", context)


@require_POST
def photo_caption(request: HttpRequest, code: str, photo_code: str) -> HttpResponse:
    album = _get_album_for_owner(request, code)
    photo = _get_photo(album, photo_code)
    form = CaptionForm(request.POST)
    if form.is_valid():
        photo.caption = form.cleaned_data["caption"]
        photo.save(update_fields=["caption"])
        if _wants_json(request):
            return JsonResponse({"caption": photo.caption})
        messages.success(request, "The caption was saved.")
    else:
        error = form.errors["caption"][0]
        if _wants_json(request):
            return JsonResponse({"error": error}, status=400)
        messages.error(request, error)
    return redirect(photo)


@require_POST
def photo_cover(request: HttpRequest, code: str, photo_code: str) -> HttpResponse:
    album = _get_album_for_owner(request, code)
    photo = _get_photo(album, photo_code)
    album.cover = photo
    album.save(update_fields=["cover", "updated_at"])
    messages.success(request, "This photo is now the album's cover.")
    return redirect(photo)


def photo_delete(request: HttpRequest, code: str, photo_code: str) -> HttpResponse:
    album = _get_album_for_owner(request, code)
    photo = _get_photo(album, photo_code)
    if request.method == "POST":
        photo.delete()
        messages.success(request, "The photo was deleted.")
        return redirect(album)
    return render(request, "albums/photo_confirm_delete.html", {"album": album, "photo": photo})


@require_GET
def photo_file(request: HttpRequest, code: str, photo_code: str, kind: str) -> HttpResponse:
    album = _get_album_for_user(request, code)
    photo = _get_photo(album, photo_code)
    if kind == "thumb":
        return serve_file(photo.thumbnail, "image/jpeg", max_age=86400)
    if kind == "display":
        return serve_file(photo.display, "image/jpeg", max_age=86400)
    if kind == "original":
        return serve_file(photo.original, photo.mime_type, download_name=photo.original_name)
    raise Http404("No such file.")
