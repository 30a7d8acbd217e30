from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.db.models import Case, Count, F, OuterRef, Subquery, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from albums.dates import FuzzyDate, Precision
from restorer import imaging
from restorer.ids import new_code
from restorer.models import ProviderHold, QuotaExceeded, Restoration, check_quota_for
from restorer.providers.base import MODEL_TYPES, RESTORATION_TYPES, RestoreOptions
from restorer.regions import Frame
from restorer.storage import delete_stored, random_name

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

log = logging.getLogger(__name__)

CAPTION_MAX_LENGTH = 2000
PERSON_NAME_MAX_LENGTH = 100


class OrderRefused(ValueError):
    """A new order that cannot be taken; the message is for the person."""


class MoveRefused(ValueError):
    """Photos that cannot be moved; the message is for the person."""


def paid_restorations(photos: list[Photo], options: RestoreOptions) -> int:
    """How many of Photo.restore(options) on these would be paid restorations, counted
    in the owner's quota (restorer.models.Restoration.start): not those reusing an
    earlier result, nor those already under way with the same options."""
    if not photos:
        return 0
    owner = photos[0].album.owner
    options = Restoration.options_for(options)
    keys = {photo.pk: photo.source_key for photo in photos}
    running = set(
        Version.objects.filter(
            photo__in=photos,
            restoration__state__in=Restoration.ACTIVE_STATES,
            restoration__repair_mask="",
            **{f"restoration__{key}": value for key, value in options.fields().items()},
        ).values_list("photo_id", "restoration__source_sha256")
    )
    unstarted = {key for pk, key in keys.items() if (pk, key) not in running}
    paid = Restoration.paid_among(owner, unstarted, options)
    return sum(1 for pk, key in keys.items() if (pk, key) not in running and key in paid)


class DuplicatePhoto(Exception):
    def __init__(self, existing: Photo):
        super().__init__("already in this album")
        self.existing = existing


class Role(models.TextChoices):
    """What a person is to an album. Members are viewers or contributors."""

    OWNER = "owner", "Owner"
    CONTRIBUTOR = "contributor", "Contributor"
    VIEWER = "viewer", "Viewer"


MEMBER_ROLES = [(Role.VIEWER.value, "Viewer"), (Role.CONTRIBUTOR.value, "Contributor")]


class AlbumQuerySet(models.QuerySet):
    def owned_by(self, user) -> AlbumQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(owner=user)

    def visible_to(self, user) -> AlbumQuerySet:
        """Albums a person owns or that were shared with them."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(models.Q(owner=user) | models.Q(members__user=user)).distinct()

    def shared_with(self, user) -> AlbumQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(members__user=user)

    def contributable_by(self, user) -> AlbumQuerySet:
        """Albums a person may add photos to and caption: their own, and those shared
        with them as a contributor."""
        if not user.is_authenticated:
            return self.none()
        contributor = models.Q(members__user=user, members__role=Role.CONTRIBUTOR)
        return self.filter(models.Q(owner=user) | contributor).distinct()

    def with_role_of(self, user) -> AlbumQuerySet:
        """`role`: what this person is to each album ("owner", "contributor", "viewer"),
        in the same query; None where the album is not theirs to see."""
        if not user.is_authenticated:
            return self
        member_role = AlbumMember.objects.filter(album=OuterRef("pk"), user=user).values("role")
        return self.annotate(
            role_user_id=models.Value(user.pk, output_field=models.IntegerField()),
            role=Case(
                When(owner=user, then=models.Value(Role.OWNER)),
                default=Subquery(member_role[:1]),
                output_field=models.CharField(),
            ),
        )

    def with_summary(self) -> AlbumQuerySet:
        """Photo count and cover picture, in the same query as the albums."""
        first_ready = Photo.objects.filter(
            album=OuterRef("pk"), preparation=Photo.Preparation.READY
        ).order_by("position", "pk")
        chosen = Photo.objects.filter(pk=OuterRef("cover_id"), preparation=Photo.Preparation.READY)
        return self.annotate(
            photo_count=Count("photos", distinct=True),
            chosen_cover_code=Subquery(chosen.values("code")[:1]),
            first_cover_code=Subquery(first_ready.values("code")[:1]),
        )


class Album(models.Model):
    code = models.CharField(max_length=16, unique=True, default=new_code, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="albums")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    cover = models.ForeignKey("Photo", models.SET_NULL, null=True, blank=True, related_name="+")
    # How uploaded photos are restored unless the person asks otherwise.
    restoration_type = models.PositiveSmallIntegerField(
        "damage", choices=sorted(RESTORATION_TYPES.items()), default=1
    )
    model_type = models.PositiveSmallIntegerField(
        "model", choices=sorted(MODEL_TYPES.items()), default=1
    )
    change_color = models.BooleanField("colorize", default=False)
    remove_toning = models.BooleanField(
        "remove toning",
        default=False,
        help_text="Make sepia or otherwise toned black-and-white prints neutral. "
        "Done by the embedded engine only; ignored for colorized photos.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AlbumQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("albums:detail", args=[self.code])

    def role_of(self, user) -> str | None:
        """What this person is to the album ("owner", "contributor", "viewer", or None):
        from AlbumQuerySet.with_role_of() when the album was fetched with it for them,
        else asked of the database."""
        if not user.is_authenticated:
            return None
        if getattr(self, "role_user_id", None) == user.pk:
            return self.role
        if self.owner_id == user.pk:
            return Role.OWNER
        return self.members.filter(user=user).values_list("role", flat=True).first()

    def is_contributable_by(self, user) -> bool:
        """May this person add photos and edit captions and details of any photo?"""
        return self.role_of(user) in (Role.OWNER, Role.CONTRIBUTOR)

    @property
    def default_options(self) -> RestoreOptions:
        return RestoreOptions.of(self)

    @property
    def cover_code(self) -> str | None:
        """Set by AlbumQuerySet.with_summary()."""
        return getattr(self, "chosen_cover_code", None) or getattr(self, "first_cover_code", None)

    def add_photo(
        self,
        upload: UploadedFile,
        options: RestoreOptions | None = None,
        *,
        uploaded_by=None,
    ) -> Photo:
        """Check an uploaded file and keep it as a photo of this album, restored with
        `options` (the album's unless given), as uploaded by `uploaded_by` (the owner
        unless given). Whoever uploads it, its storage and its restorations count
        against the album's owner.

        Raises imaging.ImageRejected or DuplicatePhoto; either way nothing is left
        behind in storage or the database.
        """
        uploaded_by = uploaded_by or self.owner
        _check_upload(self, upload, uploaded_by)
        sha256 = _sha256(upload)
        existing = self.photos.filter(sha256=sha256).first()
        if existing is not None:
            raise DuplicatePhoto(existing)

        info = imaging.inspect(upload, max_pixels=settings.MAX_IMAGE_PIXELS)
        thumbnail = display = None
        if info.pixels <= settings.UPLOAD_INLINE_MAX_PIXELS:
            picture = imaging.load(
                upload, max_pixels=settings.MAX_IMAGE_PIXELS, draft_side=imaging.DISPLAY_SIDE
            )
            thumbnail, display = imaging.renditions(picture)

        photo = Photo(
            album=self,
            original_name=_display_name(upload.name, info.extension),
            mime_type=info.mime_type,
            sha256=sha256,
            size=upload.size,
            width=info.width,
            height=info.height,
            uploaded_by=uploaded_by,
        )
        saved: list[str] = []
        try:
            upload.seek(0)
            photo.original.name = default_storage.save(
                random_name("originals", info.extension), upload
            )
            saved.append(photo.original.name)
            if thumbnail is not None:
                photo.set_renditions(thumbnail, display, saved)
            _file_in(self, [photo])
        except BaseException:
            delete_stored(saved)
            raise
        if thumbnail is None:
            transaction.on_commit(lambda: _queue_renditions(photo.pk))
        _restore_new([photo], options)
        return photo

    # --- order -------------------------------------------------------------------------

    def reorder(self, codes: list[str]) -> None:
        """Put the photos in this order; `codes` must name each photo of the album once.
        Raises OrderRefused (nothing changed)."""
        if len(set(codes)) != len(codes):
            raise OrderRefused("A photo is named twice in the new order. Reload and try again.")
        with transaction.atomic():
            photos = {p.code: p for p in self.photos.select_for_update().only("pk", "code")}
            if set(codes) != set(photos):
                missing = len(set(photos) - set(codes))
                unknown = len(set(codes) - set(photos))
                raise OrderRefused(
                    "The new order must list every photo of the album exactly once "
                    f"({missing} missing, {unknown} not in this album). Reload the page: "
                    "photos may have been added or removed meanwhile."
                )
            self._renumber([photos[code] for code in codes])

    def move_photo(self, photo: Photo, *, later: bool) -> None:
        """Swap a photo with the one just before (or after) it."""
        with transaction.atomic():
            photos = list(self.photos.select_for_update().order_by("position", "pk").only("pk"))
            i = next(i for i, p in enumerate(photos) if p.pk == photo.pk)
            j = i + 1 if later else i - 1
            if 0 <= j < len(photos):
                photos[i], photos[j] = photos[j], photos[i]
                self._renumber(photos)

    def sort_by_date(self) -> None:
        """Order the photos by when they were taken (by the start of what is known,
        then the end); undated photos go last, in their present order."""
        with transaction.atomic():
            photos = list(
                self.photos.select_for_update()
                .order_by("position", "pk")
                .only("pk", "position", "date_from", "date_to")
            )
            dated = sorted(
                (p for p in photos if p.date_from), key=lambda p: (p.date_from, p.date_to)
            )
            self._renumber(dated + [p for p in photos if not p.date_from])

    def _renumber(self, photos: list[Photo]) -> None:
        changed = []
        for position, photo in enumerate(photos):
            if photo.position != position:
                photo.position = position
                changed.append(photo)
        Photo.objects.bulk_update(changed, ["position"], batch_size=500)

    # --- several photos at once --------------------------------------------------------

    def restore_photos(self, photos: list[Photo], options: RestoreOptions) -> list[Version]:
        """Restore these photos of the album again with `options`: all, or (when the paid
        ones would pass the quota) none. Raises QuotaExceeded."""
        with transaction.atomic():
            check_quota_for(self.owner, paid_restorations(photos, options))
            return [photo.restore(options) for photo in photos]

    def move_photos(self, photos: list[Photo], target: Album) -> None:
        """Move these photos to the end of another album of the same owner, all or none.
        Raises MoveRefused."""
        if target.owner_id != self.owner_id:
            raise MoveRefused("Photos can only be moved to another of your albums.")
        if target.pk == self.pk:
            raise MoveRefused("The photos are in this album already: choose another.")
        there = set(
            target.photos.filter(sha256__in=[p.sha256 for p in photos]).values_list(
                "sha256", flat=True
            )
        )
        clashing = [p.title for p in photos if p.sha256 in there]
        if clashing:
            raise MoveRefused(
                f"“{target.title}” already has {', '.join(clashing[:3])}"
                f"{' and others' if len(clashing) > 3 else ''}: nothing was moved. "
                "Leave those out, or delete them from one album first."
            )
        try:
            with transaction.atomic():
                last = target.photos.aggregate(last=models.Max("position"))["last"]
                start = 0 if last is None else last + 1
                for i, photo in enumerate(photos):
                    photo.album = target
                    photo.position = start + i
                Photo.objects.bulk_update(photos, ["album", "position"])
                if self.cover_id in {p.pk for p in photos}:
                    Album.objects.filter(pk=self.pk).update(cover=None)
                now = timezone.now()
                Album.objects.filter(pk__in=[self.pk, target.pk]).update(updated_at=now)
        except IntegrityError:
            # the same file uploaded to the target meanwhile
            raise MoveRefused(f"“{target.title}” already has one of these photos.") from None

    def add_scan(self, upload: UploadedFile, *, uploaded_by=None) -> ScanResult:
        """A flatbed scan holding several prints: one photo per print, each straightened
        and cropped by its frame, the scan stored once. With no print found, the whole
        scan is one photo, with a message saying so.

        Raises imaging.ImageRejected or DuplicatePhoto, leaving nothing behind.
        """
        return _split_scan(self, upload, uploaded_by)


@dataclass
class ScanResult:
    photos: list[Photo]
    message: str = ""  # for the person, when the scan was not split as asked


def _split_scan(album: Album, upload: UploadedFile, uploaded_by) -> ScanResult:
    """Album.add_scan's work: one photo per print, all sharing the stored scan."""
    from restorer.scans import find_prints

    uploaded_by = uploaded_by or album.owner
    _check_upload(album, upload, uploaded_by)
    sha256 = _sha256(upload)
    info = imaging.inspect(upload, max_pixels=settings.MAX_IMAGE_PIXELS)
    upload.seek(0)
    picture = imaging.load(upload, max_pixels=settings.MAX_IMAGE_PIXELS)
    rgb = np.asarray(picture if picture.mode == "RGB" else picture.convert("RGB"))
    del picture  # one full-size copy at a time
    prints = find_prints(rgb)
    if not prints:
        del rgb
        upload.seek(0)
        photo = album.add_photo(upload, uploaded_by=uploaded_by)
        return ScanResult(
            [photo],
            f"No separate prints were found on {photo.original_name}: the whole scan was "
            "kept as one photo. Crop it on its page if needed.",
        )
    name = _display_name(upload.name, info.extension)
    stem, dot, extension = name.rpartition(".")
    stem = stem if dot else name
    photos: list[Photo] = []
    saved: list[str] = []
    try:
        upload.seek(0)
        original = default_storage.save(random_name("originals", info.extension), upload)
        saved.append(original)
        share, rest = divmod(upload.size, len(prints))
        for i, found in enumerate(prints):
            frame = found.frame()
            thumbnail, display = imaging.renditions(Image.fromarray(frame.render(rgb)))
            photo = Photo(
                album=album,
                original_name=f"{stem} ({i + 1} of {len(prints)}){dot}{extension}"[:255],
                mime_type=info.mime_type,
                sha256=_frame_key(sha256, frame.to_json()),
                size=share + (rest if i == 0 else 0),
                width=frame.width,
                height=frame.height,
                frame=frame.to_json(),
                uploaded_by=uploaded_by,
            )
            photo.original.name = original
            photo.set_renditions(thumbnail, display, saved)
            photos.append(photo)
        del rgb
        _file_in(album, photos)
    except BaseException:
        delete_stored(saved)
        raise
    _restore_new(photos)
    return ScanResult(photos)


def _file_in(album: Album, photos: list[Photo]) -> None:
    """Save new photos after the album's last one, in one transaction. A photo of the same
    file saved meanwhile by another upload raises DuplicatePhoto; the caller deletes the
    files it stored, whatever is raised."""
    try:
        with transaction.atomic():
            last = album.photos.aggregate(last=models.Max("position"))["last"]
            for i, photo in enumerate(photos):
                photo.position = (0 if last is None else last + 1) + i
                photo.save()
            Album.objects.filter(pk=album.pk).update(updated_at=timezone.now())
    except IntegrityError:
        existing = album.photos.filter(sha256__in=[p.sha256 for p in photos]).first()
        if existing is None:
            raise
        raise DuplicatePhoto(existing) from None


def _restore_new(photos: list[Photo], options: RestoreOptions | None = None) -> None:
    """Start each new photo's restoration; a quota refusal is kept on the photo to show."""
    for photo in photos:
        try:
            photo.restore(options)
        except QuotaExceeded as exc:
            if photo.uploaded_by_id in (None, photo.album.owner_id):
                photo.restore_refusal = exc.message
            else:  # a contributor's upload is restored on the owner's quota
                photo.restore_refusal = (
                    "The album owner has used all of this month's restorations (what you "
                    "add to their album counts as theirs): the photo was kept, not restored."
                )


def _check_upload(album: Album, upload: UploadedFile, uploaded_by) -> None:
    if upload.size > settings.MAX_UPLOAD_SIZE:
        raise imaging.ImageRejected(
            f"is {human_size(upload.size)}; the limit is "
            f"{human_size(settings.MAX_UPLOAD_SIZE)} a file."
        )
    if upload.size == 0:
        raise imaging.ImageRejected("is empty.")
    quota = settings.STORAGE_QUOTA_PER_PERSON
    if quota and Photo.objects.stored_by(album.owner) + upload.size > quota:
        if uploaded_by.pk != album.owner_id:
            raise imaging.ImageRejected(
                f"would take the album owner's photos past their {human_size(quota)} of "
                "storage (what you add here counts as theirs). Ask them to make room."
            )
        raise imaging.ImageRejected(
            f"would take your photos past your {human_size(quota)} of storage. Delete "
            "photos you no longer need, or ask the site's staff for more."
        )


def _frame_key(sha256: str, frame: dict) -> str:
    text = json.dumps(frame, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{sha256}:{text}".encode()).hexdigest()


def _queue_renditions(photo_pk: int) -> None:
    from django_q.tasks import async_task

    async_task("albums.tasks.make_renditions", photo_pk, task_name=f"renditions-{photo_pk}")


def caption_line(caption: str, length: int = 80) -> str:
    """The first line of a photo's story, shortened: for titles and file names."""
    first = caption.strip().split("\n", 1)[0].strip()
    if len(first) > length:
        first = first[: length - 1].rstrip() + "…"
    return first


def human_size(size: int) -> str:
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _display_name(name: str | None, extension: str) -> str:
    """The uploader's file name, for showing and for download names only."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip(" .")
    return (base or f"photo.{extension}")[:200]


@dataclass(frozen=True)
class Status:
    """What the pages say of a photo or a version: computed here only.

    The album grid, the photo page and status.json all show these words; the
    scripts put them on the page as they come and never make up their own.
    """

    state: str
    label: str
    progress: int = 0
    message: str = ""

    FINAL = frozenset({"stored", "done", "failed", "cancelled"})

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL

    @property
    def tone(self) -> str:
        """The badge's colour: ok, bad or wait (none for a photo at rest)."""
        if self.state == "done":
            return "ok"
        if self.state == "failed":
            return "bad"
        return "" if self.is_final else "wait"

    @property
    def tile_label(self) -> str:
        """A tile's words: none once the picture itself shows the outcome."""
        return "" if self.state in ("done", "stored") else self.label


def restoration_status(
    state: str, progress: int, error: str, provider: str, hold: ProviderHold | None
) -> Status:
    """A restoration's state in words; `hold` pauses what waits for PicWish."""
    if state in (Restoration.State.SUBMITTED, Restoration.State.PROCESSING):
        return Status(state, f"Restoring {progress or 0}%", progress or 0)
    if state == Restoration.State.QUEUED and hold and provider == Restoration.Provider.PICWISH:
        return Status(state, "Paused", progress, f"Paused: {hold.message}")
    labels = {
        Restoration.State.QUEUED: "Waiting",
        Restoration.State.SUBMITTING: "Sending",
        Restoration.State.DOWNLOADING: "Fetching",
        Restoration.State.DONE: "Restored",
        Restoration.State.FAILED: "Failed",
        Restoration.State.CANCELLED: "Cancelled",
    }
    message = error if state in (Restoration.State.FAILED, Restoration.State.CANCELLED) else ""
    return Status(state, labels.get(state, ""), progress or 0, message or "")


def photo_status(
    *,
    preparation: str,
    error: str,
    restoration_state: str | None,
    restoration_progress: int | None,
    restoration_error: str | None,
    restoration_provider: str | None,
    hold: ProviderHold | None,
) -> Status:
    """A photo's state: its latest restoration's, else how far its upload got."""
    if restoration_state:
        return restoration_status(
            restoration_state,
            restoration_progress or 0,
            restoration_error or "",
            restoration_provider or "",
            hold,
        )
    if preparation == Photo.Preparation.FAILED:
        return Status("failed", "Failed", 100, error)
    if preparation == Photo.Preparation.PENDING:
        return Status("preparing", "Preparing…", 0)
    return Status("stored", "", 100)


class PhotoQuerySet(models.QuerySet):
    def in_album(self, album: Album) -> PhotoQuerySet:
        return self.filter(album=album)

    def stored_by(self, user) -> int:
        """Bytes of originals in the albums this person owns."""
        return self.filter(album__owner=user).aggregate(total=models.Sum("size"))["total"] or 0

    def ready(self) -> PhotoQuerySet:
        return self.filter(preparation=Photo.Preparation.READY)

    def with_restoration(self) -> PhotoQuerySet:
        """The latest restoration's progress and the version to show, in the same query."""
        done = Restoration.State.DONE
        newest_done = Version.objects.filter(
            photo=OuterRef("pk"), restoration__state=done
        ).order_by("-created_at", "-pk")
        return self.annotate(
            restoration_state=F("latest_version__restoration__state"),
            restoration_progress=F("latest_version__restoration__progress"),
            restoration_error=F("latest_version__restoration__error_message"),
            restoration_provider=F("latest_version__restoration__provider"),
            shown_code=Coalesce(
                Case(
                    When(
                        chosen_version__restoration__state=done,
                        then=F("chosen_version__code"),
                    )
                ),
                Subquery(newest_done.values("code")[:1]),
            ),
        )


class Photo(models.Model):
    class Preparation(models.TextChoices):
        PENDING = "pending", "Preparing"
        READY = "ready", "Ready"
        FAILED = "failed", "Unreadable"

    code = models.CharField(max_length=16, unique=True, default=new_code, editable=False)
    album = models.ForeignKey(Album, models.CASCADE, related_name="photos")
    position = models.PositiveIntegerField(default=0)
    # The photo's story, as its owner tells it (line breaks kept).
    caption = models.TextField(max_length=CAPTION_MAX_LENGTH, blank=True)
    # When it was taken, as written ("about 1935"), and the days that may mean
    # (albums/dates.py), for sorting and searching. Empty and null when unknown.
    date_text = models.CharField(max_length=100, blank=True)
    date_from = models.DateField(null=True, blank=True)
    date_to = models.DateField(null=True, blank=True)
    date_precision = models.CharField(max_length=10, blank=True, choices=Precision.CHOICES)
    place = models.CharField(max_length=200, blank=True)
    people = models.ManyToManyField("Person", blank=True, related_name="photos")
    original = models.FileField(max_length=255)
    original_name = models.CharField(max_length=255)
    mime_type = models.CharField(max_length=40)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    thumbnail = models.FileField(max_length=255, blank=True)
    thumbnail_width = models.PositiveIntegerField(null=True, blank=True)
    thumbnail_height = models.PositiveIntegerField(null=True, blank=True)
    display = models.FileField(max_length=255, blank=True)
    display_width = models.PositiveIntegerField(null=True, blank=True)
    display_height = models.PositiveIntegerField(null=True, blank=True)
    preparation = models.CharField(
        max_length=10, choices=Preparation.choices, default=Preparation.PENDING
    )
    # The original as members and link visitors get it (upright JPEG, no metadata),
    # made the first time one of them needs it (albums/shared_copies.py).
    shared_copy = models.FileField(max_length=255, blank=True)
    # The part of the original this photo shows, turned how (restorer.regions.Frame as
    # JSON): a print of a multi-photo scan, or an edit. Null: the whole original.
    # width and height are then the frame's. The original itself never changes.
    frame = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now, editable=False)
    # Who added it: the owner or a contributor (null: unknown, or their account is gone).
    # It counts against the album owner's storage and quota all the same.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Renewed by the worker making the renditions (restorer/recovery.py), and how many
    # times that work was found abandoned and queued again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    recoveries = models.PositiveSmallIntegerField(default=0)
    # The version the person picked to show; otherwise the newest finished one.
    chosen_version = models.ForeignKey(
        "Version", models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The most recently requested restoration, whose progress the pages show.
    latest_version = models.ForeignKey(
        "Version", models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = PhotoQuerySet.as_manager()
    restore_refusal = ""  # set when an upload could not start its restoration

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["album", "sha256"], name="unique_photo_per_album"),
        ]
        indexes = [
            models.Index(fields=["album", "position"]),
            models.Index(fields=["date_from", "date_to"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("albums:photo", args=[self.album.code, self.code])

    @property
    def title(self) -> str:
        """A one-line name: the story's first line, else the file's name."""
        return self.caption_title or self.original_name

    @property
    def story_after_title(self) -> str:
        """The story's lines after the first, which titles the photo (all of it when the
        first line was too long to be a title whole)."""
        story = self.caption.strip()
        first, _, rest = story.partition("\n")
        return rest.strip() if caption_line(first) == first.strip() else story

    @property
    def caption_title(self) -> str:
        """The story's first line: what others than the owner see as a title."""
        return caption_line(self.caption)

    def details_editable_by(self, user) -> bool:
        """May this person change the caption and details (date, place, people)? The
        owner and every contributor, whoever uploaded the photo."""
        return self.album.is_contributable_by(user)

    def managed_by(self, user) -> bool:
        """May this person delete the photo, edit its picture and handle its versions
        (restore again, pick, cancel, retry, delete a version) and get its original?
        The owner, and a contributor for the photos they uploaded themselves."""
        role = self.album.role_of(user)
        if role == Role.OWNER:
            return True
        return role == Role.CONTRIBUTOR and self.uploaded_by_id == user.pk

    def status(self, hold: ProviderHold | None) -> Status:
        """What the pages show; needs PhotoQuerySet.with_restoration()."""
        return photo_status(
            preparation=self.preparation,
            error=self.error,
            restoration_state=getattr(self, "restoration_state", None),
            restoration_progress=getattr(self, "restoration_progress", None),
            restoration_error=getattr(self, "restoration_error", None),
            restoration_provider=getattr(self, "restoration_provider", None),
            hold=hold,
        )

    def set_details(self, *, caption: str, date: FuzzyDate | None, place: str,
                    people: list[str]) -> None:  # fmt: skip
        """Save the story, date, place and people (names as written; the album owner's
        Person rows, made as needed), all or nothing."""
        self.caption = caption
        self.date_text = date.text if date else ""
        self.date_from = date.date_from if date else None
        self.date_to = date.date_to if date else None
        self.date_precision = date.precision if date else ""
        self.place = place
        with transaction.atomic():
            self.save(
                update_fields=[
                    "caption", "date_text", "date_from", "date_to", "date_precision", "place",
                ]
            )  # fmt: skip
            self.people.set(Person.objects.named(self.album.owner, people))

    @property
    def number(self) -> int:
        """Where the photo stands in its album, from 1 (as pages and file names count)."""
        return self._siblings().filter(self._before()).count() + 1

    def previous_in_album(self) -> Photo | None:
        return self._siblings().filter(self._before()).order_by("-position", "-pk").first()

    def next_in_album(self) -> Photo | None:
        after = models.Q(position__gt=self.position) | models.Q(
            position=self.position, pk__gt=self.pk
        )
        return self._siblings().filter(after).order_by("position", "pk").first()

    def _siblings(self) -> PhotoQuerySet:
        return Photo.objects.filter(album_id=self.album_id).only("code", "position")

    def _before(self) -> models.Q:
        return models.Q(position__lt=self.position) | models.Q(
            position=self.position, pk__lt=self.pk
        )

    def set_renditions(
        self, thumbnail: imaging.Rendition, display: imaging.Rendition, saved: list[str]
    ) -> None:
        """Store the two renditions; `saved` collects names for clean-up on failure."""
        stem = random_name("renditions", "jpg").removesuffix(".jpg")
        self.thumbnail.name = default_storage.save(f"{stem}-t.jpg", ContentFile(thumbnail.content))
        saved.append(self.thumbnail.name)
        self.display.name = default_storage.save(f"{stem}-d.jpg", ContentFile(display.content))
        saved.append(self.display.name)
        self.thumbnail_width, self.thumbnail_height = thumbnail.width, thumbnail.height
        self.display_width, self.display_height = display.width, display.height
        self.preparation = self.Preparation.READY
        self.error = ""

    def stored_files(self) -> list[str]:
        files = [self.thumbnail, self.display, self.shared_copy]
        # the prints of one scan share it: it goes with the last of them
        if not Photo.objects.filter(original=self.original.name).exclude(pk=self.pk).exists():
            files.append(self.original)
        return [f.name for f in files if f.name]

    def picture_frame(self) -> Frame:
        return Frame.from_json(self.frame, self.width, self.height)

    @property
    def source_key(self) -> str:
        """What names the picture this photo shows: the file, and the frame if any."""
        if not self.frame:
            return self.sha256
        return _frame_key(self.sha256, self.frame)

    def edit(self, *, rotate: int, straighten: float, crop) -> Version:
        """Turn, straighten and crop this photo (as restorer.regions.Frame.edited) and
        restore the result with the latest options: a new version.

        The original file is untouched: the photo's frame changes, and its renditions
        with it. Raises regions.FrameError (nothing changed) or QuotaExceeded.
        """
        frame = self.picture_frame().edited(rotate, straighten, crop)
        options = (
            self.latest_version.restoration.options
            if self.latest_version_id
            else self.album.default_options
        )
        with default_storage.open(self.original.name, "rb") as handle:
            picture = imaging.load(handle, max_pixels=settings.MAX_IMAGE_PIXELS)
        thumbnail, display = imaging.renditions(frame.render_image(picture))
        del picture
        old = [f.name for f in (self.thumbnail, self.display, self.shared_copy) if f.name]
        saved: list[str] = []
        try:
            self.set_renditions(thumbnail, display, saved)
            self.frame = frame.to_json()
            self.width, self.height = frame.width, frame.height
            self.shared_copy.name = ""
            with transaction.atomic():
                self.save(
                    update_fields=[
                        "frame", "width", "height", "thumbnail", "thumbnail_width",
                        "thumbnail_height", "display", "display_width", "display_height",
                        "preparation", "error", "shared_copy",
                    ]
                )  # fmt: skip
                version = self.restore(options)
        except BaseException:
            delete_stored(saved)
            raise
        transaction.on_commit(lambda: delete_stored(old))
        return version

    def repair(self, version: Version, mask: bytes) -> Version:
        """Fill the painted mask (PNG bytes, white = repair) of a finished version with the
        embedded engine: a new version, never sent to PicWish nor charged."""
        source = version.restoration
        name = default_storage.save(random_name("restorations/masks", "png"), ContentFile(mask))
        key = hashlib.sha256(
            f"{source.result.name}:{hashlib.sha256(mask).hexdigest()}".encode()
        ).hexdigest()
        try:
            with transaction.atomic():
                restoration = Restoration.start(
                    owner=self.album.owner,
                    source_name=source.result.name,
                    source_sha256=key,
                    source_width=source.result_width,
                    source_height=source.result_height,
                    options=source.options,
                    repair_mask=name,
                )
                repaired = Version.objects.create(photo=self, restoration=restoration)
                self.show_progress_of(repaired)
        except BaseException:
            delete_stored([name])
            raise
        return repaired

    def restore(self, options: RestoreOptions | None = None) -> Version:
        """Restore this photo (with the album's options unless given); a new version.

        Asking again for a restoration already under way with the same options
        gives that one. Raises restorer.models.QuotaExceeded.
        """
        options = Restoration.options_for(options or self.album.default_options)
        running = (
            self.versions.filter(restoration__state__in=Restoration.ACTIVE_STATES)
            .filter(restoration__source_sha256=self.source_key, restoration__repair_mask="")
            .filter(**{f"restoration__{key}": value for key, value in options.fields().items()})
            .first()
        )
        if running is not None:
            return running
        with transaction.atomic():
            restoration = Restoration.start(
                owner=self.album.owner,
                source_name=self.original.name,
                source_sha256=self.source_key,
                source_width=self.width,
                source_height=self.height,
                options=options,
                source_frame=self.frame,
            )
            version = Version.objects.create(photo=self, restoration=restoration)
            self.show_progress_of(version)
        return version

    def show_progress_of(self, version: Version | None) -> None:
        """The pages follow this version's progress (None: no version left)."""
        Photo.objects.filter(pk=self.pk).update(latest_version=version)
        self.latest_version = version

    def delete_version(self, version: Version) -> None:
        """Delete a finished version; the pages then follow the newest one left."""
        version.delete()
        self.show_progress_of(self.versions.order_by("-created_at", "-pk").first())

    def shown_version(self) -> Version | None:
        """The picked version if it is finished, else the newest finished one."""
        done = Restoration.State.DONE
        if self.chosen_version_id and self.chosen_version.restoration.state == done:
            return self.chosen_version
        return (
            self.versions.filter(restoration__state=done)
            .select_related("restoration")
            .order_by("-created_at", "-pk")
            .first()
        )


class Version(models.Model):
    """One restoration of a photo; a photo keeps every version until deleted."""

    code = models.CharField(max_length=16, unique=True, default=new_code, editable=False)
    photo = models.ForeignKey(Photo, models.CASCADE, related_name="versions")
    restoration = models.OneToOneField(Restoration, models.CASCADE, related_name="version")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.restoration.options_label} ({self.restoration.get_state_display()})"

    def status(self, hold: ProviderHold | None) -> Status:
        r = self.restoration
        return restoration_status(r.state, r.progress, r.error_message, r.provider, hold)


class PersonQuerySet(models.QuerySet):
    def named(self, owner, names: list[str]) -> list[Person]:
        """The owner's people of these names (matched case-insensitively), made as needed;
        a new name is kept as first written."""
        wanted: dict[str, str] = {}
        for name in names:
            wanted.setdefault(Person.key_of(name), name)
        found = {p.key: p for p in self.filter(owner=owner, key__in=list(wanted))}
        for key, name in wanted.items():
            if key not in found:
                found[key], _ = self.get_or_create(owner=owner, key=key, defaults={"name": name})
        return [found[key] for key in wanted]


class Person(models.Model):
    """Somebody in an album owner's photos, named as the owner first wrote them.

    People belong to the owner, not to an album, so a name typed once is suggested
    in all their albums; `key` makes "anna" and "Anna" the same person."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    name = models.CharField(max_length=PERSON_NAME_MAX_LENGTH)
    key = models.CharField(max_length=PERSON_NAME_MAX_LENGTH, editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="unique_person_per_owner"),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def key_of(name: str) -> str:
        return " ".join(name.split()).casefold()


class AlbumMember(models.Model):
    """A registered person an album is shared with: a viewer sees it as it is shown; a
    contributor also adds photos and edits captions and details (Photo.managed_by says
    what else they may do with their own uploads)."""

    album = models.ForeignKey(Album, models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    role = models.CharField(max_length=12, choices=MEMBER_ROLES, default=Role.VIEWER)
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["album", "user"], name="unique_album_member"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.album}"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ShareLinkQuerySet(models.QuerySet):
    def usable(self, now=None) -> ShareLinkQuerySet:
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ShareLink(models.Model):
    """A link that shows an album to whoever has it.

    Only a SHA-256 of the token is stored: the link is shown once, when made,
    and a leaked database does not open any album. A password is stored the
    way Django stores account passwords.
    """

    code = models.CharField(max_length=16, unique=True, default=new_code, editable=False)
    album = models.ForeignKey(Album, models.CASCADE, related_name="share_links")
    label = models.CharField(max_length=100, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    password_hash = models.CharField(max_length=128, blank=True, editable=False)
    allow_download = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.label or f"Link {self.code}"

    @classmethod
    def create(
        cls,
        album: Album,
        *,
        label: str = "",
        expires_in_days: int | None = 30,
        password: str = "",
        allow_download: bool = True,
    ) -> tuple[ShareLink, str]:
        """A new link and its token (192 random bits), which is never stored."""
        from django.contrib.auth.hashers import make_password

        token = secrets.token_urlsafe(24)
        expires_at = None
        if expires_in_days is not None:
            expires_at = timezone.now() + timedelta(days=expires_in_days)
        link = cls.objects.create(
            album=album,
            label=label,
            token_hash=hash_token(token),
            password_hash=make_password(password) if password else "",
            allow_download=allow_download,
            expires_at=expires_at,
        )
        return link, token

    @classmethod
    def find(cls, token: str) -> ShareLink | None:
        """The link a token opens, usable or not; None for a token nobody issued."""
        if not token or len(token) > 64:
            return None
        digest = hash_token(token)
        link = cls.objects.select_related("album__owner").filter(token_hash=digest).first()
        # The lookup is by a hash the visitor cannot choose; compare once more in
        # constant time all the same.
        if link is None or not hmac.compare_digest(link.token_hash, digest):
            return None
        return link

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return not self.is_revoked and not self.is_expired

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    def check_password(self, password: str) -> bool:
        from django.contrib.auth.hashers import check_password

        return bool(self.password_hash) and check_password(password, self.password_hash)

    def revoke(self) -> bool:
        return bool(
            ShareLink.objects.filter(pk=self.pk, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
        )

    def record_view(self) -> None:
        ShareLink.objects.filter(pk=self.pk).update(
            view_count=models.F("view_count") + 1, last_viewed_at=timezone.now()
        )


class PasswordAttempt(models.Model):
    """A wrong password for a share link, kept a while to slow down guessing."""

    link = models.ForeignKey(ShareLink, models.CASCADE, related_name="+")
    client = models.CharField(max_length=64)  # a hash of the visitor's address
    at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"Wrong password for {self.link_id} at {self.at:%Y-%m-%d %H:%M}"


INVITATION_DAYS = 14


class InvitationQuerySet(models.QuerySet):
    def pending(self, now=None) -> InvitationQuerySet:
        return self.filter(accepted_at__isnull=True, expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """An album offered to somebody by e-mail, through a one-time link.

    The album appears in their "Shared with me" only once they accept (an AlbumMember
    is made then). The token is stored hashed; the owner sees what they typed
    (`invited_as`), never the address behind a username.
    """

    code = models.CharField(max_length=16, unique=True, default=new_code, editable=False)
    album = models.ForeignKey(Album, models.CASCADE, related_name="invitations")
    email = models.EmailField()
    invited_as = models.CharField(max_length=254)
    role = models.CharField(max_length=12, choices=MEMBER_ROLES, default=Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.invited_as} to {self.album}"

    @classmethod
    def create(
        cls, album: Album, *, email: str, invited_as: str, role: str = Role.VIEWER
    ) -> tuple[Invitation, str]:
        token = secrets.token_urlsafe(24)
        invitation = cls.objects.create(
            album=album,
            email=email,
            invited_as=invited_as,
            role=role,
            token_hash=hash_token(token),
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        return invitation, token

    @classmethod
    def find(cls, token: str) -> Invitation | None:
        """The pending invitation a token opens; None once used, withdrawn or expired."""
        if not token or len(token) > 64:
            return None
        return (
            cls.objects.pending()
            .select_related("album__owner")
            .filter(token_hash=hash_token(token))
            .first()
        )

    def is_for(self, user) -> bool:
        return bool(user.email) and user.email.casefold() == self.email.casefold()

    def accept(self, user) -> bool:
        """Make `user` a member with the invitation's role (a member already gets that
        role); False if the invitation was used meanwhile."""
        with transaction.atomic():
            taken = (
                Invitation.objects.pending()
                .filter(pk=self.pk)
                .update(accepted_at=timezone.now(), accepted_by=user)
            )
            if not taken:
                return False
            if user.pk != self.album.owner_id:
                AlbumMember.objects.update_or_create(
                    album=self.album, user=user, defaults={"role": self.role}
                )
        return True
