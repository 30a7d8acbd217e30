"""Downloads: file names safe on every system, clean copies, and ZIPs streamed as built.

A ZIP is written entry by entry into a small buffer that is handed to the
response as soon as it fills, so an album of thousands of photos needs the
memory of one photo, not of the album. Photos are stored without compression
(they are JPEG, PNG, HEIC…: deflating them again gains nothing and costs CPU).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.core.files.storage import default_storage
from django.db import models
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from albums import shared_copies
from albums.models import Album, Photo, Version
from restorer import imaging
from restorer.files import serve_file

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(10)}
CHUNK = 256 * 1024


def safe_name(text: str, *, max_length: int = 80) -> str:
    """A piece of a file name that Windows, macOS and Linux all accept."""
    text = unicodedata.normalize("NFC", text or "")
    text = _UNSAFE.sub(" ", text)
    text = " ".join(text.split()).strip(" .")
    if len(text) > max_length:
        text = text[:max_length].rstrip(" .")
    if text.split(".")[0].upper() in _RESERVED:
        text = f"_{text}"
    return text


def photo_file_name(album_title: str, number: int, caption: str, extension: str,
                    suffix: str = "") -> str:  # fmt: skip
    """'Grandma's box - 007 - Uncle Tom at Brighton (restored).jpg'."""
    parts = [safe_name(album_title, max_length=60) or "Album", f"{number:03d}"]
    described = safe_name((caption or "").strip().split("\n", 1)[0], max_length=80)
    if described:
        parts.append(described)
    return " - ".join(parts) + suffix + "." + extension


def stem_of(original_name: str) -> str:
    return original_name.rsplit(".", 1)[0] if "." in original_name else original_name


def version_number(version: Version) -> int:
    """The version's place among its photo's restorations, oldest first, from 1."""
    earlier = models.Q(created_at__lt=version.created_at) | models.Q(
        created_at=version.created_at, pk__lt=version.pk
    )
    return Version.objects.filter(earlier, photo_id=version.photo_id).count() + 1


def version_file_name(photo: Photo, version: Version | None, extension: str) -> str:
    """The owner's download of one picture: 'Uncle Tom - restored v2.jpg', 'Uncle Tom -
    original.tif', named after the uploaded file, so the versions of a photo sit side by
    side in a downloads folder and never overwrite each other."""
    stem = safe_name(stem_of(photo.original_name), max_length=80) or f"Photo {photo.code}"
    label = "original" if version is None else f"restored v{version_number(version)}"
    return f"{stem} - {label}.{extension}"


NOTE_NAME = "Not included.txt"


class LeftOut(Exception):
    """An entry that cannot be included; `reason` completes "<file name> …"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Entry:
    """One file of a ZIP: its name inside, and how to get its bytes."""

    name: str
    open: Callable[[], Iterator[bytes]]
    modified: datetime | None = None


def stored_chunks(name: str) -> Callable[[], Iterator[bytes]]:
    def read() -> Iterator[bytes]:
        with default_storage.open(name, "rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk

    return read


def clean_chunks(name: str) -> Callable[[], Iterator[bytes]]:
    """A stored picture without private metadata (read whole: one photo at a time)."""

    def read() -> Iterator[bytes]:
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
        yield imaging.without_metadata(data).content

    return read


class _Sink:
    """What zipfile writes into: bytes wait here until the response takes them."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def zip_stream(entries: Iterable[Entry]) -> Iterator[bytes]:
    """The bytes of a ZIP of `entries`, produced while it is read."""
    sink = _Sink()
    used: set[str] = set()
    notes: list[str] = []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for entry in entries:
            # The first bytes are read before the entry is begun, so a picture that
            # cannot be read is left out whole, with a note, and the archive goes on.
            chunks = iter(entry.open())
            try:
                first = next(chunks, b"")
            except FileNotFoundError:
                # A file removed while the ZIP was being made: leave it out, go on.
                continue
            except LeftOut as exc:
                notes.append(f"{entry.name} {exc.reason}")
                continue
            except imaging.ImageRejected as exc:
                notes.append(f"{entry.name}: this picture {exc.reason}")
                continue
            name = _unique(entry.name, used)
            with archive.open(_info(name, entry.modified), "w", force_zip64=True) as target:
                for chunk in itertools.chain([first], chunks):
                    target.write(chunk)
                    if sink.size >= CHUNK:
                        yield sink.take()
            yield sink.take()
        if notes:
            text = "These photos of the album are not in this ZIP:\n\n" + "\n".join(notes)
            archive.writestr(_info(_unique(NOTE_NAME, used), None), text + "\n")
    yield sink.take()


def _info(name: str, modified: datetime | None) -> zipfile.ZipInfo:
    stamp = timezone.localtime(modified) if modified else timezone.localtime()
    info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o644 << 16
    return info


def _unique(name: str, used: set[str]) -> str:
    candidate, number = name, 2
    stem, dot, extension = name.rpartition(".")
    while candidate.lower() in used:
        candidate = f"{stem} ({number}){dot}{extension}" if dot else f"{name} ({number})"
        number += 1
    used.add(candidate.lower())
    return candidate


def _album_photos(album: Album):
    return Photo.objects.in_album(album).with_restoration().order_by("position", "pk")


def clean_download(photo: Photo, version: Version | None, album: Album) -> HttpResponse:
    """The photo as shown (restored where done), with no private metadata, as a download."""
    number = photo.number
    if version is None:
        return _shared_original(photo, album, number)
    try:
        with version.restoration.result.open("rb") as handle:
            clean = imaging.without_metadata(handle.read())
    except imaging.ImageRejected:
        return _plain(_UNREADABLE, 404)
    suffix = " (restored)"
    # The uploader's file name stays with the owner: others see the caption only.
    name = photo_file_name(album.title, number, photo.caption, clean.extension, suffix)
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
    name = photo_file_name(album.title, number, photo.caption, "jpg")
    return serve_file(photo.shared_copy, "image/jpeg", download_name=name, max_age=300)


def _plain(message: str, status: int) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    return response


def _attachment(name: str) -> str:
    from django.utils.http import content_disposition_header

    return content_disposition_header(True, name)


def shown_entries(album: Album):
    """ZIP entries of an album as shown: restored where done, without private metadata,
    named by caption only (the uploader's file names stay with the owner)."""
    photos = _album_photos(album).select_related(None).iterator(chunk_size=200)
    versions = Version.objects.select_related("restoration")
    for number, photo in enumerate(photos, start=1):
        caption = photo.caption
        shown = versions.filter(code=photo.shown_code).first() if photo.shown_code else None
        if shown is not None:
            name = shown.restoration.result.name
            extension = name.rsplit(".", 1)[-1]
            if extension not in ("jpg", "png"):
                extension = "jpg"
            yield Entry(
                photo_file_name(album.title, number, caption, extension, " (restored)"),
                clean_chunks(name),
                shown.restoration.finished_at,
            )
        else:
            yield Entry(
                photo_file_name(album.title, number, caption, "jpg"),
                _clean_original(photo),
                photo.uploaded_at,
            )


def _clean_original(photo: Photo):
    def read():
        try:
            name = shared_copies.shared_copy(photo)
        except shared_copies.CopyInProgress:
            raise LeftOut("is being prepared; download the album again in a moment.") from None
        yield from stored_chunks(name)()

    return read


def owner_entries(album: Album, include: str, only: set[int] | None = None):
    """The owner's ZIP entries; `only`: of these photos (by pk), numbered as in the album."""
    photos = _album_photos(album).iterator(chunk_size=200)
    versions = Version.objects.select_related("restoration")
    scans: set[str] = set()  # the prints of one split scan share it: it goes in once
    for number, photo in enumerate(photos, start=1):
        if only is not None and photo.pk not in only:
            continue
        caption = photo.caption or stem_of(photo.original_name)
        if include in ("originals", "both") and photo.original.name not in scans:
            scans.add(photo.original.name)
            extension = photo.original.name.rsplit(".", 1)[-1]
            folder = "Originals/" if include == "both" else ""
            yield Entry(
                folder + photo_file_name(album.title, number, caption, extension),
                stored_chunks(photo.original.name),
                photo.uploaded_at,
            )
        if include in ("restored", "both") and photo.shown_code:
            shown = versions.filter(code=photo.shown_code).first()
            if shown is None:
                continue
            restoration = shown.restoration
            extension = restoration.result.name.rsplit(".", 1)[-1]
            folder = "Restored/" if include == "both" else ""
            yield Entry(
                folder + photo_file_name(album.title, number, caption, extension, " (restored)"),
                stored_chunks(restoration.result.name),
                restoration.finished_at,
            )


def zip_response(album: Album, entries, label: str = "") -> StreamingHttpResponse:
    name = (safe_name(album.title) or "Album") + label + ".zip"
    response = StreamingHttpResponse(zip_stream(entries), content_type="application/zip")
    response["Content-Disposition"] = _attachment(name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
