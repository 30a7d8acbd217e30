"""Helpers of the served API's tests (restorer/api)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

CREATE = "/api/tasks/visual/restoration-old-photo"


def status_url(task_id: str) -> str:
    return f"{CREATE}/{task_id}"


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def create(client, key: str, **fields):
    return client.post(CREATE, fields, headers={"X-API-KEY": key})


def poll(client, key: str, task_id: str):
    return client.get(status_url(task_id), headers={"X-API-KEY": key})
