"""System checks for the mistakes people make when they deploy this site.

They run with every management command (`manage.py check`, `migrate`, `qcluster` …),
except the S3 one, which talks to the network and so runs with `check --deploy`.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

LOCAL_HOST_SUFFIXES = (".localhost", ".local", ".lan", ".internal", ".home.arpa", ".test")
# django-q2 hands a task out again `retry` seconds after a worker took it. A task can
# wait in the worker's own queue before it starts and then run for `timeout`, so
# `retry` needs room beyond `timeout`, or a second worker runs a task still running.
RETRY_MARGIN = 1.5


@register("restorer")
def check_provider(app_configs, **kwargs):
    if settings.RESTORER_PROVIDER == "picwish" and not settings.PICWISH_API_KEY.strip():
        return [
            Error(
                "Restorations go to PicWish but PICWISH_API_KEY is empty.",
                hint="Set PICWISH_API_KEY, or RESTORER_PROVIDER=local for the embedded engine.",
                id="restorer.E001",
            )
        ]
    return []


@register("restorer")
def check_task_timeouts(app_configs, **kwargs):
    cluster = settings.Q_CLUSTER
    timeout, retry = cluster.get("timeout"), cluster.get("retry")
    if timeout is None or retry is None:
        return [
            Error(
                "django-q2 runs without a task timeout or retry time.",
                hint="Keep Q_CLUSTER's timeout and retry (set them with Q_TIMEOUT and Q_RETRY).",
                id="restorer.E002",
            )
        ]
    if retry < timeout * RETRY_MARGIN:
        return [
            Error(
                f"Q_TIMEOUT ({timeout} s) is not well below Q_RETRY ({retry} s): a task still "
                "running can be handed to a second worker.",
                hint=f"Set Q_RETRY to at least {RETRY_MARGIN:g} x Q_TIMEOUT "
                f"({int(timeout * RETRY_MARGIN)}), or leave it unset (2 x Q_TIMEOUT).",
                id="restorer.E003",
            )
        ]
    return []


@register("restorer")
def check_machines(app_configs, **kwargs):
    if settings.MACHINES <= 1:
        return []
    problems = []
    if database_engine() == "django.db.backends.sqlite3":
        problems.append(
            Error(
                f"MACHINES={settings.MACHINES} but the database is SQLite, a file that only "
                "one machine can use.",
                hint="Set DATABASE_URL to a PostgreSQL database, e.g. "
                "postgres://photos:password@db.internal:5432/photos.",
                id="restorer.E004",
            )
        )
    if settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"):
        problems.append(
            Warning(
                f"MACHINES={settings.MACHINES} but files are stored on local disk "
                f"({settings.MEDIA_ROOT}): a photo uploaded on one machine is missing on the "
                "others.",
                hint="Set S3_BUCKET (with S3_ENDPOINT_URL, S3_REGION and credentials), or make "
                "sure MEDIA_ROOT is one shared file system on every machine.",
                id="restorer.W005",
            )
        )
    return problems


def database_engine() -> str:
    return settings.DATABASES["default"]["ENGINE"]


@register("restorer")
def check_debug_on_public_host(app_configs, **kwargs):
    if not settings.DEBUG:
        return []
    public = [host for host in settings.ALLOWED_HOSTS if is_public_host(host)]
    if not public:
        return []
    return [
        Warning(
            "DEBUG is on while the site answers to " + ", ".join(public) + ": error pages "
            "show settings and code to anybody.",
            hint="Set DEBUG=false on any server others can reach.",
            id="restorer.W006",
        )
    ]


def is_public_host(host: str) -> bool:
    name = host.strip().lower().lstrip(".")
    if name in ("*", ""):
        return True
    if name in ("localhost", "testserver") or name.endswith(LOCAL_HOST_SUFFIXES):
        return False
    try:
        address = ipaddress.ip_address(name.strip("[]"))
    except ValueError:
        return True  # a DNS name
    return address.is_global


@register(Tags.security, deploy=True)
def check_bucket_reachable(app_configs, **kwargs):
    from restorer.files import is_object_storage

    if not is_object_storage():
        return []
    problem = bucket_problem()
    if problem is None:
        return []
    return [
        Error(
            f"The S3 bucket {settings.S3_BUCKET!r} cannot be used: {problem}",
            hint="Check S3_BUCKET, S3_ENDPOINT_URL, S3_REGION and the credentials "
            "(S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY), and that the bucket exists.",
            id="restorer.E007",
        )
    ]


def bucket_problem() -> str | None:
    """None when the configured bucket answers, else what went wrong, in words."""
    from botocore.exceptions import BotoCoreError, ClientError
    from django.core.files.storage import default_storage

    try:
        default_storage.connection.meta.client.head_bucket(Bucket=default_storage.bucket_name)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        return f"the store answered {error.get('Code', '?')} {error.get('Message', '')}".strip()
    except BotoCoreError as exc:
        return str(exc)
    return None


# The secrets docs/production.env holds as examples all contain this; none is a secret.
PLACEHOLDER = "change-me"


@register(Tags.security, deploy=True)
def check_placeholder_secrets(app_configs, **kwargs):
    storage = settings.STORAGES["default"].get("OPTIONS", {})
    secrets = {
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": settings.DATABASE_URL,
        "S3_ACCESS_KEY_ID": storage.get("access_key") or "",
        "S3_SECRET_ACCESS_KEY": storage.get("secret_key") or "",
        "PICWISH_API_KEY": settings.PICWISH_API_KEY,
        "EMAIL_HOST_PASSWORD": settings.EMAIL_HOST_PASSWORD,
        "HEALTHZ_TOKEN": settings.HEALTHZ_TOKEN,
    }
    return [
        Error(
            f"{name} still holds the example value from docs/production.env.",
            hint=f"Replace every {PLACEHOLDER} value with a real secret, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(50))' for SECRET_KEY.",
            id="restorer.E008",
        )
        for name, value in secrets.items()
        if PLACEHOLDER in str(value).lower()
    ]
