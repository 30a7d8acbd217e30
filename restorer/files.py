"""Serving stored files to a browser, after the caller has checked access.

There is no public media URL: every file goes through a view that decides who
may see it, then hands the file to serve_file(). On local storage the view sends
the bytes; on S3 it answers with a redirect to a presigned URL that lives a few
minutes (S3_URL_EXPIRY), so the bucket stays private and the web server does
not carry the bytes.
"""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header


def serve_file(
    field: FieldFile,
    content_type: str,
    *,
    download_name: str | None = None,
    max_age: int = 3600,
) -> HttpResponse:
    if not field or not field.name:
        raise Http404("No such file.")
    if is_object_storage():
        return _redirect_to_object(field.name, content_type, download_name, max_age)
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


def is_object_storage() -> bool:
    from storages.backends.s3 import S3Storage

    return isinstance(default_storage, S3Storage)


def _redirect_to_object(
    name: str, content_type: str, download_name: str | None, max_age: int
) -> HttpResponseRedirect:
    expiry = default_storage.querystring_expire
    # The object store answers with the type and disposition decided here, from the
    # checked content, never with what is stored on the object.
    parameters = {
        "ResponseContentType": content_type,
        "ResponseCacheControl": f"private, max-age={min(max_age, expiry)}",
        "ResponseContentDisposition": content_disposition_header(
            as_attachment=download_name is not None, filename=download_name or ""
        )
        or "inline",
    }
    url = default_storage.url(name, parameters=parameters, expire=expiry)
    response = HttpResponseRedirect(url)
    response["X-Content-Type-Options"] = "nosniff"
    # The browser may reuse the redirect only while its target is still valid.
    response["Cache-Control"] = f"private, max-age={min(max_age, expiry // 2)}"
    response["Referrer-Policy"] = "no-referrer"
    return response
