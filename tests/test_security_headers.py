"""HTML pages carry a Content-Security-Policy without inline script, and a Permissions-Policy."""

from __future__ import annotations

import re

import pytest

from albums.models import ShareLink

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=", re.IGNORECASE)


def test_every_page_has_a_policy_and_no_inline_script(alice_client, album, anon_client):
    # The finding: HTML pages had no Content-Security-Policy and no Permissions-Policy.
    _, token = ShareLink.create(album)
    pages = {
        alice_client: [
            "/", f"/albums/{album.code}/", f"/albums/{album.code}/share/",
            f"/albums/{album.code}/edit/", "/shared/", "/accounts/profile/",
        ],
        anon_client: ["/", "/accounts/login/", "/accounts/signup/", f"/s/{token}/",
                      "/admin/login/", "/no-such-page/"],
    }  # fmt: skip
    for client, urls in pages.items():
        for url in urls:
            response = client.get(url)
            assert response["Content-Type"].startswith("text/html"), url
            policy = response["Content-Security-Policy"]
            script_src = re.search(r"script-src ([^;]+)", policy).group(1)
            assert "'unsafe-inline'" not in script_src and "'self'" in script_src, url
            assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
            assert "camera=()" in response["Permissions-Policy"], url
            assert not INLINE_SCRIPT.search(response.content.decode()), url


def test_files_keep_their_own_stricter_policy(alice_client, album):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests import images
    from tests.helpers import app_answer

    alice_client.post(
        f"/albums/{album.code}/upload/", {"photos": [SimpleUploadedFile("a.png", images.png())]}
    )
    photo = album.photos.get()
    answer = app_answer(alice_client.get(f"{photo.get_absolute_url()}file/thumb/"))
    if answer.status_code == 200:  # local storage: served by the site itself
        assert answer["Content-Security-Policy"].startswith("default-src 'none'")
