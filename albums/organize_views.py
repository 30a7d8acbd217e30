"""Putting an album in order, and doing things to several of its photos at once."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from albums import downloads
from albums.forms import BulkForm, RestoreForm
from albums.models import Album, MoveRefused, OrderRefused, Photo, paid_restorations
from albums.permissions import may_change_album, viewable_albums
from restorer.models import QuotaExceeded, quota_left
from restorer.providers.base import RestoreOptions

CONFIRM = "Nothing was done yet: post again with confirm=1."


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _album_to_change(request: HttpRequest, code: str) -> Album:
    """404 for those who may not change the album, as on the owner's other pages."""
    album = get_object_or_404(viewable_albums(request.user), code=code)
    if not may_change_album(request.user, album):
        raise Http404("No such album.")
    return album


def _back_to(album: Album, request: HttpRequest, anchor: str = "") -> HttpResponse:
    url = album.get_absolute_url()
    page = request.POST.get("page", "")
    if page.isascii() and page.isdigit() and page != "1":
        url += f"?page={page}"
    return redirect(url + (f"#photo-{anchor}" if anchor else ""))


def _refuse(request: HttpRequest, album: Album, message: str, status: int = 400):
    if _wants_json(request):
        return JsonResponse({"error": message}, status=status)
    return render(
        request, "albums/refused.html", {"album": album, "message": message}, status=status
    )


def _codes(request: HttpRequest) -> list[str]:
    """Photo codes as a form sends them (one field each) or a script may (comma-separated)."""
    return [
        code.strip()
        for value in request.POST.getlist("photos")
        for code in value.split(",")
        if code.strip()
    ]


@require_http_methods(["GET", "POST"])
def album_order(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the codes in order (for the page's script). POST: a new order, as `photos`
    (every code once), or one photo moved (`earlier`/`later`), or `sort=date`."""
    album = _album_to_change(request, code)
    photos = Photo.objects.in_album(album).order_by("position", "pk")
    if request.method == "GET":
        return JsonResponse({"photos": list(photos.values_list("code", flat=True))})

    if request.POST.get("sort") == "date":
        album.sort_by_date()
        message = "The photos are now in date order; undated photos come last."
        anchor = ""
    elif request.POST.get("earlier") or request.POST.get("later"):
        later = bool(request.POST.get("later"))
        photo = get_object_or_404(photos, code=request.POST.get("later" if later else "earlier"))
        album.move_photo(photo, later=later)
        message, anchor = ("Moved later." if later else "Moved earlier."), photo.code
    else:
        codes = _codes(request)
        if not codes:
            return _refuse(request, album, "No order was sent: list the photos in their new order.")
        try:
            album.reorder(codes)
        except OrderRefused as exc:
            return _refuse(request, album, str(exc))
        message, anchor = "The new order was saved.", ""
    if _wants_json(request):
        return JsonResponse({"photos": list(photos.values_list("code", flat=True))})
    messages.success(request, message)
    return _back_to(album, request, anchor)


@require_POST
def photos_bulk(request: HttpRequest, code: str) -> HttpResponse:
    """Restore, move, download or delete the selected photos (`photos`, or `all=1`).

    Restoring, moving and deleting answer with a confirmation page first; its form
    posts again with `confirm=1` (moving: with the `album` to move to)."""
    album = _album_to_change(request, code)
    form = BulkForm(request.POST)
    if not form.is_valid():
        return _refuse(request, album, form.errors["action"][0])
    action = form.cleaned_data["action"]
    everything = request.POST.get("all") == "1"
    photos = Photo.objects.in_album(album).order_by("position", "pk").select_related("album")
    if not everything:
        codes = _codes(request)
        if not codes:
            if _wants_json(request):
                return _refuse(request, album, "Select the photos first.")
            messages.error(request, "Select photos first: tick the box of each.")
            return _back_to(album, request)
        photos = photos.filter(code__in=codes)
    selected = list(photos)
    if not everything and len(selected) != len(set(codes)):
        return _refuse(
            request,
            album,
            "Some of the selected photos are no longer in this album. Reload the page and "
            "select them again.",
        )
    if not selected:
        return _refuse(request, album, "This album has no photos.")
    confirmed = request.POST.get("confirm") == "1"
    context = {
        "album": album,
        "action": action,
        "photos": selected,
        "everything": everything,
        "page_number": request.POST.get("page", ""),
    }

    if action == "download":
        only = {photo.pk for photo in selected}
        return downloads.zip_response(
            album, downloads.owner_entries(album, "both", only=only), " (selected)"
        )

    if action == "delete":
        if not confirmed:
            if _wants_json(request):
                return JsonResponse({"photos": len(selected), "confirm": CONFIRM})
            return render(request, "albums/bulk_confirm.html", context)
        count = len(selected)
        Photo.objects.filter(pk__in=[photo.pk for photo in selected]).delete()
        return _done(request, album, f"{_photos(count)} deleted.", {"deleted": count})

    if action == "move":
        targets = Album.objects.owned_by(album.owner).exclude(pk=album.pk).order_by("title")
        target_code = request.POST.get("album", "")
        if not target_code:
            if _wants_json(request):
                return _refuse(request, album, "Choose the album to move the photos to.")
            return render(request, "albums/bulk_confirm.html", {**context, "targets": targets})
        target = targets.filter(code=target_code).first()
        if target is None:
            return _refuse(request, album, "Choose one of your other albums to move them to.")
        try:
            album.move_photos(selected, target)
        except MoveRefused as exc:
            return _refuse(request, album, str(exc))
        return _done(
            request, album, f"{_photos(len(selected))} moved to “{target.title}”.",
            {"moved": len(selected), "album": target.code},
        )  # fmt: skip

    # restore: with the options posted, else (from the album page) the album's
    restore_form = RestoreForm(request.POST)
    if not restore_form.is_valid():
        # the first problem, named by its field, as the form would show it
        name, errors = next(iter(restore_form.errors.items()))
        field = restore_form.fields.get(name)
        problem = f"{field.label}: {errors[0]}" if field else errors[0]
        return _refuse(request, album, f"Choose how to restore the photos. {problem}")
    options = restore_form.cleaned_data["options"]
    if "restoration_type" not in request.POST:
        options = album.default_options
    restore_form = RestoreForm(initial=RestoreForm.initial_for(options))
    if confirmed:
        try:
            album.restore_photos(selected, options)
        except QuotaExceeded as exc:
            if _wants_json(request):
                return _refuse(request, album, exc.message, status=409)
            context.update(restoration_cost(album, selected, options), error=exc.message)
            context.update(restore_form=restore_form)
            return render(request, "albums/bulk_confirm.html", context, status=409)
        return _done(
            request, album, f"Restoring {_photos(len(selected)).lower()} again.",
            {"restoring": len(selected)},
        )  # fmt: skip
    cost = restoration_cost(album, selected, options)
    if _wants_json(request):
        return JsonResponse(
            {"photos": len(selected), "paid": cost["paid"], "quota_left": cost["quota_left"],
             "confirm": CONFIRM}
        )  # fmt: skip
    context.update(cost, restore_form=restore_form)
    return render(request, "albums/bulk_confirm.html", context)


def restoration_cost(album: Album, photos: list[Photo], options: RestoreOptions) -> dict:
    """What restoring these photos with `options` takes of the owner's monthly quota."""
    paid = paid_restorations(photos, options)
    left = quota_left(album.owner)
    return {
        "paid": paid,
        "unpaid": len(photos) - paid,
        "quota_left": left,
        "too_many": left is not None and paid > left,
    }


def confirm_restoring_all(request: HttpRequest, album: Album) -> HttpResponse:
    """After the album's options changed: the follow-up page offering to restore its
    photos with them, saying what that costs."""
    photos = list(Photo.objects.in_album(album).order_by("position", "pk").select_related("album"))
    options = album.default_options
    context = {
        "album": album,
        "action": "restore",
        "photos": photos,
        "everything": True,
        "after_edit": True,
        "restore_form": RestoreForm(initial=RestoreForm.initial_for(options)),
        **restoration_cost(album, photos, options),
    }
    return render(request, "albums/bulk_confirm.html", context)


def _done(request: HttpRequest, album: Album, message: str, answer: dict) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(answer)
    messages.success(request, message)
    return _back_to(album, request)


def _photos(count: int) -> str:
    return f"{count} photo{'s' if count != 1 else ''}"
