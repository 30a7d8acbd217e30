"""The client of PicWish's Old Photo Restoration API (see shared/picwish-api.md).

The only code that talks to PicWish. Each ``create_task`` starts a paid task, so this module
never sends a create twice on its own: a create whose answer was lost raises
``CreateOutcomeUnknown`` instead of being retried. Polls go through ``get_task``; an expired
result URL is refreshed with ``get_task``, never with a new create.

The client does no rate limiting of its own: ``throttle`` (a callable) runs immediately before
every request to the API, and the pipeline plugs its shared limiter in there; ``on_send`` runs
right after it, as the request goes out (the dispatcher, which waits for its slot itself, tells
the limiter there when its call really left). Only ``wait()``, the helper of the synchronous
command-line path, sleeps.

No Django here: configuration comes in through the constructor.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import logging
import math
import re
import time
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import requests
import urllib3
from PIL import Image

from restorer import net
from restorer.providers.base import RestoreOptions
from restorer.providers.errors import (
    AuthError,
    BadRequest,
    CreateOutcomeUnknown,
    DeadlineExceeded,
    ImageTooLarge,
    InvalidResult,
    InvalidTaskId,
    MalformedResponse,
    NetworkError,
    NotFound,
    ProviderError,
    RateLimited,
    ResultExpired,
    ServerError,
    TaskFailed,
    UnexpectedStatus,
    scrub,
)

logger = logging.getLogger(__name__)

ENDPOINT = "/api/tasks/visual/restoration-old-photo"
# Documented limit of an uploaded file: under 20 MB.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_CONTENT_TYPES = frozenset({"image/jpeg", "image/png"})
RESULT_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
# Letters, digits and a little punctuation, never only dots (a path segment of its own).
_TASK_ID_RE = re.compile(r"^(?!\.+$)[A-Za-z0-9_.:-]{1,128}$")
# An envelope carries at most a base64 result; anything larger is not an answer to read.
ENVELOPE_SLACK = 1024 * 1024
_BASE64_RE = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")


@dataclass(frozen=True)
class TaskStatus:
    """One answer of the status endpoint, parsed.

    ``state``: 1 done, 0 or > 1 pending, < 0 failed. The result is either ``result_url`` or
    ``result_base64`` (never both). Timestamps are Unix seconds as PicWish sent them; they are
    not guaranteed to be ordered.
    """

    task_id: str
    state: int
    progress: int = 0
    state_detail: str = ""
    result_url: str | None = field(default=None, repr=False)
    result_base64: str | None = field(default=None, repr=False)
    return_type: int | None = None
    created_at: float | None = None
    processed_at: float | None = None
    completed_at: float | None = None
    err_info: str | None = None

    @property
    def is_done(self) -> bool:
        return self.state == 1

    @property
    def is_pending(self) -> bool:
        return self.state == 0 or self.state > 1

    @property
    def is_failed(self) -> bool:
        return self.state < 0

    def failure(self) -> TaskFailed | None:
        """The error for a failed task, or None when the task has not failed."""
        if not self.is_failed:
            return None
        detail = f"task {self.task_id} ended with state {self.state}"
        if self.state_detail:
            detail += f" ({self.state_detail})"
        if self.err_info:
            detail += f": {self.err_info}"
        return TaskFailed(self.state, detail=detail)


# --- parsing -------------------------------------------------------------------------------


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise MalformedResponse(detail=f"{name} is a boolean")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value.strip())
    raise MalformedResponse(detail=f"{name} is not an integer: {str(value)[:40]!r}")


def _as_progress(value: Any) -> int:
    """0 to 100 from whatever was sent: progress only paces the polls, so an odd value
    (text, a fraction, a negative or endless number) counts as no progress reported."""
    if value is None or isinstance(value, bool):
        return 0
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0
    if not math.isfinite(number):
        return 0
    return int(min(100.0, max(0.0, number)))


def _as_timestamp(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        stamp = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return stamp if math.isfinite(stamp) else None


def _split_result(value: str, return_type: int | None) -> tuple[str | None, str | None]:
    """(url, base64) from the ``image`` field, whatever ``return_type`` claims."""
    text = value.strip()
    if text.lower().startswith(("https://", "http://")):
        return text, None
    if text.startswith("data:") and "," in text:
        return None, text.split(",", 1)[1]
    if return_type == 2 or _BASE64_RE.match(text.replace("\n", "").replace("\r", "")):
        return None, text
    raise MalformedResponse(detail="the result is neither a URL nor base64 data")


def parse_status(data: dict[str, Any], *, task_id: str | None = None) -> TaskStatus:
    """A ``TaskStatus`` from the ``data`` object of an envelope."""
    found_id = data.get("task_id") or task_id
    if not isinstance(found_id, str) or not found_id:
        raise MalformedResponse(detail="no task_id in the answer")
    if "state" not in data:
        raise MalformedResponse(detail="no state in the answer")
    state = _as_int(data["state"], "state")
    progress = _as_progress(data.get("progress"))
    return_type = data.get("return_type")
    return_type = _as_int(return_type, "return_type") if return_type is not None else None
    image = data.get("image")
    if not image:
        image = data.get("image_url")
    result_url = result_base64 = None
    if image:
        if not isinstance(image, str):
            raise MalformedResponse(detail="the result field is not a string")
        result_url, result_base64 = _split_result(image, return_type)
    err_info = data.get("err_info")
    return TaskStatus(
        task_id=found_id,
        state=state,
        progress=100 if state == 1 else progress,
        state_detail=str(data.get("state_detail") or ""),
        result_url=result_url,
        result_base64=result_base64,
        return_type=return_type,
        created_at=_as_timestamp(data.get("created_at")),
        processed_at=_as_timestamp(data.get("processed_at")),
        completed_at=_as_timestamp(data.get("completed_at")),
        err_info=str(err_info) if err_info else None,
    )


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, min(seconds, 3600.0))


def validate_image(data: bytes, *, max_pixels: int, formats: Iterable[str] = RESULT_FORMATS):
    """Raise ``InvalidResult`` unless ``data`` is a whole image of an accepted format and size.

    Returns (format, width, height).
    """
    formats = frozenset(formats)
    if not data:
        raise InvalidResult(detail="the result is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image_format = image.format
                width, height = image.size
                if image_format not in formats:
                    raise InvalidResult(
                        detail=f"the result is {image_format}, not an accepted format"
                    )
                if width * height > max_pixels:
                    raise InvalidResult(
                        too_large=True, detail=f"the result is {width} x {height} pixels"
                    )
                image.verify()
            # verify() does not decode the pixels; a full load catches a truncated file.
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    except InvalidResult:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidResult(too_large=True, detail=str(exc)) from None
    except Exception as exc:  # Pillow raises many types for a broken file
        raise InvalidResult(detail=f"the result is not a readable image: {exc}") from None
    return image_format, width, height


# --- the client ----------------------------------------------------------------------------


class PicWishClient:
    """Calls PicWish's Old Photo Restoration API. See the module docstring."""

    def __init__(
        self,
        api_url: str,
        api_key: str,
        *,
        timeout: float | tuple[float, float] = (5, 30),
        poll_interval: float = 1.0,
        poll_timeout: float = 180,
        allowed_result_hosts: Iterable[str] = frozenset(),
        max_result_bytes: int = 50 * 1024 * 1024,
        max_result_pixels: int = 8192 * 8192,
        throttle: Callable[[], None] | None = None,
        on_send: Callable[[], None] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        parts = urlsplit(api_url or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("api_url must be an http(s) URL such as https://techhk.aoscdn.com")
        if not api_key or not isinstance(api_key, str):
            raise ValueError("api_key is required")
        base = api_url.rstrip("/")
        if base.endswith(ENDPOINT):
            base = base[: -len(ENDPOINT)]
        self.api_url = base
        self._endpoint = base + ENDPOINT
        self._api_key = api_key
        if not isinstance(timeout, tuple):
            timeout = (float(timeout), float(timeout))
        self.timeout: tuple[float, float] = timeout
        self.poll_interval = poll_interval
        self.poll_timeout = poll_timeout
        self.allowed_result_hosts = frozenset(allowed_result_hosts)
        self.max_result_bytes = max_result_bytes
        self.max_result_pixels = max_result_pixels
        self.throttle = throttle
        self.on_send = on_send
        self.session = session if session is not None else net.make_session(timeout=timeout)

    def __repr__(self) -> str:
        return f"PicWishClient(api_url={self.api_url!r})"

    # --- API calls ---

    def create_task(
        self,
        image_bytes: bytes,
        *,
        filename: str,
        content_type: str,
        options: RestoreOptions,
    ) -> str:
        """Start an asynchronous restoration (a paid task) and return its task id."""
        data = self._create(image_bytes, filename, content_type, options)
        task_id = data.get("task_id")
        if not isinstance(task_id, str) or not task_id:
            # PicWish answered 200 but we cannot tell which task it started, if any.
            raise CreateOutcomeUnknown(detail="the create answer had no task_id")
        if not _TASK_ID_RE.match(task_id):
            # A task may have started, but no poll can name it safely.
            raise InvalidTaskId(detail=f"task id {task_id[:60]!r}")
        logger.info("PicWish task %s created", task_id)
        return task_id

    def get_task(self, task_id: str) -> TaskStatus:
        """The current state of a task (a poll). Also gives a fresh result URL."""
        if not isinstance(task_id, str) or not _TASK_ID_RE.match(task_id):
            raise ValueError(f"not a PicWish task id: {task_id!r}")
        url = f"{self._endpoint}/{quote(task_id, safe='')}"
        data = self._call("GET", url, for_create=False)
        status = parse_status(data, task_id=task_id)
        if status.task_id != task_id:
            raise MalformedResponse(
                detail=f"asked for task {task_id}, got an answer for {status.task_id}"
            )
        return status

    def fetch_result(self, status: TaskStatus) -> bytes:
        """The restored image of a finished task, checked to be a whole image.

        Raises ``ResultExpired`` when the URL no longer works: call ``get_task`` for a fresh
        one (never create again).
        """
        if status.is_failed:
            raise status.failure()
        if not status.is_done:
            raise ValueError(f"task {status.task_id} is not finished (state {status.state})")
        if status.result_base64:
            data = self._decode_base64(status.result_base64)
        elif status.result_url:
            data = self._download(status.result_url)
        else:
            raise InvalidResult(detail=f"task {status.task_id} is done but has no result")
        validate_image(data, max_pixels=self.max_result_pixels)
        return data

    def wait(self, task_id: str) -> TaskStatus:
        """Poll until the task is done or failed; for the synchronous command-line path only.

        Polls every ``poll_interval`` seconds (longer when PicWish says so with Retry-After),
        rides out retryable errors, and raises ``DeadlineExceeded`` after ``poll_timeout``.
        A failed task is returned, not raised: call ``status.failure()``.
        """
        deadline = time.monotonic() + self.poll_timeout
        last_error: ProviderError | None = None
        while True:
            pause = self.poll_interval
            try:
                status = self.get_task(task_id)
            except ProviderError as exc:
                if not exc.retryable:
                    raise
                last_error = exc
                pause = max(pause, exc.retry_after or 0.0)
                logger.info("Polling task %s: %s; trying again", task_id, exc.code)
            else:
                if not status.is_pending:
                    return status
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                detail = f"task {task_id} still pending"
                if last_error is not None:
                    detail += f"; last error: {last_error.code}"
                raise DeadlineExceeded(seconds=self.poll_timeout, detail=detail)
            time.sleep(min(pause, remaining))

    # --- internals ---

    def _create(
        self,
        image_bytes: bytes,
        filename: str,
        content_type: str,
        options: RestoreOptions,
    ) -> dict[str, Any]:
        if not isinstance(options, RestoreOptions):
            raise ValueError("options must be a RestoreOptions")
        if content_type not in UPLOAD_CONTENT_TYPES:
            raise ValueError(f"PicWish accepts JPEG or PNG uploads, not {content_type!r}")
        if not image_bytes:
            raise ValueError("image_bytes is empty")
        if len(image_bytes) >= MAX_UPLOAD_BYTES:
            # Refuse before sending: the request would cost a call and fail with 413.
            raise ImageTooLarge(status=None, detail=f"{len(image_bytes)} bytes to upload")
        form = {
            "sync": "0",  # asynchronous: the dispatcher polls
            "restoration_type": str(options.restoration_type),
            # PicWish colorizes by default: always say what we want.
            "change_color": "1" if options.change_color else "0",
        }
        if options.uses_model:
            form["model_type"] = str(options.model_type)
        files = {"image_file": (_upload_name(filename, content_type), image_bytes, content_type)}
        return self._call(
            "POST", self._endpoint, for_create=True, data=form, files=files, timeout=self.timeout
        )

    def _call(self, method: str, url: str, *, for_create: bool, **kwargs: Any) -> dict[str, Any]:
        """Send one API request and return the envelope's ``data``, or raise a ProviderError."""
        if self.throttle is not None:
            self.throttle()
        if self.on_send is not None:
            self.on_send()
        kwargs.setdefault("timeout", self.timeout)
        headers = {"X-API-KEY": self._api_key, "Accept": "application/json"}
        what = "create" if for_create else "poll"
        started = time.monotonic()
        try:
            response = self.session.request(method, url, headers=headers, stream=True, **kwargs)
            try:
                body = self._read_body(response, for_create=for_create)
            finally:
                response.close()
        except requests.RequestException as exc:
            raise self._network_error(exc, for_create=for_create) from None
        elapsed = time.monotonic() - started
        try:
            data = self._read_envelope(response, body, for_create=for_create)
        except ProviderError as exc:
            logger.warning(
                "PicWish %s answered HTTP %s in %.2fs: %s (%s)",
                what,
                response.status_code,
                elapsed,
                exc.code,
                exc.detail,
            )
            raise
        logger.debug("PicWish %s answered HTTP %s in %.2fs", what, response.status_code, elapsed)
        return data

    def _network_error(self, exc: requests.RequestException, *, for_create: bool) -> ProviderError:
        detail = scrub(f"{type(exc).__name__}: {exc}", self._api_key)
        never_sent = _never_sent(exc)
        if for_create and not never_sent:
            logger.error(
                "PicWish create may have started a task but its answer was lost: %s", detail
            )
            return CreateOutcomeUnknown(detail=detail)
        logger.warning("PicWish could not be reached: %s", detail)
        return NetworkError(timeout=isinstance(exc, requests.Timeout), detail=detail)

    def _read_body(self, response: requests.Response, *, for_create: bool) -> bytes:
        """The answer's bytes, refusing one larger than any envelope can be."""
        limit = self.max_result_bytes * 4 // 3 + ENVELOPE_SLACK
        # A server dripping bytes just inside the read timeout must not hold the caller.
        deadline = time.monotonic() + sum(self.timeout)
        chunks, size = [], 0
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            too_slow = time.monotonic() > deadline
            if size > limit or too_slow:
                detail = f"HTTP {response.status_code}, " + (
                    f"an answer still arriving after {sum(self.timeout):g} s"
                    if too_slow
                    else f"an answer of more than {limit} bytes"
                )
                if for_create:
                    raise CreateOutcomeUnknown(detail=detail)
                raise MalformedResponse(status=response.status_code, detail=detail)
            chunks.append(chunk)
        return b"".join(chunks)

    def _read_envelope(
        self, response: requests.Response, raw: bytes, *, for_create: bool
    ) -> dict[str, Any]:
        http_status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            body = None
        body_status = None
        message = ""
        if isinstance(body, dict):
            raw_status = body.get("status")
            if isinstance(raw_status, int) and not isinstance(raw_status, bool):
                body_status = raw_status
            elif isinstance(raw_status, str) and raw_status.strip().isdigit():
                body_status = int(raw_status.strip())
            message = scrub(str(body.get("message") or "")[:200], self._api_key)

        if not 200 <= http_status < 300:
            # The HTTP status line is authoritative when it says something went wrong.
            status = http_status
        elif body_status is not None:
            status = body_status
        elif isinstance(body, dict) and isinstance(body.get("data"), dict):
            status = 200
        else:
            status = None

        detail = f"HTTP {http_status}, body status {body_status}"
        if message:
            detail += f": {message}"
        if status is None:
            if for_create:
                raise CreateOutcomeUnknown(detail=f"{detail}; the answer is not the JSON envelope")
            raise MalformedResponse(status=http_status, detail=f"{detail}; not the JSON envelope")
        if status != 200:
            raise error_for_status(
                status, retry_after=retry_after, detail=detail, for_create=for_create
            )
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            if for_create:
                raise CreateOutcomeUnknown(detail=f"{detail}; no data object")
            raise MalformedResponse(status=http_status, detail=f"{detail}; no data object")
        return data

    def _decode_base64(self, text: str) -> bytes:
        compact = "".join(text.split())
        if len(compact) * 3 // 4 > self.max_result_bytes:
            raise InvalidResult(too_large=True, detail=f"{len(compact)} base64 characters")
        compact += "=" * (-len(compact) % 4)
        try:
            if "-" in compact or "_" in compact:
                return base64.urlsafe_b64decode(compact)
            return base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidResult(detail=f"the base64 result does not decode: {exc}") from None

    def _download(self, url: str) -> bytes:
        try:
            return net.fetch_result(
                url,
                max_bytes=self.max_result_bytes,
                allowed_hosts=self.allowed_result_hosts,
                timeout=self.timeout,
            )
        except net.ResultGone as exc:
            raise ResultExpired(status=exc.status, detail=str(exc)) from None
        except net.TooLarge as exc:
            raise InvalidResult(too_large=True, detail=str(exc)) from None
        except net.UnsafeURL as exc:
            raise InvalidResult(detail=f"refused result URL: {exc}") from None
        except net.FetchTimeout as exc:
            raise NetworkError(timeout=True, detail=f"result download: {exc}") from None
        except net.FetchError as exc:
            if exc.status is not None and exc.status >= 500:
                raise ServerError(status=exc.status, detail=f"result download: {exc}") from None
            if exc.status is not None:
                raise UnexpectedStatus(
                    status=exc.status, detail=f"result download: {exc}"
                ) from None
            raise NetworkError(detail=f"result download: {exc}") from None


def _upload_name(filename: str, content_type: str) -> str:
    """A plain ASCII file name for the upload (PicWish only needs the extension to be right)."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", (filename or "").rsplit("/", 1)[-1]).strip("._")
    stem = stem.rsplit(".", 1)[0][:80] or "photo"
    return f"{stem}.{'png' if content_type == 'image/png' else 'jpg'}"


def error_for_status(
    status: int,
    *,
    retry_after: float | None = None,
    detail: str = "",
    for_create: bool = False,
) -> ProviderError:
    """The ProviderError for a non-200 ``status`` (from the HTTP line or the body)."""
    if status == 400:
        return BadRequest(detail=detail)
    if status == 401:
        return AuthError(detail=detail)
    if status == 404:
        return NotFound(for_create=for_create, detail=detail)
    if status == 413:
        return ImageTooLarge(detail=detail)
    if status == 429:
        return RateLimited(retry_after=retry_after, detail=detail)
    if status == 504 and for_create:
        # A gateway timeout is our own read timeout one hop further: PicWish may have
        # accepted the photo and started a paid task behind the gateway.
        return CreateOutcomeUnknown(status=status, detail=detail)
    if 500 <= status <= 599:
        return ServerError(status=status, retry_after=retry_after, detail=detail)
    return UnexpectedStatus(status=status, detail=detail)


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the request certainly did not reach the server (the connection never opened).

    A read timeout or a connection dropped mid-answer may follow a request the server received
    and acted on.
    """
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return True
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout):
        reason = exc.args[0] if exc.args else None
        reason = getattr(reason, "reason", reason)
        return isinstance(
            reason,
            urllib3.exceptions.NewConnectionError | urllib3.exceptions.NameResolutionError,
        )
    return False
