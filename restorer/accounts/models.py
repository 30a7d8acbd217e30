from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import models
from django.utils import timezone

SIGNUP_DAYS = 3  # how long a confirmation link works


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class PendingSignup(models.Model):
    """A signup waiting for its e-mail address to be proved, by the link sent there.

    No account exists until then, so an address nobody proved never blocks its owner,
    and the answer to a signup never says whether the address has an account.
    """

    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    username = models.CharField(max_length=150)
    email = models.EmailField()
    password = models.CharField(max_length=128)  # hashed, as Django stores passwords
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} (waiting since {self.created_at:%Y-%m-%d %H:%M})"

    @classmethod
    def start(cls, *, username: str, email: str, password_hash: str) -> tuple[PendingSignup, str]:
        token = secrets.token_urlsafe(24)
        cls.objects.filter(created_at__lt=timezone.now() - timedelta(days=SIGNUP_DAYS)).delete()
        pending = cls.objects.create(
            token_hash=hash_token(token), username=username, email=email, password=password_hash
        )
        return pending, token

    @classmethod
    def find(cls, token: str) -> PendingSignup | None:
        if not token or len(token) > 64:
            return None
        since = timezone.now() - timedelta(days=SIGNUP_DAYS)
        return cls.objects.filter(token_hash=hash_token(token), created_at__gte=since).first()
