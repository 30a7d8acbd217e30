"""image_url: fetched by a worker under the same address checks as PicWish's result URLs.

A real HTTP server on 127.0.0.1 plays the client's picture host. It is let through
(API_IMAGE_URL_ALLOWED_HOSTS, as tests let the fake PicWish through) only where a test
needs a server to answer; everything it redirects to is checked again.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from restorer.api import intake
from restorer.api.models import ApiKey, ApiTask
from tests import images
from tests.api_helpers import create, poll

pytestmark = pytest.mark.django_db

PICTURE = images.jpeg(160, 120)


class _Handler(BaseHTTPRequestHandler):
    routes: dict = {}

    def log_message(self, *args):  # keep the test output quiet
        pass

    def do_GET(self):
        route = self.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        route(self)


def _send(handler, status=200, body=b"", headers=None):
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    if "Content-Length" not in (headers or {}) and body is not None:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if body:
        handler.wfile.write(body)


DRIP = {"sent": 0, "ended": False}


def _drip(handler):
    """A body of 200 bytes, one every 0.1 s: 20 s in all, past any limit of the tests."""
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.send_header("Content-Length", "200")
    handler.end_headers()
    try:
        for _ in range(200):
            handler.wfile.write(b"\xff")
            handler.wfile.flush()
            DRIP["sent"] += 1
            time.sleep(0.1)
        DRIP["ended"] = True
    except OSError:
        pass


def _endless(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.end_headers()
    try:
        for _ in range(200):
            handler.wfile.write(b"\0" * 65536)
    except OSError:
        pass


@pytest.fixture
def host(settings):
    """The picture host, at http://127.0.0.1:PORT, with its routes."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    port = server.server_address[1]
    base = f"http://127.0.0.1:{port}"
    _Handler.routes = {
        "/photo.jpg": lambda h: _send(h, body=PICTURE, headers={"Content-Type": "image/jpeg"}),
        "/to-loopback": lambda h: _send(h, 302, headers={"Location": "http://localhost:9/x.jpg"}),
        "/to-private": lambda h: _send(h, 302, headers={"Location": "http://10.0.0.7/x.jpg"}),
        "/to-link-local": lambda h: _send(
            h, 302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}
        ),
        "/to-file": lambda h: _send(h, 302, headers={"Location": "file:///etc/passwd"}),
        "/to-photo": lambda h: _send(h, 302, headers={"Location": f"{base}/photo.jpg"}),
        "/slow": _drip,
        "/announced-huge": lambda h: _send(
            h, body=None, headers={"Content-Length": str(50 * 1024 * 1024)}
        ),
        "/endless": _endless,
        "/missing": lambda h: _send(h, 404, body=b"no"),
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.API_IMAGE_URL_ALLOWED_HOSTS = [f"127.0.0.1:{port}"]
    settings.API_IMAGE_URL_TIMEOUT = 1.5
    settings.API_QPS = 1000
    settings.API_SYNC_TIMEOUT = 0
    settings.RESTORER_PROVIDER = "local"
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture
def key(alice) -> str:
    return ApiKey.issue(alice, "fetcher")[1]


def fetched(client, key, url) -> dict:
    """Create a task for `url`, run the worker's fetch, and read the task back."""
    answer = create(client, key, image_url=url).json()
    assert answer["status"] == 200, answer
    task = ApiTask.objects.get(task_id=answer["data"]["task_id"])
    assert answer["data"]["state"] == 2  # its picture is being fetched
    intake.fetch_image(task.pk)
    return poll(client, key, answer["data"]["task_id"]).json()["data"]


def test_a_picture_is_fetched_and_restored(client, key, host, sync_tasks,
                                           django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        answer = create(client, key, image_url=f"{host}/photo.jpg").json()
    data = poll(client, key, answer["data"]["task_id"]).json()["data"]
    assert data["state"] == 1
    task = ApiTask.objects.get(task_id=answer["data"]["task_id"])
    assert task.restoration.source_width == 160


def test_a_redirect_to_an_allowed_picture_is_followed(client, key, host):
    data = fetched(client, key, f"{host}/to-photo")
    assert data["state"] in (2, 3)
    assert ApiTask.objects.get().restoration is not None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/photo.jpg",  # loopback, when not the allowed test host
        "http://localhost:{port}/photo.jpg",
        "http://[::1]:{port}/photo.jpg",
        "http://[::ffff:127.0.0.1]:{port}/photo.jpg",
        "http://10.0.0.7/photo.jpg",
        "http://192.168.1.1/photo.jpg",
        "http://172.16.0.1/photo.jpg",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/photo.jpg",
        "http://0.0.0.0:{port}/photo.jpg",
    ],
)
def test_loopback_private_and_link_local_addresses_are_refused(client, key, host, settings, url):
    port = host.rsplit(":", 1)[1]
    settings.API_IMAGE_URL_ALLOWED_HOSTS = []
    data = fetched(client, key, url.format(port=port))
    assert data["state"] == -3
    assert "non-public" in data["state_detail"] or "refus" in data["state_detail"].lower()
    assert ApiTask.objects.get().restoration is None


@pytest.mark.parametrize("path", ["/to-loopback", "/to-private", "/to-link-local", "/to-file"])
def test_redirects_to_refused_addresses_or_schemes_are_refused(client, key, host, path):
    data = fetched(client, key, f"{host}{path}")
    assert data["state"] == -3
    assert ApiTask.objects.get().restoration is None


def test_a_slow_body_is_given_up(client, key, host):
    DRIP.update(sent=0, ended=False)
    data = fetched(client, key, f"{host}/slow")
    assert data["state"] == -3
    assert "too long" in data["state_detail"]
    assert not DRIP["ended"]  # given up while the body was still dripping in
    assert DRIP["sent"] < 200


@pytest.mark.parametrize("path", ["/announced-huge", "/endless"])
def test_an_oversized_body_is_refused(client, key, host, settings, path):
    settings.API_MAX_FILE_SIZE = 1024 * 1024
    data = fetched(client, key, f"{host}{path}")
    assert data["state"] == -5
    assert ApiTask.objects.get().restoration is None


def test_a_url_that_answers_an_error_is_a_download_failure(client, key, host):
    assert fetched(client, key, f"{host}/missing")["state"] == -3


def test_what_is_fetched_must_still_be_a_picture(client, key, host):
    _Handler.routes["/text"] = lambda h: _send(h, body=b"hello", headers={"Content-Type": "text"})
    assert fetched(client, key, f"{host}/text")["state"] == -7


def test_a_second_delivery_of_the_fetch_does_nothing(client, key, host):
    answer = create(client, key, image_url=f"{host}/photo.jpg").json()
    task = ApiTask.objects.get(task_id=answer["data"]["task_id"])
    intake.fetch_image(task.pk)
    intake.fetch_image(task.pk)
    from restorer.models import Restoration

    assert Restoration.objects.count() == 1
