"""API keys and the tasks clients start with them.

A key is shown once, when made; only its SHA-256 is stored. A task is a thin record
over a `Restoration`: which key started it, how its result is wanted, and what went
wrong before a restoration could exist (a picture that could not be fetched or read).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from restorer.models import Restoration, month_start

KEY_PREFIX = "rk_"


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet):
    def active(self) -> ApiKeyQuerySet:
        return self.filter(revoked_at__isnull=True)

    def with_usage(self) -> ApiKeyQuerySet:
        """Each key with `tasks_total` and `tasks_this_month`."""
        return self.annotate(
            tasks_total=Count("tasks"),
            tasks_this_month=Count("tasks", filter=Q(tasks__created_at__gte=month_start())),
        )


class ApiKey(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    # The first characters of the key, shown so a person can tell their keys apart.
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The code of one of the owner's albums that keeps this key's results, when the owner
    # asks for it (restorer/api/keeping.py); empty: results stay out of every album.
    album_code = models.CharField(max_length=16, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, owner, name: str) -> tuple[ApiKey, str]:
        """A new key for `owner`; the secret is returned here and never again."""
        secret = KEY_PREFIX + secrets.token_urlsafe(30)
        key = cls.objects.create(
            owner=owner, name=name, prefix=secret[:10], key_hash=hash_key(secret)
        )
        return key, secret

    @classmethod
    def authenticate(cls, secret: str) -> ApiKey | None:
        if not secret or len(secret) > 200:
            return None
        key = (
            cls.objects.active()
            .select_related("owner")
            .filter(key_hash=hash_key(secret), owner__is_active=True)
            .first()
        )
        if key is not None and (
            key.last_used_at is None or timezone.now() - key.last_used_at > timedelta(minutes=1)
        ):
            # At most a write a minute per key, not one per request.
            key.last_used_at = timezone.now()
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=key.last_used_at)
        return key

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def revoke(self) -> bool:
        revoked = (
            ApiKey.objects.filter(pk=self.pk, revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )
            == 1
        )
        self.refresh_from_db(fields=["revoked_at"])
        return revoked

    @property
    def budget_name(self) -> str:
        """The rate limiter's row for this key (restorer.api.ratelimit)."""
        return f"api-key:{self.pk}"


class ApiTaskQuerySet(models.QuerySet):
    def past_retention(self, now=None) -> ApiTaskQuerySet:
        now = now or timezone.now()
        cutoff = now - timedelta(seconds=settings.API_RESULT_RETENTION)
        return self.filter(created_at__lt=cutoff, purged_at__isnull=True)


class ApiTask(models.Model):
    """One call of the create endpoint."""

    class ReturnType(models.IntegerChoices):
        URL = 1, "URL"
        BASE64 = 2, "base64"

    task_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.ForeignKey(ApiKey, models.CASCADE, related_name="tasks")
    restoration = models.OneToOneField(
        Restoration, models.SET_NULL, null=True, blank=True, related_name="api_task"
    )
    return_type = models.PositiveSmallIntegerField(
        choices=ReturnType.choices, default=ReturnType.URL
    )
    restoration_type = models.PositiveSmallIntegerField(default=0)
    model_type = models.PositiveSmallIntegerField(default=1)
    change_color = models.BooleanField(default=True)
    image_url = models.CharField(max_length=512, blank=True)
    # The picture the client sent or we fetched: the restoration's source, owned here.
    source = models.CharField(max_length=255, blank=True)
    # A failure before any restoration existed, in PicWish's codes (-3, -5, -7).
    failure_state = models.SmallIntegerField(null=True, blank=True)
    failure_detail = models.CharField(max_length=300, blank=True)
    download_ms = models.PositiveIntegerField(null=True, blank=True)
    # Its picture and result went to an album of the owner's (the key's setting), which
    # keeps them: retention then forgets the task but deletes nothing.
    kept_in_album = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    # When its files were deleted (API_RESULT_RETENTION); the row stays for the usage counts.
    purged_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTaskQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API task"

    def __str__(self) -> str:
        return str(self.task_id)

    @property
    def options(self):
        from restorer.providers.base import RestoreOptions

        return RestoreOptions(
            restoration_type=self.restoration_type,
            model_type=self.model_type,
            change_color=self.change_color,
        )

    def fail_early(self, state: int, detail: str) -> None:
        """The picture never became a restoration; the client reads `state` < 0."""
        ApiTask.objects.filter(pk=self.pk, restoration__isnull=True).update(
            failure_state=state, failure_detail=detail[:300]
        )
        self.failure_state, self.failure_detail = state, detail[:300]
