"""A fake PicWish Old Photo Restoration API: a real HTTP server on 127.0.0.1 for tests.

It follows shared/picwish-api.md: the create and status endpoints, the JSON envelope, the
``X-API-KEY`` header, the status codes (400, 401, 404, 413, 429 with Retry-After, 5xx), task
states including every failure, results as an expiring signed URL (served here, answering 403
like an object store once expired) or as base64, under ``image`` or ``image_url``.

In a test::

    with FakePicWish(latency=0.2, qps=2) as fake:
        client = PicWishClient(fake.url, fake.api_key, allowed_result_hosts={fake.result_host})
        ...
        assert fake.create_count() == 1

As a process (benchmarks, multi-process tests)::

    python tests/fakes/picwish_server.py --port 0 --latency 4-8 --qps 2 --key K

prints its URL on the first line of stdout and serves until SIGTERM or SIGINT. Its request
log is at ``GET /_fake/log`` (JSON) and its settings can be changed with ``POST /_fake/config``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import io
import json
import math
import random
import re
import secrets
import signal
import sys
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from PIL import Image, ImageOps

ENDPOINT = "/api/tasks/visual/restoration-old-photo"
MAX_DIMENSION = 2048
DEFAULT_MAX_UPLOAD = 20 * 1024 * 1024
DEFAULT_ERROR_STATUSES = (500, 502, 503)

# Answers no careful server sends, each given to one task (FakePicWish.poison_next):
# the create answer's task id or body, or later every status answer of the task.
CREATE_POISONS = {
    "task_id_path": "a task id that is a path: ../../../etc/passwd",
    "task_id_long": "a task id of 500 characters",
    "task_id_number": "a task id that is a number",
    "create_not_json": "an HTML page instead of the JSON envelope",
    "create_huge": "a body of HUGE_BODY_BYTES",
}
POLL_POISONS = {
    "poll_not_json": "an HTML page instead of the JSON envelope",
    "poll_huge": "a body of HUGE_BODY_BYTES",
    "poll_no_data": "an envelope whose data is a string",
    "poll_wrong_task": "an answer about another task",
    "state_text": "a state that is a word",
    "progress_absurd": "progress and times that are absurd (NaN, text, 1e300, negative)",
    "result_not_string": "a finished task whose image is an object",
    "result_neither": "a finished task whose image is neither a URL nor base64",
    "result_bad_base64": "a finished task whose image is broken base64",
    "result_wrong_host": "a finished task whose image URL is the cloud metadata address",
    "result_not_picture": "a finished task whose image URL serves text",
    "result_missing": "a finished task without an image",
}
POISONS = {**CREATE_POISONS, **POLL_POISONS}
HUGE_BODY_BYTES = 4 * 1024 * 1024

Latency = float | tuple[float, float]
FailureRule = Callable[["FakeTask"], int | None]

_ERROR_MESSAGES = {
    400: "Invalid parameter",
    401: "Unauthorized: invalid API key or service not enabled",
    402: "Insufficient credits",
    404: "Not found",
    413: "File too large",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
}
_STATE_DETAILS = {
    -1: "Failed",
    -2: "Result upload failed",
    -3: "Image download failed",
    -5: "Image too large",
    -7: "Invalid image file",
    -8: "Processing timeout",
    -9: "Internal loop failure",
    -10: "Prohibited content",
    -11: "Empty result",
    -13: "Cancelled after an exception",
    -14: "Content does not meet requirements",
    -15: "Insufficient resources",
    -16: "Prohibited content",
    -17: "Invalid prompt",
}


@dataclass
class FakeTask:
    """A task the fake knows. ``fail_state`` is decided at creation (None: it will succeed)."""

    task_id: str
    api_key: str
    index: int
    params: dict[str, str]
    created_wall: float
    created: float  # monotonic
    latency: float
    progress_steps: int
    fail_state: int | None = None
    result: bytes | None = field(default=None, repr=False)
    filename: str = ""
    upload_size: int = 0
    poison: str | None = None  # one of POISONS: how this task's answers go wrong

    def state_at(self, now: float) -> tuple[int, int]:
        """(state, progress) at monotonic time ``now``."""
        elapsed = now - self.created
        if elapsed >= self.latency:
            if self.fail_state is not None:
                return self.fail_state, 0
            return 1, 100
        fraction = elapsed / self.latency if self.latency > 0 else 1.0
        step = min(self.progress_steps - 1, int(fraction * self.progress_steps))
        progress = step * 100 // self.progress_steps
        return (2 if step == 0 else 4), progress

    @property
    def finishes_at(self) -> float:
        return self.created + self.latency


@dataclass(frozen=True)
class CreateRecord:
    """One accepted create request, as the fake saw it."""

    task_id: str
    api_key: str
    params: dict[str, str]
    filename: str
    content_type: str
    size: int
    sync: bool


@dataclass(frozen=True)
class RequestRecord:
    """One request to the API endpoints (not results or /_fake)."""

    method: str
    path: str
    task_id: str | None
    status: int
    had_key: bool
    user_agent: str
    at: float


class _Config:
    """The fake's behaviour; every field can change while it runs (under the fake's lock)."""

    def __init__(self, **values: Any) -> None:
        self.latency: Latency = 0.0
        self.progress_steps = 4
        self.qps: float | None = None
        self.result_mode = "url"  # or "base64"
        self.result_field = "image"  # or "image_url"
        self.include_return_type = True
        self.url_expiry = 3600.0
        self.response_delay = 0.0
        self.result_delay = 0.0
        self.corrupt_results = False
        self.errors_in_body_only = False
        self.echo_key_in_errors = False  # a careless server: error messages repeat the key
        self.max_upload_bytes = DEFAULT_MAX_UPLOAD
        self.update(values)

    def update(self, values: dict[str, Any]) -> None:
        for name, value in values.items():
            if not hasattr(self, name):
                raise TypeError(f"unknown FakePicWish setting: {name}")
            if name == "latency":
                value = _parse_latency(value)
            if name == "result_mode" and value not in ("url", "base64"):
                raise ValueError("result_mode must be 'url' or 'base64'")
            if name == "result_field" and value not in ("image", "image_url"):
                raise ValueError("result_field must be 'image' or 'image_url'")
            if name == "progress_steps" and int(value) < 1:
                raise ValueError("progress_steps must be at least 1")
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def _parse_latency(value: Any) -> Latency:
    """3, 3.5, "3", "4-8", (4, 8) or [4, 8] -> a fixed value or a (low, high) range."""
    if isinstance(value, str):
        low, dash, high = value.strip().partition("-")
        if dash and low:
            return _parse_latency((float(low), float(high)))
        value = float(value)
    if isinstance(value, list | tuple):
        low, high = (float(v) for v in value)
        if low < 0 or high < low:
            raise ValueError("latency range must be 0 <= low <= high")
        return (low, high)
    value = float(value)
    if value < 0:
        raise ValueError("latency must not be negative")
    return value


def derive_result(upload: bytes) -> tuple[bytes | None, int | None]:
    """A "restored" JPEG derived from the upload (autocontrast), or (None, failure state)."""
    try:
        with Image.open(io.BytesIO(upload)) as image:
            if image.format not in ("JPEG", "PNG"):
                return None, -7
            if image.width > MAX_DIMENSION or image.height > MAX_DIMENSION:
                return None, -5
            image.load()
            restored = ImageOps.autocontrast(image.convert("RGB"), cutoff=1)
    except Exception:
        return None, -7
    out = io.BytesIO()
    restored.save(out, "JPEG", quality=90)
    return out.getvalue(), None


def _parse_multipart(body: bytes, content_type: str) -> tuple[dict[str, str], dict[str, tuple]]:
    """(fields, files) of a multipart/form-data body; files map name -> (filename, type, data)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ValueError("no boundary")
    boundary = b"--" + match.group(1).encode("latin-1")
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    for part in body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        part = part.removeprefix(b"\r\n")
        head, sep, data = part.partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("malformed part")
        data = data.removesuffix(b"\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name_match = re.search(r'\bname="([^"]*)"', disposition)
        if not name_match:
            raise ValueError("part without a name")
        file_match = re.search(r'\bfilename="([^"]*)"', disposition)
        if file_match:
            files[name_match.group(1)] = (
                file_match.group(1),
                headers.get("content-type", "application/octet-stream"),
                data,
            )
        else:
            fields[name_match.group(1)] = data.decode("utf-8", "replace")
    return fields, files


class _Reply(Exception):
    """Raised inside a handler to answer with an error envelope."""

    def __init__(self, status: int, message: str | None = None, headers: dict | None = None):
        super().__init__(status)
        self.status = status
        self.message = message or _ERROR_MESSAGES.get(status, "Error")
        self.headers = headers or {}


class _Malformed(Exception):
    """Raised inside a handler to answer 200 with a body that is not JSON."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up early (a timeout, a download refused past its limit) is
        # what the tests provoke on purpose: not worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class FakePicWish:
    """The fake PicWish server. See the module docstring."""

    def __init__(
        self,
        api_key: str = "fake-picwish-key",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        extra_keys: Iterable[str] = (),
        seed: int | None = None,
        **settings: Any,
    ) -> None:
        self.api_key = api_key
        self.keys = frozenset({api_key, *extra_keys})
        self.host = host
        self.port = port
        self._config = _Config(**settings)
        self._lock = threading.RLock()
        self._random = random.Random(seed)
        self._secret = secrets.token_bytes(16)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._tasks: dict[str, FakeTask] = {}
        self._windows: dict[str, deque[float]] = defaultdict(deque)
        self._fail_queue: deque[int] = deque()
        self._failure_rule: FailureRule | None = None
        self._error_queue: deque[int] = deque()
        self._malformed_left = 0
        self._poison_queue: deque[str | None] = deque()
        self._reset_log()

    # --- lifecycle ---

    def start(self) -> FakePicWish:
        if self._server is not None:
            return self
        server = _Server((self.host, self.port), _make_handler(self))
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakePicWish:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The API base URL (what the client gets as ``api_url``)."""
        return f"http://{self.host}:{self.port}"

    @property
    def result_host(self) -> str:
        """The "host:port" of result URLs, for the client's ``allowed_result_hosts``."""
        return f"{self.host}:{self.port}"

    # --- settings ---

    def configure(self, **settings: Any) -> None:
        """Change settings at run time: latency, progress_steps, qps, result_mode,
        result_field, include_return_type, url_expiry, response_delay, result_delay,
        corrupt_results, errors_in_body_only, echo_key_in_errors, max_upload_bytes."""
        with self._lock:
            self._config.update(settings)

    @property
    def settings(self) -> dict[str, Any]:
        with self._lock:
            return self._config.as_dict()

    def fail_next(self, count: int = 1, state: int = -7) -> None:
        """The next ``count`` tasks created end with ``state`` (negative)."""
        if state >= 0:
            raise ValueError("a failure state is negative")
        with self._lock:
            self._fail_queue.extend([state] * count)

    def set_failure_rule(self, rule: FailureRule | None) -> None:
        """``rule(task)`` returns a negative state for tasks that must fail, else None."""
        with self._lock:
            self._failure_rule = rule

    def error_burst(self, count: int, statuses: Iterable[int] = DEFAULT_ERROR_STATUSES) -> None:
        """The next ``count`` API requests answer with these statuses, in turn."""
        statuses = list(statuses) or list(DEFAULT_ERROR_STATUSES)
        with self._lock:
            self._error_queue.extend(statuses[i % len(statuses)] for i in range(count))

    def poison_next(self, kind: str, count: int = 1, *, after: int = 0) -> None:
        """`count` created tasks, after the next `after`, get answers of this kind
        (see POISONS)."""
        if kind not in POISONS:
            raise ValueError(f"unknown poison {kind!r}: one of {sorted(POISONS)}")
        with self._lock:
            self._poison_queue.extend([None] * after + [kind] * count)

    def malformed_next(self, count: int = 1) -> None:
        """The next ``count`` API requests answer HTTP 200 with a body that is not JSON."""
        with self._lock:
            self._malformed_left += count

    # --- the request log ---

    def _reset_log(self) -> None:
        self.creates: list[CreateRecord] = []
        self.polls: list[str] = []
        self.requests: list[RequestRecord] = []
        self._rate_limited: dict[str, int] = defaultdict(int)

    def reset_log(self) -> None:
        with self._lock:
            self._reset_log()

    def create_count(self, *, api_key: str | None = None) -> int:
        with self._lock:
            return sum(1 for c in self.creates if api_key is None or c.api_key == api_key)

    def poll_count(self, task_id: str | None = None) -> int:
        with self._lock:
            return sum(1 for p in self.polls if task_id is None or p == task_id)

    def rate_limited_count(self, task_id: str | None = None) -> int:
        """429 answers in all, or those to polls of ``task_id`` ("create" for creates)."""
        with self._lock:
            if task_id is None:
                return sum(self._rate_limited.values())
            return self._rate_limited.get(task_id, 0)

    def log(self) -> dict[str, Any]:
        """The request log as JSON-ready counts (also served at ``GET /_fake/log``)."""
        with self._lock:
            tasks: dict[str, dict[str, Any]] = {}
            now = time.monotonic()
            for task in self._tasks.values():
                state, progress = task.state_at(now)
                tasks[task.task_id] = {
                    "creates": 0,
                    "polls": 0,
                    "rate_limited": self._rate_limited.get(task.task_id, 0),
                    "state": state,
                    "progress": progress,
                }
            for create in self.creates:
                tasks.setdefault(create.task_id, {"creates": 0, "polls": 0})["creates"] += 1
            for task_id in self.polls:
                if task_id in tasks:
                    tasks[task_id]["polls"] += 1
            statuses: dict[str, int] = defaultdict(int)
            for record in self.requests:
                statuses[str(record.status)] += 1
            return {
                "creates": len(self.creates),
                "created_files": [create.filename for create in self.creates],
                "polls": len(self.polls),
                "requests": len(self.requests),
                "rate_limited": sum(self._rate_limited.values()),
                "rate_limited_creates": self._rate_limited.get("create", 0),
                "statuses": dict(statuses),
                "tasks": tasks,
            }

    def task(self, task_id: str) -> FakeTask | None:
        with self._lock:
            return self._tasks.get(task_id)

    # --- behaviour, called by the handler ---

    def _sign(self, task_id: str, expires: str) -> str:
        message = f"{task_id}|{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]

    def _result_url(self, task_id: str) -> str:
        expires = f"{time.time() + self._config.url_expiry:.3f}"
        query = f"expires={expires}&sig={self._sign(task_id, expires)}"
        return f"{self.url}/_fake/results/{quote(task_id)}.jpg?{query}"

    def _envelope_data(self, task: FakeTask, now: float) -> dict[str, Any]:
        state, progress = task.state_at(now)
        data: dict[str, Any] = {
            "task_id": task.task_id,
            "state": state,
            "progress": progress,
            "created_at": int(task.created_wall),
        }
        if state == 1:
            config = self._config
            if config.result_mode == "base64":
                data[config.result_field] = base64.b64encode(task.result or b"").decode()
                return_type = 2
            else:
                data[config.result_field] = self._result_url(task.task_id)
                return_type = 1
            if config.include_return_type:
                data["return_type"] = return_type
            data["state_detail"] = "Complete"
            # Like the published sample: processed_at may come before created_at.
            data["processed_at"] = int(task.created_wall) - 1
            data["completed_at"] = int(task.created_wall + task.latency)
            data["time_elapsed"] = round(task.latency, 3)
        elif state < 0:
            data["state_detail"] = _STATE_DETAILS.get(state, "Failed")
            data["err_info"] = f"fake failure {state}"
        else:
            data["state_detail"] = "Processing" if state == 4 else "Preparing"
        return data

    def _admit(self, api_key: str | None, what: str) -> None:
        """Key check, 5xx burst and QPS limit for one API request (raises _Reply)."""
        with self._lock:
            if self._error_queue:
                raise _Reply(self._error_queue.popleft())
            if self._malformed_left:
                self._malformed_left -= 1
                raise _Malformed()
            if api_key not in self.keys:
                message = _ERROR_MESSAGES[401]
                if self._config.echo_key_in_errors:
                    message += f" (key {api_key!r})"
                raise _Reply(401, message)
            qps = self._config.qps
            if qps:
                now = time.monotonic()
                window = self._windows[api_key]
                while window and window[0] <= now - 1.0:
                    window.popleft()
                if len(window) >= qps:
                    wait = window[0] + 1.0 - now
                    self._rate_limited[what] += 1
                    raise _Reply(429, headers={"Retry-After": str(max(1, math.ceil(wait)))})
                window.append(now)

    def _create(self, api_key: str, fields: dict[str, str], files: dict[str, tuple]) -> FakeTask:
        for name, allowed in (
            ("sync", {"0", "1"}),
            ("restoration_type", {"0", "1", "2"}),
            ("model_type", {"1", "2", "3"}),
            ("change_color", {"0", "1"}),
        ):
            if name in fields and fields[name] not in allowed:
                raise _Reply(400, f"Invalid parameter: {name}")
        upload = files.get("image_file")
        image_url = fields.get("image_url")
        if upload is None and not image_url:
            raise _Reply(400, "Missing parameter: image_file or image_url")
        if image_url is not None and upload is None and len(image_url) > 512:
            raise _Reply(400, "Invalid parameter: image_url")
        with self._lock:
            config = self._config
            if upload is not None and len(upload[2]) >= config.max_upload_bytes:
                raise _Reply(413)
            latency = config.latency
            if isinstance(latency, tuple):
                latency = self._random.uniform(*latency)
            index = len(self._tasks)
            task = FakeTask(
                task_id=str(uuid.uuid4()),
                api_key=api_key,
                index=index,
                params=dict(fields),
                created_wall=time.time(),
                created=time.monotonic(),
                latency=latency,
                progress_steps=int(config.progress_steps),
            )
            if upload is not None:
                task.filename, _type, data = upload
                task.upload_size = len(data)
                task.result, task.fail_state = derive_result(data)
            else:
                task.fail_state = -3  # the fake cannot download image_url
            if self._poison_queue:
                task.poison = self._poison_queue.popleft()
            if self._fail_queue:
                task.fail_state = self._fail_queue.popleft()
            elif self._failure_rule is not None:
                ruled = self._failure_rule(task)
                if ruled is not None:
                    task.fail_state = ruled
            self._tasks[task.task_id] = task
            self.creates.append(
                CreateRecord(
                    task_id=task.task_id,
                    api_key=api_key,
                    params=dict(fields),
                    filename=task.filename,
                    content_type=upload[1] if upload else "",
                    size=task.upload_size,
                    sync=fields.get("sync") == "1",
                )
            )
            return task

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)


def _make_handler(fake: FakePicWish) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "FakePicWish/1.0"
        # Headers and body go out in separate writes: without this, Nagle's algorithm and
        # delayed ACKs add 40 ms to every answer on a kept-alive connection.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # the request log is kept in the fake

        # --- plumbing ---

        def _send(self, status: int, body: bytes, content_type: str, headers=None) -> None:
            self._record(status)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _send_json(self, status: int, payload: Any, headers=None) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json", headers)

        def _send_error_envelope(self, reply: _Reply) -> None:
            with fake._lock:
                body_only = fake._config.errors_in_body_only
            http_status = 200 if body_only else reply.status
            payload = {"status": reply.status, "message": reply.message}
            self._send_json(http_status, payload, reply.headers)

        def _read_body(self) -> bytes:
            length = self.headers.get("Content-Length")
            if length is None or not length.isdigit():
                self.close_connection = True
                raise _Reply(400, "Content-Length required")
            length = int(length)
            with fake._lock:
                limit = fake._config.max_upload_bytes
            if length > limit + 1024 * 1024:
                self.close_connection = True  # the unread body would corrupt keep-alive
                raise _Reply(413)
            return self.rfile.read(length)

        # --- routing ---

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def _route(self, method: str) -> None:
            parts = urlsplit(self.path)
            path = parts.path
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            if path == ENDPOINT or path.startswith(ENDPOINT + "/"):
                self._api(method, path)
            elif path.startswith("/_fake/results/") and method == "GET":
                self._result(path, query)
            elif path == "/_fake/log" and method == "GET":
                self._send_json(200, fake.log())
            elif path == "/_fake/config" and method == "POST":
                self._config()
            elif path == "/_fake/reset" and method == "POST":
                fake.reset_log()
                self._send_json(200, {"ok": True})
            elif path == "/_fake/redirect" and method == "GET":
                status = int(query.get("status", "302"))
                self._send(status, b"", "text/plain", {"Location": query.get("to", "/")})
            elif path == "/_fake/bytes" and method == "GET":
                time.sleep(float(query.get("delay", "0")))
                self._bytes(int(query.get("n", "0")), query.get("chunked") == "1")
            elif path == "/_fake/status" and method == "GET":
                self._send(int(query.get("code", "200")), b"status", "text/plain")
            else:
                self._send_json(404, {"status": 404, "message": "Not found"})

        def _record(self, status: int) -> None:
            # Logged before the answer leaves, so a client never sees an answer the log lacks.
            pending, self._pending = getattr(self, "_pending", None), None
            if pending is not None:
                fake._record(RequestRecord(*pending[:3], status, *pending[3:]))

        def _api(self, method: str, path: str) -> None:
            api_key = self.headers.get("X-API-KEY")
            task_id = (path[len(ENDPOINT) + 1 :] or None) if path != ENDPOINT else None
            user_agent = self.headers.get("User-Agent", "")
            self._pending = (method, path, task_id, bool(api_key), user_agent, time.time())
            try:
                if method == "POST" and path == ENDPOINT:
                    body = self._read_body()
                    fake._admit(api_key, "create")
                    self._api_create(api_key, body)
                elif method == "GET" and task_id and "/" not in task_id:
                    fake._admit(api_key, task_id)
                    self._api_poll(api_key, task_id)
                else:
                    raise _Reply(404)
            except _Reply as reply:
                self._delay()
                self._send_error_envelope(reply)
            except _Malformed:
                self._send(200, b"<html><body>Bad gateway</body></html>", "text/html")
            finally:
                self._record(0)  # only if nothing was sent (the handler crashed)

        def _delay(self) -> None:
            with fake._lock:
                delay = fake._config.response_delay
            if delay:
                time.sleep(delay)

        def _api_create(self, api_key: str, body: bytes) -> None:
            content_type = self.headers.get("Content-Type", "")
            fields: dict[str, str]
            files: dict[str, tuple]
            if content_type.startswith("multipart/form-data"):
                try:
                    fields, files = _parse_multipart(body, content_type)
                except ValueError as exc:
                    raise _Reply(400, f"Malformed form: {exc}") from None
            elif content_type.startswith("application/x-www-form-urlencoded"):
                fields = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
                files = {}
            else:
                raise _Reply(400, "Expected a multipart form")
            task = fake._create(api_key, fields, files)
            if fields.get("sync") == "1":
                wait = task.finishes_at - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                with fake._lock:
                    data = fake._envelope_data(task, time.monotonic())
            else:
                data = {"task_id": task.task_id}
            self._delay()
            if task.poison in CREATE_POISONS:
                self._send_poison(task.poison, data)
                return
            self._send_json(200, {"status": 200, "message": "success", "data": data})

        def _send_poison(self, kind: str, data: dict[str, Any]) -> None:
            """One poisoned answer (see POISONS)."""
            if kind in ("create_not_json", "poll_not_json"):
                self._send(200, b"<html><body>Service moved</body></html>", "text/html")
                return
            if kind in ("create_huge", "poll_huge"):
                head = b'{"status": 200, "message": "success", "data": {"task_id": "'
                self._send(200, head + b"x" * HUGE_BODY_BYTES, "application/json")
                return
            if kind == "poll_no_data":
                self._send_json(200, {"status": 200, "message": "success", "data": "done"})
                return
            data = dict(data)
            if kind == "task_id_path":
                data["task_id"] = "../../../etc/passwd"
            elif kind == "task_id_long":
                data["task_id"] = "7" * 500
            elif kind == "task_id_number":
                data["task_id"] = 12345
            elif kind == "poll_wrong_task":
                data["task_id"] = str(uuid.uuid4())
            elif kind == "state_text":
                data["state"] = "finished"
            elif kind == "progress_absurd":
                data["progress"] = ["NaN", "lots", -5, 1e300][len(fake.polls) % 4]
                data["created_at"] = "yesterday"
                data["processed_at"] = -1e300
                if data["state"] == 1:
                    data["completed_at"] = 1e300
            elif data["state"] == 1:
                field = "image" if "image" in data else "image_url"
                if kind == "result_not_string":
                    data[field] = {"url": data[field]}
                elif kind == "result_neither":
                    data[field] = "ftp://files.example/result.jpg"
                elif kind == "result_bad_base64":
                    data[field] = "data:image/jpeg;base64,@@@not base64@@@"
                elif kind == "result_wrong_host":
                    data[field] = "http://169.254.169.254/latest/meta-data/iam/"
                elif kind == "result_missing":
                    data.pop(field)
                    data.pop("return_type", None)
            # result_not_picture: the answer is fine, the result URL serves text.
            body = json.dumps({"status": 200, "message": "success", "data": data})
            self._send(200, body.encode(), "application/json")

        def _api_poll(self, api_key: str, task_id: str) -> None:
            with fake._lock:
                task = fake._tasks.get(task_id)
                if task is None or task.api_key != api_key:
                    raise _Reply(404, "Task not found")
                fake.polls.append(task_id)
                data = fake._envelope_data(task, time.monotonic())
            self._delay()
            if task.poison in POLL_POISONS:
                self._send_poison(task.poison, data)
                return
            self._send_json(200, {"status": 200, "message": "success", "data": data})

        def _result(self, path: str, query: dict[str, str]) -> None:
            match = re.fullmatch(r"/_fake/results/([A-Za-z0-9-]+)\.jpg", path)
            expires = query.get("expires", "")
            with fake._lock:
                task = fake._tasks.get(match.group(1)) if match else None
                delay = fake._config.result_delay
                corrupt = fake._config.corrupt_results
            if delay:
                time.sleep(delay)
            if task is None or task.result is None:
                self._send(404, b"<Error><Code>NoSuchKey</Code></Error>", "application/xml")
                return
            signature = fake._sign(task.task_id, expires)
            if not hmac.compare_digest(signature, query.get("sig", "")):
                self._send(403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>", "text/xml")
                return
            try:
                expired = float(expires) <= time.time()
            except ValueError:
                expired = True
            if expired:
                body = b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message>"
                self._send(403, body + b"</Error>", "application/xml")
                return
            data = task.result
            if corrupt:
                data = data[: len(data) // 2]
            if task.poison == "result_not_picture":
                data = b"Thank you for using our service!\n" * 100
            self._send(200, data, "image/jpeg")

        def _bytes(self, count: int, chunked: bool) -> None:
            if not chunked:
                self._send(200, b"\0" * count, "application/octet-stream")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            remaining = count
            try:
                while remaining > 0:
                    size = min(remaining, 16 * 1024)
                    self.wfile.write(f"{size:x}\r\n".encode() + b"\0" * size + b"\r\n")
                    remaining -= size
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                self.close_connection = True  # the client stopped reading, as it should

        def _config(self) -> None:
            try:
                settings = json.loads(self._read_body() or b"{}")
                fail_next = settings.pop("fail_next", None)
                burst = settings.pop("error_burst", None)
                fake.configure(**settings)
                if fail_next:
                    fake.fail_next(int(fail_next["count"]), int(fail_next.get("state", -7)))
                if burst:
                    fake.error_burst(
                        int(burst["count"]), burst.get("statuses", DEFAULT_ERROR_STATUSES)
                    )
            except (ValueError, TypeError, KeyError, _Reply) as exc:
                self._send_json(400, {"ok": False, "error": str(exc)})
                return
            self._send_json(200, {"ok": True, "settings": _jsonable(fake.settings)})

    return Handler


def _jsonable(settings: dict[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run a fake PicWish restoration API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--key", default="fake-picwish-key", help="the accepted X-API-KEY")
    parser.add_argument("--extra-key", action="append", default=[], help="another accepted key")
    parser.add_argument("--latency", default="0", help="seconds per task: 5 or a range 4-8")
    parser.add_argument("--qps", type=float, default=None, help="requests per second per key")
    parser.add_argument("--progress-steps", type=int, default=4)
    parser.add_argument("--result-mode", choices=("url", "base64"), default="url")
    parser.add_argument("--result-field", choices=("image", "image_url"), default="image")
    parser.add_argument("--url-expiry", type=float, default=3600.0, help="seconds")
    parser.add_argument("--response-delay", type=float, default=0.0, help="seconds")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)

    fake = FakePicWish(
        args.key,
        host=args.host,
        port=args.port,
        extra_keys=args.extra_key,
        seed=args.seed,
        latency=args.latency,
        qps=args.qps,
        progress_steps=args.progress_steps,
        result_mode=args.result_mode,
        result_field=args.result_field,
        url_expiry=args.url_expiry,
        response_delay=args.response_delay,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    fake.start()
    print(fake.url, flush=True)
    print(f"key {fake.api_key}", flush=True)
    while not stop.wait(0.5):
        pass
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
