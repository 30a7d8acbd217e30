from __future__ import annotations

import io

import numpy as np
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from PIL import Image

from albums import downloads, organize_views
from albums.forms import (
    AlbumEditForm,
    AlbumForm,
    CaptionForm,
    DetailsForm,
    DownloadAllForm,
    EditForm,
    RestoreForm,
)
from albums.models import (
    Album,
    DuplicatePhoto,
    Person,
    Photo,
    Version,
    caption_line,
    human_size,
    photo_status,
)
from albums.permissions import may_change_album, may_edit_photo_details
from restorer import imaging, repairs
from restorer.files import serve_file
from restorer.models import ProviderHold, QuotaExceeded, Restoration
from restorer.regions import FrameError


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


# Who may do what (see albums.models.Role): anyone the album is shared with sees it;
# contributors also add photos and edit any photo's caption and details; what a photo
# itself undergoes (deleting, editing its picture, its versions) is for the owner and
# for the contributor who uploaded it (Photo.managed_by); the album's settings and
# sharing are the owner's alone. Whoever may not do something gets a 404, as for an
# album they cannot see.


def _get_album_for_user(request: HttpRequest, code: str) -> Album:
    """The album if this person may see it; 404 otherwise, whether or not it exists."""
    albums = Album.objects.visible_to(request.user).with_role_of(request.user)
    return get_object_or_404(albums, code=code)


def _get_album_to_change(request: HttpRequest, code: str) -> Album:
    """The album if this person may change it (albums.permissions); 404 otherwise."""
    album = _get_album_for_user(request, code)
    if not may_change_album(request.user, album):
        raise Http404("No such album.")
    return album


def _get_album_for_owner(request: HttpRequest, code: str) -> Album:
    return get_object_or_404(Album.objects.owned_by(request.user), code=code)


def get_album_for_contributor(request: HttpRequest, code: str) -> Album:
    """The album if this person may add photos and edit captions and details; 404
    otherwise (a viewer too)."""
    album = _get_album_for_user(request, code)
    if not album.is_contributable_by(request.user):
        raise Http404("No such album.")
    return album


def _get_photo(album: Album, photo_code: str) -> Photo:
    photo = get_object_or_404(Photo.objects.in_album(album), code=photo_code)
    photo.album = album  # with the person's role, fetched once
    return photo


def get_photo_for_contributor(request: HttpRequest, code: str, photo_code: str) -> Photo:
    """The photo if this person may edit its caption and details (the album's owner or
    any contributor, whoever uploaded it); 404 otherwise."""
    return _get_photo(get_album_for_contributor(request, code), photo_code)


def get_managed_photo(request: HttpRequest, code: str, photo_code: str) -> Photo:
    """The photo if this person may delete it, edit its picture and handle its versions
    (its album's owner, or the contributor who uploaded it); 404 otherwise."""
    photo = _get_photo(_get_album_for_user(request, code), photo_code)
    if not photo.managed_by(request.user):
        raise Http404("No such photo.")
    return photo


def index(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "albums/landing.html")
    albums = Album.objects.owned_by(request.user).with_summary()
    shared = Album.objects.shared_with(request.user).with_summary().select_related("owner")
    return render(request, "albums/index.html", {"albums": albums, "shared": shared})


@login_required
def album_new(request: HttpRequest) -> HttpResponse:
    form = AlbumForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        options = form.cleaned_data["options"]
        album = Album.objects.create(
            owner=request.user,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
            **options.fields(),
        )
        return redirect(album)
    return render(request, "albums/album_form.html", {"form": form, "album": None})


@require_GET
def album_detail(request: HttpRequest, code: str) -> HttpResponse:
    album = _get_album_for_user(request, code)
    photos = Photo.objects.in_album(album).with_restoration().order_by("position", "pk")
    page = Paginator(photos, settings.PHOTOS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    hold = ProviderHold.current()
    for photo in page.object_list:
        photo.current_status = photo.status(hold)
    context = {
        "album": album,
        "page": page,
        "is_owner": album.owner_id == request.user.id,
        "may_change": may_change_album(request.user, album),
        "can_contribute": album.is_contributable_by(request.user),
        "accept": imaging.ACCEPT_ATTRIBUTE,
        "max_upload_size": settings.MAX_UPLOAD_SIZE,
        "max_upload_label": human_size(settings.MAX_UPLOAD_SIZE),
        "accepted_label": imaging.ACCEPTED_LABEL,
        "download_form": DownloadAllForm(),
    }
    return render(request, "albums/detail.html", context)


def album_edit(request: HttpRequest, code: str) -> HttpResponse:
    album = _get_album_to_change(request, code)
    initial = {"title": album.title, "description": album.description}
    initial.update(AlbumForm.initial_for(album.default_options))
    form = AlbumEditForm(request.POST or None, initial=initial, photo_count=album.photos.count())
    if request.method == "POST" and form.is_valid():
        options = form.cleaned_data["options"]
        album.title = form.cleaned_data["title"]
        album.description = form.cleaned_data["description"]
        option_fields = options.fields()
        for name, value in option_fields.items():
            setattr(album, name, value)
        # the options' own names: a new option is saved without being listed here as well
        album.save(update_fields=["title", "description", *option_fields, "updated_at"])
        messages.success(request, "The album was saved.")
        if form.cleaned_data.get("apply_to_photos"):
            return organize_views.confirm_restoring_all(request, album)
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
    album = get_album_for_contributor(request, code)
    uploads = request.FILES.getlist("photos")
    split = request.POST.get("split") in ("1", "on", "true")
    results = []
    for upload in uploads:
        name = upload.name or "file"
        if split:
            results.extend(_split_upload(album, upload, name, request.user))
            continue
        try:
            photo = album.add_photo(upload, uploaded_by=request.user)
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
            entry = {"name": name, "code": photo.code, **_photo_status(album, photo)}
            if photo.restore_refusal:
                entry["notice"] = photo.restore_refusal
            results.append(entry)

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
    for notice in {result["notice"] for result in results if "notice" in result}:
        messages.warning(request, notice)
    return redirect(album)


def _split_upload(album: Album, upload, name: str, uploader) -> list[dict]:
    """One scan of several prints: an entry per photo made, or one for the error."""
    try:
        scan = album.add_scan(upload, uploaded_by=uploader)
    except imaging.ImageRejected as exc:
        return [{"name": name, "error": f"{name} {exc.reason}"}]
    except DuplicatePhoto as exc:
        return [
            {
                "name": name,
                "error": f"The photos of {name} are already in this album.",
                "duplicate_of": exc.existing.code,
            }
        ]
    entries = []
    for photo in scan.photos:
        entry = {
            "name": photo.original_name,
            "code": photo.code,
            "source": name,
            **_photo_status(album, photo),
        }
        if photo.restore_refusal:
            entry["notice"] = photo.restore_refusal
        if scan.message:
            entry["notice"] = scan.message
        entries.append(entry)
    return entries


class _Links:
    """Builds the file and page URLs of many photos of one album cheaply.

    Reversing a URL per photo and per kind is most of the status endpoint's time
    for a large album; each pattern is reversed once and filled in per photo.
    """

    PHOTO = "PHOTOCODE"
    VERSION = "VERSIONCODE"

    def __init__(self, album: Album):
        code = album.code
        self.file = {
            kind: reverse("albums:photo_file", args=[code, self.PHOTO, kind])
            for kind in ("thumb", "display", "original")
        }
        self.version_file = {
            kind: reverse("albums:version_file", args=[code, self.PHOTO, self.VERSION, kind])
            for kind in ("thumb", "display", "result")
        }
        self.page = reverse("albums:photo", args=[code, self.PHOTO])

    def file_url(self, photo_code: str, kind: str) -> str:
        return self.file[kind].replace(self.PHOTO, photo_code)

    def version_url(self, photo_code: str, version_code: str, kind: str) -> str:
        url = self.version_file[kind].replace(self.PHOTO, photo_code)
        return url.replace(self.VERSION, version_code)

    def page_url(self, photo_code: str) -> str:
        return self.page.replace(self.PHOTO, photo_code)


_STATUS_FIELDS = (
    "code",
    "preparation",
    "error",
    "thumbnail",
    "thumbnail_width",
    "thumbnail_height",
    "caption",
    "original_name",
    "restoration_state",
    "restoration_progress",
    "restoration_error",
    "restoration_provider",
    "shown_code",
)


def _status_entry(row: dict, links: _Links, hold: ProviderHold | None, with_html=False) -> dict:
    code = row["code"]
    status = photo_status(
        preparation=row["preparation"],
        error=row["error"],
        restoration_state=row["restoration_state"],
        restoration_progress=row["restoration_progress"],
        restoration_error=row["restoration_error"],
        restoration_provider=row["restoration_provider"],
        hold=hold,
    )
    shown = row["shown_code"]
    if shown:
        thumbnail_url = links.version_url(code, shown, "thumb")
        display_url = links.version_url(code, shown, "display")
        result_url = links.version_url(code, shown, "result")
    else:
        thumbnail_url = links.file_url(code, "thumb") if row["thumbnail"] else None
        display_url = links.file_url(code, "display") if row["thumbnail"] else None
        result_url = None
    entry = {
        "code": code,
        "state": status.state,
        "label": status.label,
        "tile_label": status.tile_label,
        "progress": status.progress,
        "thumbnail_url": thumbnail_url,
        "thumbnail_width": row["thumbnail_width"],
        "thumbnail_height": row["thumbnail_height"],
        "original_url": links.file_url(code, "original"),
        "result_url": result_url,
        "display_url": display_url,
        "error": status.message or None,
        "url": links.page_url(code),
        "title": caption_line(row["caption"]) or row["original_name"],
    }
    if with_html:
        entry["html"] = render_to_string("albums/_restoration_state.html", {"status": status})
    return entry


def _photo_status(album: Album, photo: Photo) -> dict:
    row = Photo.objects.with_restoration().filter(pk=photo.pk).values(*_STATUS_FIELDS).get()
    return _status_entry(row, _Links(album), ProviderHold.current())


@require_GET
def album_status(request: HttpRequest, code: str) -> JsonResponse:
    """Every photo's state, for the live views of the album and photo pages.

    `?page=N` limits the answer to one page of the album grid, `?photo=CODE` to one photo.
    """
    album = _get_album_for_user(request, code)
    photos = Photo.objects.in_album(album).with_restoration().order_by("position", "pk")
    if "photo" in request.GET:
        photos = photos.filter(code=request.GET["photo"])
    rows = photos.values(*_STATUS_FIELDS)
    if "page" in request.GET:
        rows = Paginator(rows, settings.PHOTOS_PER_PAGE).get_page(request.GET["page"])
    links = _Links(album)
    hold = ProviderHold.current()
    with_html = "photo" in request.GET  # the photo page shows the snippet as it comes
    entries = [_status_entry(row, links, hold, with_html=with_html) for row in rows]
    response = JsonResponse({"photos": entries})
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def photo_detail(request: HttpRequest, code: str, photo_code: str) -> HttpResponse:
    album = _get_album_for_user(request, code)
    return _photo_page(request, album, _get_photo(album, photo_code))


def _photo_page(
    request: HttpRequest,
    album: Album,
    photo: Photo,
    details_form: DetailsForm | None = None,
    status: int = 200,
    restore_form: RestoreForm | None = None,
) -> HttpResponse:
    may_edit_details = may_edit_photo_details(request.user, album)
    context = {
        "album": album,
        "photo": photo,
        "people": list(photo.people.all()),
        "previous": photo.previous_in_album(),
        "next": photo.next_in_album(),
        "number": photo.number,
        "total": Photo.objects.in_album(album).count(),
        "may_edit_details": may_edit_details,
        "details_form": details_form or DetailsForm(initial=DetailsForm.initial_for(photo)),
        "known_names": (
            Person.objects.filter(owner_id=album.owner_id).values_list("name", flat=True)
            if may_edit_details
            else []
        ),
        "edit_form": EditForm(),
        "is_owner": album.owner_id == request.user.id,
        "can_manage": photo.managed_by(request.user),
        "is_cover": album.cover_id == photo.pk,
        **_restoration_context(album, photo, restore_form),
    }
    if not context["can_manage"]:
        # Others see the version the album shows, and no other (the listed instance,
        # which carries its status).
        shown = context["shown"]
        versions = [v for v in context["versions"] if shown is not None and v.pk == shown.pk]
        context.update(versions=versions, latest=versions[0] if versions else None)
    return render(request, "albums/photo.html", context, status=status)


@require_POST
def photo_details(request: HttpRequest, code: str, photo_code: str) -> HttpResponse:
    """The photo's story, date, place and people; all saved, or none with a message."""
    album = _get_album_for_user(request, code)
    if not may_edit_photo_details(request.user, album):
        raise Http404("No such album.")  # as for every change others may not make
    photo = _get_photo(album, photo_code)
    form = DetailsForm(request.POST)
    if not form.is_valid():
        if _wants_json(request):
            errors = {name: list(errors) for name, errors in form.errors.items()}
            first = next(iter(form.errors.values()))[0]
            return JsonResponse({"error": first, "errors": errors}, status=400)
        return _photo_page(request, album, photo, details_form=form, status=400)
    data = form.cleaned_data
    photo.set_details(
        caption=data["caption"], date=data["date"], place=data["place"], people=data["people"]
    )
    if _wants_json(request):
        return JsonResponse(details_json(photo))
    messages.success(request, "The photo's details were saved.")
    return redirect(photo)


def details_json(photo: Photo) -> dict:
    return {
        "caption": photo.caption,
        "date": photo.date_text,
        "date_from": photo.date_from.isoformat() if photo.date_from else None,
        "date_to": photo.date_to.isoformat() if photo.date_to else None,
        "date_precision": photo.date_precision,
        "place": photo.place,
        "people": [person.name for person in photo.people.all()],
    }


def _restoration_context(album: Album, photo: Photo, form: RestoreForm | None = None) -> dict:
    versions = list(photo.versions.select_related("restoration").order_by("-created_at", "-pk"))
    shown = photo.shown_version()
    latest = next((v for v in versions if v.pk == photo.latest_version_id), None)
    hold = ProviderHold.current()
    for version in versions:
        version.current_status = version.status(hold)
    return {
        "versions": versions,
        "shown": shown,
        "latest": latest,
        "hold": hold,
        "restore_form": form
        or RestoreForm(
            initial=RestoreForm.initial_for(
                latest.restoration.options if latest else album.default_options
            )
        ),
        "status_url": reverse("albums:status", args=[album.code]) + f"?photo={photo.code}",
    }


def _get_version(photo: Photo, version_code: str) -> Version:
    return get_object_or_404(
        Version.objects.select_related("restoration"), photo=photo, code=version_code
    )


def _managed_version(request: HttpRequest, code: str, photo_code: str, version_code: str):
    """(photo, version) for whoever manages the photo (Photo.managed_by); 404 for others."""
    photo = get_managed_photo(request, code, photo_code)
    return photo, _get_version(photo, version_code)


@require_POST
def photo_restore(request: HttpRequest, code: str, photo_code: str) -> HttpResponse:
    """Restore again, with other options: a new version (PicWish: a new paid task)."""
    photo = get_managed_photo(request, code, photo_code)
    form = RestoreForm(request.POST)
    if not form.is_valid():
        # the page again, with the form open and the field's own error beside it
        messages.error(request, "Choose how to restore the photo.")
        return _photo_page(request, photo.album, photo, status=400, restore_form=form)
    try:
        version = photo.restore(form.cleaned_data["options"])
    except QuotaExceeded as exc:
        messages.error(request, exc.message)
        return redirect(photo)
    if version.restoration.reused_from_id:
        messages.success(request, "This photo was restored with these options before: reused.")
    else:
        messages.success(request, "Restoration started. This page updates as it goes.")
    return redirect(photo)


@require_POST
def version_show(request: HttpRequest, code: str, photo_code: str, version_code: str):
    photo, version = _managed_version(request, code, photo_code, version_code)
    if version.restoration.state != Restoration.State.DONE:
        messages.error(request, "Only a finished restoration can be shown.")
    else:
        photo.chosen_version = version
        photo.save(update_fields=["chosen_version"])
        messages.success(request, "The album now shows this version.")
    return redirect(photo)


def version_delete(request: HttpRequest, code: str, photo_code: str, version_code: str):
    """Asks first (GET shows what goes), deletes on POST."""
    photo, version = _managed_version(request, code, photo_code, version_code)
    restoration = version.restoration
    if request.method != "POST":
        context = {
            "album": photo.album,
            "photo": photo,
            "version": version,
            "number": downloads.version_number(version),
            "is_shown": version == photo.shown_version(),
        }
        return render(request, "albums/version_confirm_delete.html", context)
    if restoration.state == Restoration.State.QUEUED and restoration.cancel():
        messages.success(request, "The restoration was cancelled before it started.")
    elif not restoration.is_final:
        messages.error(
            request,
            "This restoration is under way: it can be deleted once it has finished.",
        )
    else:
        photo.delete_version(version)
        messages.success(request, "The version was deleted.")
    return redirect(photo)


@require_POST
def version_cancel(request: HttpRequest, code: str, photo_code: str, version_code: str):
    photo, version = _managed_version(request, code, photo_code, version_code)
    if version.restoration.cancel():
        messages.success(request, "The restoration was cancelled.")
    else:
        messages.error(request, "It has already started and can no longer be cancelled.")
    return redirect(photo)


@require_POST
def version_retry(request: HttpRequest, code: str, photo_code: str, version_code: str):
    photo, version = _managed_version(request, code, photo_code, version_code)
    try:
        retried = version.restoration.retry()
    except QuotaExceeded as exc:
        messages.error(request, exc.message)
        return redirect(photo)
    if retried:
        photo.show_progress_of(version)
        messages.success(request, "Trying again.")
    else:
        messages.error(request, "Only a failed or cancelled restoration can be tried again.")
    return redirect(photo)


@require_GET
def version_file(
    request: HttpRequest, code: str, photo_code: str, version_code: str, kind: str
) -> HttpResponse:
    album = _get_album_for_user(request, code)
    photo = _get_photo(album, photo_code)
    version = _get_version(photo, version_code)
    manages = photo.managed_by(request.user)
    if not manages and version != photo.shown_version():
        raise Http404("No such file.")  # others get the shown version only
    restoration = version.restoration
    if kind == "thumb":
        return serve_file(restoration.result_thumbnail, "image/jpeg", max_age=86400)
    if kind == "display":
        return serve_file(restoration.result_display, "image/jpeg", max_age=86400)
    if kind == "result" and restoration.result:
        if not manages:
            # Others get the picture without private metadata.
            return downloads.clean_download(photo, version, album)
        extension = restoration.result.name.rsplit(".", 1)[-1]
        name = downloads.version_file_name(photo, version, extension)
        return serve_file(
            restoration.result, imaging.mime_for_extension(extension), download_name=name
        )
    raise Http404("No such file.")


def _edit_answer(request: HttpRequest, photo: Photo, *, error: str = "", version=None):
    if _wants_json(request):
        if error:
            return JsonResponse({"error": error}, status=400)
        return JsonResponse({"version": version.code, "state": version.restoration.state})
    if error:
        messages.error(request, error)
    return redirect(photo)


@require_POST
def photo_edit(request: HttpRequest, code: str, photo_code: str) -> HttpResponse:
    """Turn, straighten and crop: the photo's frame changes, never its original, and
    the edited picture is restored with the latest options as a new version."""
    photo = get_managed_photo(request, code, photo_code)
    form = EditForm(request.POST)
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        return _edit_answer(request, photo, error=error)
    data = form.cleaned_data
    try:
        version = photo.edit(
            rotate=data["rotate"], straighten=data["straighten"], crop=data["crop"]
        )
    except FrameError as exc:
        return _edit_answer(request, photo, error=str(exc))
    except QuotaExceeded as exc:
        return _edit_answer(request, photo, error=exc.message)
    except (imaging.ImageRejected, FileNotFoundError):
        return _edit_answer(
            request, photo, error="The original of this photo can no longer be read."
        )
    if not _wants_json(request):
        messages.success(request, "Edited. The edited photo is being restored as a new version.")
    return _edit_answer(request, photo, version=version)


MASK_MAX_BYTES = 20 * 1024 * 1024


@require_POST
def photo_repair(request: HttpRequest, code: str, photo_code: str) -> HttpResponse:
    """Fill the painted mask of the shown (or a given) finished version: a new version,
    made by the embedded engine, never sent to PicWish and never charged."""
    photo = get_managed_photo(request, code, photo_code)
    if request.POST.get("version"):
        version = _get_version(photo, request.POST["version"])
    else:
        version = photo.shown_version()
    if version is None or version.restoration.state != Restoration.State.DONE:
        return _edit_answer(
            request, photo, error="Only a finished version can be repaired: wait for it."
        )
    upload = request.FILES.get("mask")
    if upload is None or upload.size == 0:
        return _edit_answer(
            request, photo, error="No mask was sent. Paint over what to repair, then Repair."
        )
    if upload.size > MASK_MAX_BYTES:
        return _edit_answer(request, photo, error="The mask is too large a file.")
    try:
        painted = imaging.load(upload, max_pixels=settings.MAX_IMAGE_PIXELS)
    except imaging.ImageRejected:
        return _edit_answer(
            request, photo, error="The mask is not an image. Send a PNG, white where to repair."
        )
    mask = repairs.mask_for(np.asarray(painted.convert("L")), painted.width, painted.height)
    if not mask.any():
        return _edit_answer(
            request, photo, error="The mask is empty: paint over what to repair first."
        )
    buffer = io.BytesIO()
    Image.fromarray(mask).convert("1").save(buffer, "PNG", optimize=True)
    repaired = photo.repair(version, buffer.getvalue())
    if not _wants_json(request):
        messages.success(request, "Repairing what you painted: it shows as a new version.")
    return _edit_answer(request, photo, version=repaired)


@require_GET
def photo_damage(request: HttpRequest, code: str, photo_code: str) -> HttpResponse:
    """What the engine takes for damage on the shown version (or `?version=`), white on
    black, at the version's display size (in its proportions)."""
    photo = get_managed_photo(request, code, photo_code)
    if request.GET.get("version"):
        version = _get_version(photo, request.GET["version"])
    else:
        version = photo.shown_version()
    if version is not None and version.restoration.state == Restoration.State.DONE:
        picture_file, key = version.restoration.result_display, f"v:{version.code}"
    else:
        picture_file, key = photo.display, f"p:{photo.code}:{photo.display.name}"
    if not picture_file:
        raise Http404("No picture to look at yet.")
    detector = settings.RESTORER_DAMAGE_DETECTOR
    cache_key = f"albums:damage:{detector}:{key}"
    data = cache.get(cache_key)
    if data is None:
        with default_storage.open(picture_file.name, "rb") as handle:
            picture = imaging.load(handle, max_pixels=settings.MAX_IMAGE_PIXELS)
        mask = repairs.damage_mask(np.asarray(picture.convert("RGB")), detector)
        buffer = io.BytesIO()
        Image.fromarray(mask).convert("1").save(buffer, "PNG", optimize=True)
        data = buffer.getvalue()
        cache.set(cache_key, data, 24 * 3600)
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_POST
def photo_caption(request: HttpRequest, code: str, photo_code: str) -> HttpResponse:
    photo = get_photo_for_contributor(request, code, photo_code)
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
    photo = get_managed_photo(request, code, photo_code)
    album = photo.album
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
    if kind == "original" and photo.managed_by(request.user):
        # Originals go to the owner and to who uploaded them only: exactly as
        # uploaded, metadata and all.
        name = downloads.version_file_name(photo, None, photo.original.name.rsplit(".", 1)[-1])
        return serve_file(photo.original, photo.mime_type, download_name=name)
    raise Http404("No such file.")


@require_GET
def album_zip(request: HttpRequest, code: str) -> HttpResponse:
    """The owner's ZIP (originals, restorations or both), or a member's (as shown)."""
    album = _get_album_for_user(request, code)
    if album.owner_id != request.user.id:
        return downloads.zip_response(album, downloads.shown_entries(album))
    form = DownloadAllForm(request.GET)
    if not form.is_valid():
        raise Http404("Choose originals, restored or both.")
    include = form.cleaned_data["include"]
    labels = {"originals": " (originals)", "restored": " (restored)", "both": ""}
    return downloads.zip_response(album, downloads.owner_entries(album, include), labels[include])
