"""The restoration service's state: one row per restoration, and what the workers share.

The service is generic: an image and options in, a stored result out. It knows
nothing of albums or photos; the gallery links its photos to restorations.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from restorer import imaging
from restorer.ids import new_code
from restorer.providers.base import MODEL_TYPES, RESTORATION_TYPES, RestoreOptions
from restorer.storage import delete_stored, random_name

log = logging.getLogger(__name__)


class QuotaExceeded(Exception):
    """The person has used this month's paid restorations. `message` is for them."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _stored_name(folder: str, extension: str) -> str:
    return random_name(f"restorations/{folder}", extension)


class RestorationQuerySet(models.QuerySet):
    def counting_toward_quota(self, owner, since) -> RestorationQuerySet:
        """Paid tasks, and those on their way to being paid, created since `since`; and on
        the embedded engine, the API's tasks (only they are charged there) unless they
        failed or were cancelled."""
        paid = Q(provider=Restoration.Provider.PICWISH, reused_from__isnull=True) & (
            Q(state__in=Restoration.ACTIVE_STATES) | ~Q(remote_task_id="")
        )
        engine = Q(provider=Restoration.Provider.LOCAL) & ~Q(
            state__in=(Restoration.State.FAILED, Restoration.State.CANCELLED)
        )
        return self.filter(owner=owner, created_at__gte=since).filter(paid | engine)

    def reusable(self, owner, options: RestoreOptions, provider: str) -> RestorationQuerySet:
        """Finished restorations with these options, whose result a new restoration of
        the same picture takes instead of being restored (or paid for) again."""
        return self.filter(
            owner=owner, provider=provider, state=Restoration.State.DONE, **options.fields()
        ).exclude(result="")

    def picwish(self) -> RestorationQuerySet:
        return self.filter(provider=Restoration.Provider.PICWISH)

    # --- what the dispatcher looks for -------------------------------------------------

    def submittable(self, now) -> RestorationQuerySet:
        return self.filter(
            provider=Restoration.Provider.PICWISH,
            state=Restoration.State.QUEUED,
            input_ready=True,
        ).filter(Q(next_action_at__isnull=True) | Q(next_action_at__lte=now))

    def polls_due(self, now) -> RestorationQuerySet:
        """PicWish tasks whose next poll is due, the most overdue first."""
        return (
            self.picwish()
            .filter(state=Restoration.State.SUBMITTED, next_action_at__lte=now)
            .order_by("next_action_at", "pk")
        )

    def for_dispatcher(self) -> RestorationQuerySet:
        """What the dispatcher acts on now or later: tasks in flight and prepared photos."""
        State = Restoration.State
        return self.picwish().filter(
            Q(state__in=[State.SUBMITTED, State.SUBMITTING])
            | Q(state=State.QUEUED, input_ready=True)
        )

    def recent_remote_seconds(self, count: int) -> list[float]:
        """How long the last `count` finished PicWish tasks took, newest first."""
        return list(
            self.picwish()
            .filter(state=Restoration.State.DONE, remote_seconds__isnull=False)
            .order_by("-finished_at")
            .values_list("remote_seconds", flat=True)[:count]
        )

    # --- what the watchdog looks for ---------------------------------------------------

    def interrupted_submissions(self, now, before) -> RestorationQuerySet:
        """Create calls whose heartbeat stopped, or without one that began before
        `before`: their worker died."""
        from restorer.recovery import abandoned

        without_heartbeat = Q(heartbeat_at__isnull=True, updated_at__lt=before)
        return self.filter(abandoned(now) | without_heartbeat, state=Restoration.State.SUBMITTING)

    def overdue(self, submitted_before) -> RestorationQuerySet:
        return self.filter(state=Restoration.State.SUBMITTED, submitted_at__lt=submitted_before)

    def lost_downloads(self, before) -> RestorationQuerySet:
        return self.filter(
            state=Restoration.State.DOWNLOADING, updated_at__lt=before, heartbeat_at__isnull=True
        )

    def lost_preparations(self, before) -> RestorationQuerySet:
        """Queued rows nobody prepared, or (embedded engine) nobody ran, since `before`."""
        return self.filter(
            state=Restoration.State.QUEUED, updated_at__lt=before, heartbeat_at__isnull=True
        ).filter(Q(input_ready=False) | Q(provider=Restoration.Provider.LOCAL))

    def stalled(self, before) -> RestorationQuerySet:
        """Embedded-engine runs without a heartbeat that have not reported progress since
        `before` (runs with a heartbeat are judged by it)."""
        return self.filter(
            state=Restoration.State.PROCESSING, updated_at__lt=before, heartbeat_at__isnull=True
        )

    def abandoned(self, now) -> RestorationQuerySet:
        """Rows whose worker stopped beating in the middle of a step (restorer/recovery.py)."""
        from restorer.recovery import abandoned

        State = Restoration.State
        return self.filter(
            abandoned(now), state__in=[State.QUEUED, State.PROCESSING, State.DOWNLOADING]
        )

    def unclaimed_steps(self) -> RestorationQuerySet:
        """Steps queued but not begun: a dead cluster may have taken them from the broker."""
        State = Restoration.State
        waiting = (
            Q(state=State.QUEUED, input_ready=False)
            | Q(state=State.QUEUED, provider=Restoration.Provider.LOCAL)
            | Q(state=State.DOWNLOADING)
        )
        return self.filter(waiting, heartbeat_at__isnull=True)


class Restoration(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SUBMITTING = "submitting", "Sending"
        SUBMITTED = "submitted", "Restoring"
        DOWNLOADING = "downloading", "Downloading"
        PROCESSING = "processing", "Restoring"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Provider(models.TextChoices):
        PICWISH = "picwish", "PicWish"
        LOCAL = "local", "Embedded engine"

    FINAL_STATES = (State.DONE, State.FAILED, State.CANCELLED)
    ACTIVE_STATES = (
        State.QUEUED,
        State.SUBMITTING,
        State.SUBMITTED,
        State.DOWNLOADING,
        State.PROCESSING,
    )

    code = models.CharField(max_length=16, unique=True, default=new_code, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="restorations")
    # The picture to restore. Not owned by the restoration: the caller keeps it.
    source = models.FileField(max_length=255)
    source_sha256 = models.CharField(max_length=64, db_index=True)
    source_width = models.PositiveIntegerField()
    source_height = models.PositiveIntegerField()
    # The part of the source to restore, turned how (restorer.regions.Frame as JSON);
    # null: all of it. source_width and source_height are then the frame's.
    source_frame = models.JSONField(null=True, blank=True)
    # A repair by hand: the person's mask (white = repair), painted out of the source by
    # the embedded engine. Never sent to PicWish and never charged.
    repair_mask = models.FileField(max_length=255, blank=True)
    # The prepared copy sent to the provider: JPEG, upright, at most 2048 x 2048.
    input = models.FileField(max_length=255, blank=True)
    input_ready = models.BooleanField(default=False)
    input_width = models.PositiveIntegerField(null=True, blank=True)
    input_height = models.PositiveIntegerField(null=True, blank=True)

    restoration_type = models.PositiveSmallIntegerField(
        choices=sorted(RESTORATION_TYPES.items()), default=1
    )
    model_type = models.PositiveSmallIntegerField(choices=sorted(MODEL_TYPES.items()), default=1)
    change_color = models.BooleanField(default=False)
    # Asked of the embedded engine only: a PicWish restoration never has it (options_for).
    remove_toning = models.BooleanField(default=False)
    provider = models.CharField(max_length=10, choices=Provider.choices)

    state = models.CharField(
        max_length=12, choices=State.choices, default=State.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0)
    remote_task_id = models.CharField(max_length=128, blank=True, db_index=True)
    # When the dispatcher should next look at this row (poll, or try a submission again).
    next_action_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    api_calls = models.PositiveIntegerField(default=0)
    result_url = models.TextField(blank=True)  # the provider's signed URL, valid for an hour
    staged_result = models.CharField(max_length=255, blank=True)
    error_code = models.CharField(max_length=40, blank=True, db_index=True)
    error_message = models.CharField(max_length=500, blank=True)
    notes = models.TextField(blank=True)
    # whether colour was added to the photo; unknown (null) until the result is in
    colorized = models.BooleanField(null=True, blank=True)
    # whether a toned black-and-white print was made neutral; unknown (null) until then
    toning_removed = models.BooleanField(null=True, blank=True)

    result = models.FileField(max_length=255, blank=True)
    result_width = models.PositiveIntegerField(null=True, blank=True)
    result_height = models.PositiveIntegerField(null=True, blank=True)
    result_thumbnail = models.FileField(max_length=255, blank=True)
    result_thumbnail_width = models.PositiveIntegerField(null=True, blank=True)
    result_thumbnail_height = models.PositiveIntegerField(null=True, blank=True)
    result_display = models.FileField(max_length=255, blank=True)
    result_display_width = models.PositiveIntegerField(null=True, blank=True)
    result_display_height = models.PositiveIntegerField(null=True, blank=True)
    reused_from = models.ForeignKey(
        "self", models.SET_NULL, null=True, blank=True, related_name="+"
    )

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    remote_seconds = models.FloatField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Renewed every few seconds by the worker preparing, restoring or storing this row
    # (restorer/recovery.py); a stale one means that worker died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # How many times its work was found abandoned and queued again.
    recoveries = models.PositiveSmallIntegerField(default=0)

    objects = RestorationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["provider", "state", "next_action_at"]),
            models.Index(fields=["owner", "source_sha256"]),
        ]

    def __str__(self) -> str:
        return f"Restoration {self.code} ({self.get_state_display()})"

    # --- starting ------------------------------------------------------------------------

    @classmethod
    def start(
        cls,
        *,
        owner,
        source_name: str,
        source_sha256: str,
        source_width: int,
        source_height: int,
        options: RestoreOptions,
        provider: str | None = None,
        source_frame: dict | None = None,
        repair_mask: str = "",
    ) -> Restoration:
        """A restoration of a stored picture, queued once the transaction commits.

        The same picture restored with the same options for the same person
        before is not restored (or paid for) again: its result is reused.
        Raises QuotaExceeded when a paid restoration would pass the monthly quota.
        `source_sha256` names the picture restored: with a frame or a repair mask, the
        caller makes it from the file's hash and those. A repair runs on the embedded
        engine whatever the provider.
        """
        provider = Restoration.Provider.LOCAL if repair_mask else provider
        provider = provider or settings.RESTORER_PROVIDER
        options = cls.options_for(options, provider)
        fields = {
            "owner": owner,
            "source": source_name,
            "source_sha256": source_sha256,
            "source_width": source_width,
            "source_height": source_height,
            **options.fields(),
            "provider": provider,
            "source_frame": source_frame,
            "repair_mask": repair_mask,
        }
        earlier = cls._reusable(owner, source_sha256, options, provider)
        if earlier is not None:
            return cls._reuse(earlier, fields)
        if provider == cls.Provider.PICWISH:
            check_quota(owner)
        restoration = cls.objects.create(**fields)
        if provider == cls.Provider.PICWISH:
            QuotaCharge.objects.create(owner=owner, restoration=restoration)
        transaction.on_commit(lambda: enqueue("restorer.tasks.prepare", restoration.pk))
        return restoration

    @classmethod
    def options_for(cls, options: RestoreOptions, provider: str | None = None) -> RestoreOptions:
        """The options a restoration by `provider` (the site's unless given) is asked for.

        PicWish has no way to remove toning: its restorations are never asked for it, so
        no page claims it was done, and asking for it never starts a second paid task for
        a picture already restored with the same options otherwise.
        """
        provider = provider or settings.RESTORER_PROVIDER
        if provider == cls.Provider.PICWISH and options.remove_toning:
            return dataclasses.replace(options, remove_toning=False)
        return options

    @classmethod
    def _reusable(cls, owner, source_sha256: str, options: RestoreOptions, provider: str):
        return (
            cls.objects.reusable(owner, options, provider)
            .filter(source_sha256=source_sha256)
            .order_by("-finished_at")
            .first()
        )

    @classmethod
    def paid_among(cls, owner, source_keys: set[str], options: RestoreOptions) -> set[str]:
        """Which of these pictures start() would restore as paid restorations, counted
        in the quota: with PicWish, those with no earlier result to reuse."""
        provider = settings.RESTORER_PROVIDER
        if provider != cls.Provider.PICWISH or not source_keys:
            return set()
        options = cls.options_for(options, provider)
        done = cls.objects.reusable(owner, options, provider).filter(
            source_sha256__in=list(source_keys)
        )
        return set(source_keys) - set(done.values_list("source_sha256", flat=True))

    @classmethod
    def _reuse(cls, earlier: Restoration, fields: dict) -> Restoration:
        now = timezone.now()
        copied = {
            name: getattr(earlier, name)
            for name in (
                "result",
                "result_width",
                "result_height",
                "result_thumbnail",
                "result_thumbnail_width",
                "result_thumbnail_height",
                "result_display",
                "result_display_width",
                "result_display_height",
                "input_width",
                "input_height",
                "notes",
                "colorized",
                "toning_removed",
            )
        }
        log.info("restoration reuses the result of %s", earlier.code)
        return cls.objects.create(
            **fields,
            **copied,
            state=cls.State.DONE,
            progress=100,
            reused_from=earlier,
            finished_at=now,
        )

    # --- reading -----------------------------------------------------------------------

    @property
    def options(self) -> RestoreOptions:
        return RestoreOptions.of(self)

    @property
    def options_label(self) -> str:
        if self.is_repair:
            return "Repaired by hand"
        return self.options.describe(self.colorized, self.toning_removed)

    @property
    def is_repair(self) -> bool:
        return bool(self.repair_mask)

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL_STATES

    @property
    def scaled_down(self) -> bool:
        return bool(self.input_width) and (
            self.input_width < self.source_width or self.input_height < self.source_height
        )

    def stored_files(self) -> list[str]:
        names = [self.input.name, self.staged_result, self.repair_mask.name]
        if self.reused_from_id is None:
            names += [self.result.name, self.result_thumbnail.name, self.result_display.name]
        return [name for name in names if name]

    # --- changing ----------------------------------------------------------------------

    def claim(self, from_states, to_state: str, **fields) -> bool:
        """Move from one of `from_states` to `to_state` only if nobody else did first."""
        if isinstance(from_states, str):
            from_states = [from_states]
        fields["state"] = to_state
        fields["updated_at"] = timezone.now()
        claimed = (
            Restoration.objects.filter(pk=self.pk, state__in=from_states).update(**fields) == 1
        )
        if claimed:
            for name, value in fields.items():
                setattr(self, name, value)
        return claimed

    def start_submitting(self) -> bool:
        """Queued -> submitting, just before the create call: the call is ours alone."""
        return self.claim([self.State.QUEUED], self.State.SUBMITTING, next_action_at=None)

    def mark_submitted(self, task_id: str, *, first_poll_in: float) -> bool:
        """The create call returned `task_id`: written at once, as it is what was paid for."""
        now = timezone.now()
        return self.claim(
            [self.State.SUBMITTING],
            self.State.SUBMITTED,
            remote_task_id=task_id,
            submitted_at=now,
            progress=0,
            attempts=0,
            next_action_at=now + timedelta(seconds=first_poll_in),
            api_calls=models.F("api_calls") + 1,
        )

    def requeue(self, *, delay: float | None = None, attempts: int | None = None,
                error_code: str | None = None) -> bool:  # fmt: skip
        """Submitting -> queued again: the create call did not happen, or may be retried
        after `delay` seconds (None: whenever submissions go on)."""
        fields: dict = {"next_action_at": None}
        if delay is not None:
            fields["next_action_at"] = timezone.now() + timedelta(seconds=delay)
        if attempts is not None:
            fields["attempts"] = attempts
        if error_code is not None:
            fields["error_code"] = error_code
        return self.claim([self.State.SUBMITTING], self.State.QUEUED, **fields)

    def record_progress(self, progress: int, *, next_poll_in: float | None = None) -> bool:
        """Progress reported by the provider (with the next poll) or by the embedded engine."""
        fields: dict = {"progress": min(int(progress), 99)}
        if next_poll_in is None:
            return self.claim([self.State.PROCESSING], self.State.PROCESSING, **fields)
        fields["attempts"] = 0
        fields["next_action_at"] = timezone.now() + timedelta(seconds=next_poll_in)
        return self.claim([self.State.SUBMITTED], self.State.SUBMITTED, **fields)

    def poll_later(self, delay: float, *, attempts: int | None = None) -> bool:
        """A poll that could not be made or answered: the next one in `delay` seconds."""
        fields: dict = {"next_action_at": timezone.now() + timedelta(seconds=delay)}
        if attempts is not None:
            fields["attempts"] = attempts
        return self.claim([self.State.SUBMITTED], self.State.SUBMITTED, **fields)

    def start_downloading(self, **result) -> bool:
        """Submitted -> downloading: the provider finished; `result` says where the picture is."""
        return self.claim([self.State.SUBMITTED], self.State.DOWNLOADING, next_action_at=None,
                          progress=100, **result)  # fmt: skip

    def back_to_polling(self, *, delay: float, attempts: int | None = None) -> bool:
        """Downloading -> submitted: ask the status endpoint again (a fresh result URL)."""
        fields: dict = {
            "next_action_at": timezone.now() + timedelta(seconds=delay),
            "result_url": "",
        }
        if attempts is not None:
            fields["attempts"] = attempts
        return self.claim([self.State.DOWNLOADING], self.State.SUBMITTED, **fields)

    def start_processing(self) -> bool:
        """Queued -> processing, in the worker that runs the embedded engine."""
        return self.claim(
            [self.State.QUEUED],
            self.State.PROCESSING,
            attempts=self.attempts + 1,
            progress=0,
            heartbeat_at=timezone.now(),
        )

    def requeue_stalled(self) -> bool:
        """Processing -> queued: the worker running the embedded engine stopped."""
        return self.claim([self.State.PROCESSING], self.State.QUEUED, progress=0, heartbeat_at=None)

    def touch(self) -> None:
        """Note that the row was looked at (the watchdog queued its work again)."""
        self.updated_at = timezone.now()
        Restoration.objects.filter(pk=self.pk).update(updated_at=self.updated_at)

    def count_call(self) -> None:
        Restoration.objects.filter(pk=self.pk).update(api_calls=models.F("api_calls") + 1)

    def mark_failed(self, code: str, message: str, *, from_states=None) -> bool:
        from_states = from_states or self.ACTIVE_STATES
        failed = self.claim(
            from_states,
            self.State.FAILED,
            error_code=code[:40],
            error_message=message[:500],
            finished_at=timezone.now(),
            next_action_at=None,
            result_url="",
        )
        if failed:
            log.warning("restoration %s failed: %s: %s", self.code, code, message)
        return failed

    def cancel(self) -> bool:
        """Only a restoration nobody has sent anywhere yet can be cancelled.

        Nothing was paid for it, so its quota charge goes: deleting the cancelled version
        later must not count it (a retry charges it again).
        """
        with transaction.atomic():
            cancelled = self.claim(
                [self.State.QUEUED],
                self.State.CANCELLED,
                finished_at=timezone.now(),
                next_action_at=None,
                error_code="cancelled",
                error_message="Cancelled before it started.",
            )
            if cancelled:
                QuotaCharge.objects.filter(restoration=self).delete()
        return cancelled

    def retry(self) -> bool:
        """Try a failed restoration again from the start: for PicWish, a new paid task.

        Raises QuotaExceeded when that task would pass the owner's monthly quota
        (counted from QuotaCharge, as for a new restoration). A paid retry is charged:
        when the attempt that failed had reached PicWish (it was paid), its charge is
        detached from the restoration so it keeps counting whatever becomes of the
        retry, and the retry gets a charge of its own; when it had not, its charge
        counts again now that the restoration is on its way to being paid.
        """
        if self.state not in (self.State.FAILED, self.State.CANCELLED):
            return False
        paid = self.provider == self.Provider.PICWISH
        if paid:
            check_quota(self.owner)
        already_paid = bool(self.remote_task_id)
        with transaction.atomic():
            retried = self.claim(
                [self.State.FAILED, self.State.CANCELLED],
                self.State.QUEUED,
                remote_task_id="",
                progress=0,
                attempts=0,
                error_code="",
                error_message="",
                next_action_at=None,
                finished_at=None,
                submitted_at=None,
                result_url="",
            )
            if retried and paid:
                charges = QuotaCharge.objects.filter(restoration=self)
                if already_paid:
                    charges.update(restoration=None)
                if already_paid or not charges.exists():
                    QuotaCharge.objects.create(owner=self.owner, restoration=self)
        if retried:
            transaction.on_commit(lambda: enqueue("restorer.tasks.prepare", self.pk))
        return retried

    def prepare_input(self) -> None:
        """Make the copy sent for restoration, once; raises imaging.ImageRejected."""
        with default_storage.open(self.source.name, "rb") as handle:
            picture = imaging.load(handle, max_pixels=settings.MAX_IMAGE_PIXELS)
        if self.source_frame:
            from restorer.regions import Frame

            picture = Frame.from_json(self.source_frame, *picture.size).render_image(picture)
        # PicWish takes at most 2048 x 2048; the embedded engine restores at full resolution
        if self.provider == self.Provider.LOCAL:
            prepared = imaging.prepare_for_restoration(
                picture, max(picture.width, picture.height), max_bytes=None
            )
        else:
            prepared = imaging.prepare_for_restoration(picture, settings.RESTORER_INPUT_MAX_SIDE)
        name = default_storage.save(_stored_name("inputs", "jpg"), ContentFile(prepared.content))
        updated = Restoration.objects.filter(pk=self.pk, input_ready=False).update(
            input=name,
            input_ready=True,
            input_width=prepared.width,
            input_height=prepared.height,
            updated_at=timezone.now(),
        )
        if not updated:  # an earlier delivery of the same task got there first
            delete_stored([name])
            self.refresh_from_db()
            return
        self.input.name, self.input_ready = name, True
        self.input_width, self.input_height = prepared.width, prepared.height

    def store_result(
        self,
        data: bytes,
        *,
        from_state: str,
        notes: str = "",
        colorized: bool | None = None,
        toning_removed: bool = False,
    ) -> bool:
        """Keep a finished result and its renditions; the row becomes done.

        `colorized` says whether colour was added; PicWish adds it whenever asked.
        `toning_removed` says whether a toned print was made neutral (the embedded engine
        only, when asked).

        Raises imaging.ImageRejected when the bytes are not a readable picture.
        """
        import io

        picture = imaging.load(io.BytesIO(data), max_pixels=settings.MAX_IMAGE_PIXELS)
        thumbnail, display = imaging.renditions(picture)
        info = imaging.inspect(io.BytesIO(data), max_pixels=settings.MAX_IMAGE_PIXELS)
        saved: list[str] = []
        try:
            result = default_storage.save(
                _stored_name("results", info.extension), ContentFile(data)
            )
            saved.append(result)
            stem = result.rsplit(".", 1)[0]
            thumb = default_storage.save(f"{stem}-t.jpg", ContentFile(thumbnail.content))
            saved.append(thumb)
            shown = default_storage.save(f"{stem}-d.jpg", ContentFile(display.content))
            saved.append(shown)
        except BaseException:
            delete_stored(saved)
            raise
        now = timezone.now()
        stored = self.claim(
            [from_state],
            self.State.DONE,
            result=result,
            result_width=info.width,
            result_height=info.height,
            result_thumbnail=thumb,
            result_thumbnail_width=thumbnail.width,
            result_thumbnail_height=thumbnail.height,
            result_display=shown,
            result_display_width=display.width,
            result_display_height=display.height,
            progress=100,
            finished_at=now,
            next_action_at=None,
            result_url="",
            staged_result="",
            error_code="",
            error_message="",
            notes=notes,
            colorized=self.change_color if colorized is None else colorized,
            toning_removed=toning_removed,
        )
        if not stored:
            delete_stored(saved)
            return False
        # The prepared input has served its purpose.
        if self.input.name:
            delete_stored([self.input.name])
            Restoration.objects.filter(pk=self.pk).update(input="", input_ready=False)
        return True


def month_start(now=None):
    now = timezone.localtime(now or timezone.now())
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def check_quota(owner) -> None:
    quota = settings.RESTORER_MONTHLY_QUOTA
    if not quota:
        return
    used = QuotaCharge.objects.used_by(owner, month_start())
    if used >= quota:
        start = month_start()
        following = (start + timedelta(days=32)).replace(day=1)
        raise QuotaExceeded(
            f"You have used all {quota} restorations of {start:%B}. "
            f"More can be started from {following:%-d %B}."
        )


def quota_left(owner) -> int | None:
    """Paid restorations this person may still start this month; None: no limit."""
    quota = settings.RESTORER_MONTHLY_QUOTA
    if not quota:
        return None
    return max(0, quota - QuotaCharge.objects.used_by(owner, month_start()))


def check_quota_for(owner, paid: int) -> None:
    """Refuse `paid` more paid restorations at once unless all fit in this month's quota."""
    left = quota_left(owner)
    if left is None or paid <= left:
        return
    start = month_start()
    following = (start + timedelta(days=32)).replace(day=1)
    raise QuotaExceeded(
        f"This needs {paid} paid restorations, and you have {left} left for {start:%B} "
        f"(of {settings.RESTORER_MONTHLY_QUOTA}). Nothing was started: choose fewer photos, "
        f"or wait until {following:%-d %B}."
    )


def enqueue(func: str, *args, **kwargs) -> None:
    from django_q.tasks import async_task

    async_task(func, *args, **kwargs)


def key_fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


class QuotaChargeQuerySet(models.QuerySet):
    def used_by(self, owner, since) -> int:
        """Paid restorations started since `since` that count toward the quota.

        A charge whose restoration still exists counts while that restoration does
        (paid, or on its way to being paid); one whose restoration was deleted, with
        its version or photo, always counts: deleting gives no quota back.
        """
        counting = Restoration.objects.counting_toward_quota(owner, since)
        return (
            self.filter(owner=owner, created_at__gte=since)
            .filter(Q(restoration__isnull=True) | Q(restoration__in=counting))
            .count()
        )


class QuotaCharge(models.Model):
    """A paid restoration started: the record the monthly quota is counted from.

    It outlives its restoration (SET_NULL), so deleting a version or a photo does not
    make room for more paid restorations in the same month.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    restoration = models.ForeignKey(
        Restoration, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = QuotaChargeQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.owner} at {self.created_at:%Y-%m-%d %H:%M}"


class ProviderHold(models.Model):
    """Submissions to a provider stopped until someone fixes the account (a bad key, no credits).

    A hold applies to the key it was placed for: changing PICWISH_API_KEY lifts it,
    and so does deleting it in the admin.
    """

    provider = models.CharField(max_length=10, primary_key=True)
    code = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    key_fingerprint = models.CharField(max_length=16)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.provider}: {self.message}"

    @classmethod
    def current(cls, provider: str = Restoration.Provider.PICWISH) -> ProviderHold | None:
        hold = cls.objects.filter(provider=provider).first()
        if hold and hold.key_fingerprint == key_fingerprint(settings.PICWISH_API_KEY):
            return hold
        return None

    @classmethod
    def place(cls, code: str, message: str, provider: str = Restoration.Provider.PICWISH):
        cls.objects.update_or_create(
            provider=provider,
            defaults={
                "code": code,
                "message": message,
                "key_fingerprint": key_fingerprint(settings.PICWISH_API_KEY),
                "created_at": timezone.now(),
            },
        )
        log.error("submissions to %s stopped: %s: %s", provider, code, message)


class Lease(models.Model):
    """A named lock with an expiry, shared by every worker process through the database."""

    name = models.CharField(max_length=40, primary_key=True)
    holder = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name

    @classmethod
    def acquire(cls, name: str, holder: str, seconds: float) -> bool:
        now = timezone.now()
        try:
            cls.objects.get_or_create(name=name, defaults={"expires_at": now})
        except IntegrityError:
            pass  # created by a competitor a moment ago
        free = Q(expires_at__lt=now) | Q(holder=holder) | Q(holder="")
        taken = cls.objects.filter(Q(name=name) & free).update(
            holder=holder, expires_at=now + timedelta(seconds=seconds)
        )
        return taken == 1

    @classmethod
    def release(cls, name: str, holder: str) -> None:
        cls.objects.filter(name=name, holder=holder).update(holder="", expires_at=timezone.now())

    @classmethod
    def held(cls, name: str) -> bool:
        return (
            cls.objects.filter(name=name, expires_at__gt=timezone.now()).exclude(holder="").exists()
        )


class ApiBudget(models.Model):
    """The next moment an API call may start, shared by every process (see ratelimit.py)."""

    name = models.CharField(max_length=40, primary_key=True)
    next_free_at = models.FloatField(default=0.0)  # Unix seconds
    calls = models.PositiveBigIntegerField(default=0)
    # Seconds added to each spacing, widened by 429s and narrowed by calm calls since.
    margin = models.FloatField(default=0.01)
    calm_calls = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class LoginFailure(models.Model):
    """A failed login, kept an hour or so to slow down password guessing (throttle.py).

    Neither the account's name nor the address is stored in clear: both are keyed hashes.
    """

    subject = models.CharField(max_length=32, db_index=True)  # the username tried
    client = models.CharField(max_length=32, db_index=True)  # the address it came from
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Failed login at {self.at:%Y-%m-%d %H:%M}"
