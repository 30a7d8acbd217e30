"""PicWish's Old Photo Restoration endpoints, answered by this server.

Every answer is `{"status", "message", "data"}` with `status` repeating the HTTP
status, as PicWish answers, so code written for PicWish works when only its base
URL and key change.
"""

from __future__ import annotations

import base64
import math
import mimetypes
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from restorer import files
from restorer.api import intake, ratelimit
from restorer.api.models import ApiKey, ApiTask
from restorer.api.openapi import openapi_document
from restorer.api.states import state_of
from restorer.models import QuotaExceeded, Restoration, enqueue

RESULT_SALT = "restorer.api.result"
SYNC_CHECK_INTERVAL = 0.25


def answer(status: int, message: str, data: dict | None = None, **headers) -> JsonResponse:
    response = JsonResponse(
        {"status": status, "message": message, "data": data if data is not None else {}},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


class Refusal(Exception):
    def __init__(self, status: int, message: str, **headers):
        super().__init__(message)
        self.response = answer(status, message, **headers)


def _authenticate(request: HttpRequest) -> ApiKey:
    secret = request.headers.get("X-API-KEY", "").strip()
    if not secret:
        raise Refusal(401, "Missing API key: send it in the X-API-KEY header.")
    key = ApiKey.authenticate(secret)
    if key is None:
        raise Refusal(401, "Invalid API key, or the key was revoked.")
    wait = ratelimit.take(key.budget_name)
    if wait:
        raise Refusal(
            429,
            f"Too many requests: this key may make {settings.API_QPS:g} requests per second.",
            Retry_After=str(max(1, math.ceil(wait))),
        )
    return key


def _api_view(view):
    """Key and rate limit first; any Refusal becomes its JSON answer."""

    def wrapped(request: HttpRequest, *args, **kwargs):
        try:
            key = _authenticate(request)
            return view(request, key, *args, **kwargs)
        except Refusal as refusal:
            return refusal.response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


# --- parameters ----------------------------------------------------------------------------


def _parameters(request: HttpRequest) -> dict[str, str]:
    """Form fields, and query string fields as one client sends them (the form wins)."""
    values = {name: request.GET.get(name) for name in request.GET}
    values.update({name: request.POST.get(name) for name in request.POST})
    return values


def _choice(values: dict, name: str, allowed: tuple[int, ...], default: int) -> int:
    raw = values.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        number = int(raw.strip())
    except ValueError:
        number = None
    if number not in allowed:
        choices = ", ".join(str(a) for a in allowed)
        raise Refusal(400, f"Invalid parameter {name}: {raw[:40]!r}; expected one of {choices}.")
    return number


def _image_url(values: dict) -> str:
    url = (values.get("image_url") or "").strip()
    if len(url) > 512:
        raise Refusal(400, "Invalid parameter image_url: longer than 512 characters.")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise Refusal(400, "Invalid parameter image_url: expected an http or https URL.")
    return url


# --- creating ------------------------------------------------------------------------------


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi_document(request.build_absolute_uri("/").rstrip("/")))


def docs(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "restorer/api_docs.html",
        {
            "base_url": request.build_absolute_uri("/").rstrip("/"),
            "qps": settings.API_QPS,
            "retention_hours": settings.API_RESULT_RETENTION / 3600,
            "sync_seconds": settings.API_SYNC_TIMEOUT,
        },
    )


@_api_view
def create(request: HttpRequest, key: ApiKey) -> JsonResponse:
    if request.method != "POST":
        return answer(405, "Use POST to create a task.", Allow="POST")
    values = _parameters(request)
    sync = _choice(values, "sync", (0, 1), 0)
    restoration_type = _choice(values, "restoration_type", (0, 1, 2), 0)
    model_type = _choice(values, "model_type", (1, 2, 3), 1)
    change_color = _choice(values, "change_color", (0, 1), 1)
    return_type = _choice(values, "return_type", (1, 2), 1)
    upload = request.FILES.get("image_file") or request.FILES.get("file")
    image_url = ""
    if upload is None:
        if not (values.get("image_url") or "").strip():
            raise Refusal(400, "Missing parameter: send image_file (or file) or image_url.")
        image_url = _image_url(values)
    elif upload.size >= intake.max_bytes():
        raise Refusal(413, f"image_file is too large: it must be less than "
                      f"{intake.max_bytes() // (1024 * 1024)} MB.")  # fmt: skip

    task = ApiTask.objects.create(
        key=key,
        return_type=return_type,
        restoration_type=restoration_type,
        model_type=model_type if restoration_type > 0 else 1,
        change_color=bool(change_color),
        image_url=image_url,
    )
    if upload is not None:
        started = time.monotonic()
        data = upload.read()
        ApiTask.objects.filter(pk=task.pk).update(
            download_ms=int((time.monotonic() - started) * 1000)
        )
        try:
            intake.accept_picture(task, data)
        except QuotaExceeded as exc:
            task.delete()
            return answer(402, exc.message)
        except BaseException:
            task.delete()  # nothing half-made is left for the client to poll
            raise
    else:
        transaction.on_commit(lambda: enqueue("restorer.api.intake.fetch_image", task.pk))
    if sync:
        task = _wait_for(task)
    return answer(200, "success", describe(request, task))


def _wait_for(task: ApiTask) -> ApiTask:
    """The task once final, or as it is when API_SYNC_TIMEOUT passes (then it is polled)."""
    deadline = time.monotonic() + settings.API_SYNC_TIMEOUT
    while True:
        task = _reload(task.pk)
        if state_of(task).is_final or time.monotonic() >= deadline:
            return task
        time.sleep(SYNC_CHECK_INTERVAL)


def _reload(pk: int) -> ApiTask:
    return ApiTask.objects.select_related("restoration").get(pk=pk)


# --- reading -------------------------------------------------------------------------------


@_api_view
def task_status(request: HttpRequest, key: ApiKey, task_id: str) -> JsonResponse:
    if request.method != "GET":
        return answer(405, "Use GET to read a task.", Allow="GET")
    task = (
        ApiTask.objects.select_related("restoration")
        .filter(key=key, task_id=task_id, purged_at__isnull=True)
        .first()
    )
    if task is None:
        # Another key's task, one deleted after the retention time, or none at all.
        return answer(404, "No such task_id for this API key.")
    return answer(200, "success", describe(request, task))


def _unix(moment) -> int:
    return int(moment.timestamp()) if moment else 0


def describe(request: HttpRequest, task: ApiTask) -> dict:
    """The task's `data`, in PicWish's fields and formats (times in Unix seconds)."""
    state = state_of(task)
    job = task.restoration
    processed_at = completed_at = None
    if job is not None and (state.state == 4 or job.is_final):
        processed_at = job.submitted_at or job.created_at
    if job is not None and job.is_final:
        completed_at = job.finished_at
    end = completed_at.timestamp() if completed_at else time.time()
    elapsed_ms = int((end - task.created_at.timestamp()) * 1000)
    data = {
        "task_id": str(task.task_id),
        "created_at": _unix(task.created_at),
        "processed_at": _unix(processed_at),
        "completed_at": _unix(completed_at),
        "progress": state.progress,
        "state": state.state,
        "state_detail": state.detail,
        "return_type": task.return_type,
        "download_time": task.download_ms or 0,
        "time_elapsed": max(0, elapsed_ms),
    }
    if state.state == 1 and job is not None and job.result:
        image = _result_of(request, task, job)
        data["image"] = data["image_url"] = image
        data["image_width"], data["image_height"] = job.result_width, job.result_height
    return data


def _result_of(request: HttpRequest, task: ApiTask, job: Restoration) -> str:
    if task.return_type == ApiTask.ReturnType.BASE64:
        with default_storage.open(job.result.name, "rb") as handle:
            return base64.b64encode(handle.read()).decode("ascii")
    token = signing.TimestampSigner(salt=RESULT_SALT).sign(task.task_id.hex)
    return request.build_absolute_uri(reverse("api:result", args=[token]))


@require_GET
def result(request: HttpRequest, token: str) -> HttpResponse:
    """A finished result, without the key: the signed link lives API_RESULT_URL_SECONDS."""
    signer = signing.TimestampSigner(salt=RESULT_SALT)
    try:
        task_hex = signer.unsign(token, max_age=settings.API_RESULT_URL_SECONDS)
    except signing.SignatureExpired:
        return answer(410, "This result link expired; read the task again for a fresh one.")
    except signing.BadSignature:
        return answer(404, "No such result.")
    task = (
        ApiTask.objects.select_related("restoration")
        .filter(task_id=task_hex, restoration__state=Restoration.State.DONE)
        .first()
    )
    if task is None or task.purged_at is not None or not task.restoration.result:
        return answer(410, "This result was deleted after the retention time.")
    name = task.restoration.result.name
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return files.serve_file(task.restoration.result, content_type, max_age=60)


def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return answer(404, "No such API endpoint.")
