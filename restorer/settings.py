"""Settings for the old-photo restorer.

Everything comes from environment variables (see README.md, "Configuration").
With none set, the project runs on one machine: SQLite, files under ./data,
django-q2 on its ORM broker, and the embedded restoration engine.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from restorer.env import envbool, envchoice, envfloat, envint, envlist, envsize, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(envstr("DATA_DIR", str(BASE_DIR / "data"))).resolve()


def _secret_key() -> str:
    """The configured key, or one generated once and kept in DATA_DIR.

    A self-hosted install should not need a hand-made key to start, and must not
    get a new one per restart (that would log everybody out).
    """
    configured = envstr("SECRET_KEY", "")
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first; read theirs
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
SITE_URL = envstr("SITE_URL", "http://localhost:8000").rstrip("/")
SITE_NAME = envstr("SITE_NAME", "Old Photo Restorer")

_site = urlsplit(SITE_URL)
if _site.scheme not in ("http", "https") or not _site.netloc:
    raise ImproperlyConfigured(
        f"Environment variable SITE_URL={SITE_URL!r} is invalid: expected an absolute "
        "http(s) URL such as https://photos.example.org."
    )
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Before django_q: its `qcluster` command is this project's (with the supervisor).
    "restorer",
    "django_q",
    "restorer.accounts",
    "restorer.api",
    "albums",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "restorer.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Both refuse from the headers, before the CSRF check reads the body.
    "restorer.middleware.RequestSizeLimitMiddleware",
    "albums.middleware.UploadLimitsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "restorer.urls"
WSGI_APPLICATION = "restorer.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "restorer.context_processors.site",
            ],
        },
    },
]

# Database: SQLite under DATA_DIR unless DATABASE_URL says otherwise.
DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}")
try:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 0))
except ValueError as exc:
    raise ImproperlyConfigured(f"Environment variable DATABASE_URL is invalid: {exc}.") from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the worker write at once: WAL lets readers go on while
    # one writes, IMMEDIATE takes the write lock at BEGIN (no deadlocking
    # upgrade from a read lock), and the timeout makes writers queue, not fail.
    _database["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": envint("SQLITE_BUSY_TIMEOUT", 20, minimum=1),
    }
    if not DATABASE_URL.startswith("sqlite://:memory:"):
        Path(_database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "restorer.accounts.validators.CommonPatternValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "albums:index"
LOGOUT_REDIRECT_URL = "albums:index"

LANGUAGE_CODE = "en-us"
TIME_ZONE = envstr("TIME_ZONE", "UTC")
try:
    import zoneinfo

    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"Environment variable TIME_ZONE={TIME_ZONE!r} is invalid: expected a zone such as "
        "Europe/Paris or UTC."
    ) from None
USE_I18N = True
USE_TZ = True

# Static files: collected into STATIC_ROOT and served by whitenoise.
STATIC_URL = "/static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# Uploaded and restored files. There is deliberately no public media URL: every
# file is served by a view that checks who is asking, through restorer.files.serve_file.
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(DATA_DIR / "media"))).resolve()
MEDIA_URL = "/media-is-not-served/"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"file_permissions_mode": 0o640},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# S3-compatible object storage instead of MEDIA_ROOT when S3_BUCKET is set. The bucket
# stays private: no ACLs are sent, and a browser gets a presigned URL that lives
# S3_URL_EXPIRY seconds, only after the same access check as for local files
# (restorer.files.serve_file). Static files stay on whitenoise either way.
S3_BUCKET = envstr("S3_BUCKET", "")
S3_ENDPOINT_URL = envstr("S3_ENDPOINT_URL", "")
S3_REGION = envstr("S3_REGION", "us-east-1")
S3_LOCATION = envstr("S3_LOCATION", "").strip("/")
S3_URL_EXPIRY = envint("S3_URL_EXPIRY", 300, minimum=10, maximum=3600)
S3_ADDRESSING_STYLE = envchoice("S3_ADDRESSING_STYLE", "auto", ("auto", "path", "virtual"))
if S3_ENDPOINT_URL and urlsplit(S3_ENDPOINT_URL).scheme not in ("http", "https"):
    raise ImproperlyConfigured(
        f"Environment variable S3_ENDPOINT_URL={S3_ENDPOINT_URL!r} is invalid: expected an "
        "http(s) URL such as https://s3.eu-central-1.amazonaws.com."
    )
if S3_BUCKET:
    from botocore.config import Config as _BotoConfig

    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": S3_ENDPOINT_URL or None,
            "region_name": S3_REGION,
            # Empty: boto3's own chain (AWS_* variables, an instance role, ~/.aws).
            "access_key": envstr("S3_ACCESS_KEY_ID", "") or None,
            "secret_key": envstr("S3_SECRET_ACCESS_KEY", "") or None,
            "location": S3_LOCATION,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": S3_URL_EXPIRY,
            "file_overwrite": False,
            "client_config": _BotoConfig(
                signature_version="s3v4",
                s3={"addressing_style": S3_ADDRESSING_STYLE},
                connect_timeout=5,
                read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},
            ),
        },
    }

# Uploads.
MAX_UPLOAD_SIZE = envsize("MAX_UPLOAD_SIZE", 50 * 1024 * 1024, minimum=1024)
MAX_IMAGE_PIXELS = envint("MAX_IMAGE_PIXELS", 100_000_000, minimum=1_000_000)
MAX_UPLOAD_FILES = envint("MAX_UPLOAD_FILES", 200, minimum=1)
# Pictures up to this many pixels get their thumbnails while the upload request
# is answered; larger ones in the worker, so the web process stays responsive.
UPLOAD_INLINE_MAX_PIXELS = envint("UPLOAD_INLINE_MAX_PIXELS", 16_000_000, minimum=0)
DATA_UPLOAD_MAX_NUMBER_FILES = MAX_UPLOAD_FILES
# The largest request accepted, judged by its Content-Length before anything is read.
MAX_REQUEST_SIZE = envsize("MAX_REQUEST_SIZE", 1024 * 1024 * 1024, minimum=1024 * 1024)
# Bytes of originals one person may keep; 0: no limit.
STORAGE_QUOTA_PER_PERSON = envsize("STORAGE_QUOTA_PER_PERSON", 0, minimum=0)
FILE_UPLOAD_PERMISSIONS = 0o640
PHOTOS_PER_PAGE = envint("PHOTOS_PER_PAGE", 60, minimum=1, maximum=1000)

# E-mail: printed to the console until an SMTP host is configured.
EMAIL_HOST = envstr("EMAIL_HOST", "")
EMAIL_PORT = envint("EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30, minimum=1)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true.")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", f"{SITE_NAME} <noreply@{_site.hostname}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work (django-q2). The ORM broker keeps the queue in the database.
Q_TIMEOUT = envint("Q_TIMEOUT", 300, minimum=10)
Q_RETRY = envint("Q_RETRY", Q_TIMEOUT * 2, minimum=11)
if Q_RETRY <= Q_TIMEOUT:
    raise ImproperlyConfigured(
        f"Q_RETRY ({Q_RETRY}) must be larger than Q_TIMEOUT ({Q_TIMEOUT}), or django-q2 "
        "hands a task that is still running to a second worker."
    )
Q_CLUSTER = {
    "name": "restorer",
    "workers": envint("Q_WORKERS", 2, minimum=1),
    "timeout": Q_TIMEOUT,
    "retry": Q_RETRY,
    "max_attempts": 3,
    "ack_failures": True,
    "orm": "default",
    "poll": envfloat("Q_POLL", 0.5, minimum=0.05),
    "save_limit": 500,
    "label": "Background tasks",
    "catch_up": False,
}

# Redis, when REDIS_URL is set: django-q2's queue and Django's cache. Without it the
# queue lives in the database and the cache in files under DATA_DIR, which every
# process of this machine shares (the workers' heartbeats are read from it).
REDIS_URL = envstr("REDIS_URL", "")
if REDIS_URL:
    if urlsplit(REDIS_URL).scheme not in ("redis", "rediss", "unix"):
        raise ImproperlyConfigured(
            f"Environment variable REDIS_URL={REDIS_URL!r} is invalid: expected a URL such as "
            "redis://127.0.0.1:6379/0."
        )
    del Q_CLUSTER["orm"]
    Q_CLUSTER["redis"] = REDIS_URL
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "restorer",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

# How many machines run this site's web servers and workers together. More than one
# needs a shared database (PostgreSQL) and shared storage (S3); see restorer/checks.py.
MACHINES = envint("MACHINES", 1, minimum=1)

# Security headers; production values are described in README.md.
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", _site.scheme == "https")
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", _site.scheme == "https")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
# Monitoring that sends `Authorization: Bearer <HEALTHZ_TOKEN>` gets /healthz's details.
HEALTHZ_TOKEN = envstr("HEALTHZ_TOKEN", "")
# Load balancers probe the health endpoint over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if envbool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOG_LEVEL = envstr("LOG_LEVEL", "INFO").upper()
if LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(
        f"Environment variable LOG_LEVEL={LOG_LEVEL!r} is invalid: expected DEBUG, INFO, "
        "WARNING, ERROR or CRITICAL."
    )
# One line per event on standard output (tracebacks folded into it), with the job and
# photo on every line logged while a restoration is being worked on (restorer/logs.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"job": {"()": "restorer.logs.JobFilter"}},
    "formatters": {"line": {"()": "restorer.logs.OneLineFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "line",
            "filters": ["job"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # django-q2 adds a handler of its own unless it finds one.
        "django-q": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
    },
}

# The web server, gunicorn: started by `manage.py up`, or on its own with
# `gunicorn -c python:restorer.gunicorn_config restorer.wsgi`.
BIND = envstr("BIND", "127.0.0.1:8000")
WEB_WORKERS = envint("WEB_WORKERS", 2, minimum=1)
WEB_TIMEOUT = envint("WEB_TIMEOUT", 120, minimum=5)
WEB_GRACEFUL_TIMEOUT = envint("WEB_GRACEFUL_TIMEOUT", 30, minimum=1)
WEB_KEEPALIVE = envint("WEB_KEEPALIVE", 5, minimum=1)
# Threads per worker (gunicorn's gthread worker when above 1). A visitor on a slow line
# holds a thread for as long as a download takes to reach them, and a burst of uploads
# holds several: with enough threads other requests, such as the load balancer's health
# probe, are still served. 2 workers x 24 threads leave room beside 20 slow readers even
# when the kernel hands them all to one worker; a buffering proxy in front frees them
# sooner (docs/deploy.md).
WEB_THREADS = envint("WEB_THREADS", 24, minimum=1)
WEB_MAX_REQUESTS = envint("WEB_MAX_REQUESTS", 1000, minimum=0)
# Addresses of the reverse proxies whose X-Forwarded-* headers gunicorn believes.
WEB_FORWARDED_ALLOW_IPS = envstr("WEB_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Restoration: PicWish when a key is set, else the embedded engine.
PICWISH_API_KEY = envstr("PICWISH_API_KEY", "")
PICWISH_API_URL = envstr("PICWISH_API_URL", "https://techhk.aoscdn.com")
PICWISH_QPS = envfloat("PICWISH_QPS", 2.0, minimum=0.05, maximum=100)
PICWISH_POLL_INTERVAL = envfloat("PICWISH_POLL_INTERVAL", 1.0, minimum=0.05, maximum=60)
PICWISH_POLL_TIMEOUT = envfloat("PICWISH_POLL_TIMEOUT", 180, minimum=5)
PICWISH_FIRST_POLL = envfloat("PICWISH_FIRST_POLL", 5.0, minimum=0.1, maximum=120)
PICWISH_REQUEST_TIMEOUT = envfloat("PICWISH_REQUEST_TIMEOUT", 30, minimum=1, maximum=600)
PICWISH_ALLOWED_RESULT_HOSTS = envlist("PICWISH_ALLOWED_RESULT_HOSTS", [])
RESTORER_PROVIDER = envchoice(
    "RESTORER_PROVIDER", "picwish" if PICWISH_API_KEY else "local", ("picwish", "local")
)
if RESTORER_PROVIDER == "picwish" and not PICWISH_API_KEY:
    raise ImproperlyConfigured(
        "RESTORER_PROVIDER is picwish but PICWISH_API_KEY is empty: set the key, or set "
        "RESTORER_PROVIDER=local to use the embedded engine."
    )
for _hostport in PICWISH_ALLOWED_RESULT_HOSTS:
    if not re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+:\d{1,5}", _hostport):
        raise ImproperlyConfigured(
            f"PICWISH_ALLOWED_RESULT_HOSTS entry {_hostport!r} is invalid: expected host:port."
        )
# The embedded engine colorizes black-and-white photos only with a model: an ONNX file
# that follows the contract in restorer/engine/colorize.py. Nothing is ever downloaded.
RESTORER_COLORIZE_MODEL = envstr("RESTORER_COLORIZE_MODEL", "")
# which damage detector the embedded engine uses; the learned one is still being judged
RESTORER_DAMAGE_DETECTOR = envchoice(
    "RESTORER_DAMAGE_DETECTOR", "classical", ("classical", "learned")
)
if RESTORER_COLORIZE_MODEL and not Path(RESTORER_COLORIZE_MODEL).is_file():
    raise ImproperlyConfigured(
        f"RESTORER_COLORIZE_MODEL={RESTORER_COLORIZE_MODEL!r} is not a file: give the path of "
        "an ONNX colorization model, or leave it empty."
    )
# Paid PicWish restorations a person may start per calendar month; 0 means no limit.
RESTORER_MONTHLY_QUOTA = envint("RESTORER_MONTHLY_QUOTA", 0, minimum=0)
# The longest side of the picture sent for restoration (PicWish takes at most 2048).
RESTORER_INPUT_MAX_SIDE = envint("RESTORER_INPUT_MAX_SIDE", 2048, minimum=256, maximum=2048)
# How long one run of the dispatcher (the task that owns every PicWish call) lasts
# before handing over to a fresh task, and how long its lease outlives a dead worker.
RESTORER_DISPATCH_SECONDS = envint("RESTORER_DISPATCH_SECONDS", 50, minimum=5)
RESTORER_LEASE_SECONDS = envint("RESTORER_LEASE_SECONDS", 2, minimum=2)
if RESTORER_DISPATCH_SECONDS + 30 > Q_TIMEOUT:
    raise ImproperlyConfigured(
        f"RESTORER_DISPATCH_SECONDS ({RESTORER_DISPATCH_SECONDS}) must be at least 30 s below "
        f"Q_TIMEOUT ({Q_TIMEOUT}), or the worker stops the dispatcher in the middle of a call."
    )

# The PicWish-compatible API this site serves (restorer/api/).
# Requests per second per key, polls included (PicWish's own limit is 2).
API_QPS = envfloat("API_QPS", 2.0, minimum=0.01, maximum=1000)
# Seconds after which a task's picture and result are deleted (by the watchdog).
API_RESULT_RETENTION = envint("API_RESULT_RETENTION", 24 * 3600, minimum=60)
# Seconds a signed result link works, as PicWish's do.
API_RESULT_URL_SECONDS = envint("API_RESULT_URL_SECONDS", 3600, minimum=10, maximum=7 * 86400)
# Seconds a sync=1 request waits for its result before answering like sync=0.
API_SYNC_TIMEOUT = envfloat("API_SYNC_TIMEOUT", 60, minimum=0, maximum=600)
# Files must be smaller than this (PicWish: less than 20 MB).
API_MAX_FILE_SIZE = envsize("API_MAX_FILE_SIZE", 20 * 1024 * 1024, minimum=1024)
# Seconds an image_url download may take in all.
API_IMAGE_URL_TIMEOUT = envfloat("API_IMAGE_URL_TIMEOUT", 10, minimum=0.5, maximum=60)
# host:port pairs whose image_url may be fetched over http on private addresses (tests only).
API_IMAGE_URL_ALLOWED_HOSTS = envlist("API_IMAGE_URL_ALLOWED_HOSTS", [])
if API_SYNC_TIMEOUT + 10 > WEB_TIMEOUT:
    raise ImproperlyConfigured(
        f"API_SYNC_TIMEOUT ({API_SYNC_TIMEOUT:g}) must be at least 10 s below WEB_TIMEOUT "
        f"({WEB_TIMEOUT}), or gunicorn stops a sync=1 request while it waits."
    )
