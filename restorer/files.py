"""Serving stored files to a browser, after the caller has checked access.

There is no public media URL: every file goes through a view that decides who
may see it, then hands the file to serve_file().
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def serve_file(
    field: FieldFile,
    content_type: str,
    *,
    download_name: str | None = None,
    max_age: int = 3600,
) -> FileResponse:
    if not field or not field.name:
        raise Http404("No such file.")
    try:
        handle = default_storage.open(field.name, "rb")
    except FileNotFoundError:
        raise Http404("No such file.") from None
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=download_name is not None,
        filename=download_name or "",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"private, max-age={max_age}"
    # Even if a stored file were crafted to look like a page, it runs nothing.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
