"""Log lines for machines that collect standard output: one line per event.

Every line logged while a restoration is being worked on ends with ``job=<code>``
and, when the gallery shows it as a photo, ``photo=<code>``, so the lines of one
photo can be found across web and worker machines with a plain ``grep``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_job: ContextVar[str] = ContextVar("restorer_log_job", default="")
_photo: ContextVar[str] = ContextVar("restorer_log_photo", default="")


@contextmanager
def job_context(restoration) -> Iterator[None]:
    """Tag the lines logged inside the block with this restoration and its photo."""
    job_token = _job.set(restoration.code)
    photo_token = _photo.set(_photo_code(restoration))
    try:
        yield
    finally:
        _job.reset(job_token)
        _photo.reset(photo_token)


def _photo_code(restoration) -> str:
    # The gallery links a photo to each restoration through a one-to-one "version";
    # read it by name so that this package never imports the gallery.
    try:
        version = restoration.version
    except Exception:  # no photo shows this restoration (or the gallery is not installed)
        return ""
    try:
        return version.photo.code
    except Exception:
        return ""


class JobFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.job = _job.get()
        record.photo = _photo.get()
        return True


# Secrets that travel in URLs: share-link and invitation tokens, the links that confirm
# an e-mail address, password-reset links. Whoever reads the logs must not be able to open them.
_SECRET_PATHS = re.compile(
    r"(?P<prefix>/s/|/invitations/|/signup/confirm/|/email/confirm/)[^/\s?#\"']+"
    r"|(?P<reset>/password/reset/)(?!done/|sent/|complete/)[^/\s?#\"']+/[^/\s?#\"']+"
)


def redact(text: str) -> str:
    """`text` with every secret of a URL path replaced by [token]."""
    return _SECRET_PATHS.sub(lambda m: (m["prefix"] or m["reset"]) + "[token]", text)


class OneLineFormatter(logging.Formatter):
    """``2026-11-24T12:00:00.123Z INFO restorer.tasks message job=… photo=…``.

    Line breaks in messages and tracebacks are written as ``\\n`` so that a log
    collector never splits one event into several.
    """

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            message = f"{message}\n{record.exc_text}"
        if record.stack_info:
            message = f"{message}\n{self.formatStack(record.stack_info)}"
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", self.converter(record.created))
        line = f"{stamp}.{int(record.msecs):03d}Z {record.levelname} {record.name} {message}"
        for key in ("job", "photo"):
            value = getattr(record, key, "")
            if value:
                line += f" {key}={value}"
        return redact(line).replace("\r", "").replace("\n", "\\n")
