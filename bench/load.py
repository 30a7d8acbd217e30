"""Load on the web tier: simulated people against gunicorn and PostgreSQL on loopback.

Each person logs in, then browses: the album list, their album's pages, its live status,
photo pages and the pictures on them (thumbnails, display sizes), with a second or so
between clicks; and uploads one new scan a minute. A fresh PostgreSQL database is made
for the run (and dropped after it), with one album of photos per person; gunicorn runs
with the settings of restorer/gunicorn_config.py. No worker runs: the uploads' restorations
wait in the queue, as they would while workers are busy.

Printed: requests per second, latency (p50 / p95 / p99) overall and per kind of request,
errors (anything but a 2xx or 3xx answer, or no answer), and uploads lost (answered as
stored but missing afterwards from the database or the storage).

Run:  .venv/bin/python bench/load.py [--people 50] [--seconds 60] [--web-workers 4]
          [--postgres postgres://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "load test password 1907"
CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


def photo_bytes(seed: int, size=(800, 600)) -> bytes:
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), 120))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse([x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)], fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(admin_url: str, name: str) -> str:
    parts = urlsplit(admin_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_execute(admin_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://", 1)) as connection:
        connection.autocommit = True
        connection.execute(statement)


# --- the people ------------------------------------------------------------------------


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    uploads_sent: int = 0
    uploads_refused: int = 0
    stored_codes: list[str] = field(default_factory=list)

    def record(self, kind: str, seconds: float, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.timings.setdefault(kind, []).append(seconds)
            if not ok:
                key = f"{kind}: {detail}"
                self.errors[key] = self.errors.get(key, 0) + 1


class Person(threading.Thread):
    def __init__(self, base: str, username: str, album: str, photos: list[str], results, stop_at):
        super().__init__(daemon=True)
        self.base = base
        self.username = username
        self.album = album
        self.photos = photos
        self.results = results
        self.stop_at = stop_at
        self.session = requests.Session()
        self.random = random.Random(username)
        self.uploaded = 0

    def request(self, kind: str, method: str, path: str, **kwargs) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = self.session.request(method, self.base + path, timeout=60, **kwargs)
        except requests.RequestException as exc:
            self.results.record(kind, time.perf_counter() - started, False, type(exc).__name__)
            return None
        elapsed = time.perf_counter() - started
        ok = 200 <= response.status_code < 400
        self.results.record(kind, elapsed, ok, str(response.status_code))
        return response

    def csrf_token(self) -> str:
        return self.session.cookies.get("csrftoken", "")

    def log_in(self) -> bool:
        page = self.request("login", "GET", "/accounts/login/")
        if page is None:
            return False
        match = CSRF_INPUT.search(page.content)
        answer = self.request(
            "login",
            "POST",
            "/accounts/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": match.group(1).decode() if match else "",
            },
            headers={"Referer": self.base + "/accounts/login/"},
        )
        return answer is not None and "sessionid" in self.session.cookies

    def browse_once(self) -> None:
        album = f"/albums/{self.album}/"
        choice = self.random.random()
        if choice < 0.15:
            self.request("page", "GET", "/")
        elif choice < 0.40:
            self.request("page", "GET", album)
            for code in self.random.sample(self.photos, min(6, len(self.photos))):
                self.request("file", "GET", f"{album}photos/{code}/file/thumb/")
        elif choice < 0.55:
            self.request("status", "GET", f"{album}status.json?page=1")
        else:
            code = self.random.choice(self.photos)
            self.request("page", "GET", f"{album}photos/{code}/")
            self.request("file", "GET", f"{album}photos/{code}/file/display/")

    def upload(self) -> None:
        seed = hash((self.username, self.uploaded)) & 0xFFFFFFFF
        self.uploaded += 1
        with self.results.lock:
            self.results.uploads_sent += 1
        answer = self.request(
            "upload",
            "POST",
            f"/albums/{self.album}/upload/",
            files={"photos": (f"scan-{self.uploaded}.jpg", photo_bytes(seed), "image/jpeg")},
            headers={
                "X-CSRFToken": self.csrf_token(),
                "Accept": "application/json",
                "Referer": f"{self.base}/albums/{self.album}/",
            },
        )
        codes = []
        if answer is not None and answer.status_code == 200:
            codes = [entry["code"] for entry in answer.json()["photos"] if "code" in entry]
        with self.results.lock:
            if codes:
                self.results.stored_codes.extend(codes)
            else:
                self.results.uploads_refused += 1

    def run(self) -> None:
        if not self.log_in():
            return
        next_upload = time.monotonic() + self.random.uniform(0, 60)
        while time.monotonic() < self.stop_at:
            if time.monotonic() >= next_upload:
                self.upload()
                next_upload += 60
            else:
                self.browse_once()
            time.sleep(self.random.uniform(0.5, 1.5))  # a person looks before clicking again


# --- the run -----------------------------------------------------------------------------


def seed_people(people: int, photos_per_album: int) -> list[tuple[str, str, list[str]]]:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.files.uploadedfile import SimpleUploadedFile

    from albums.models import Album, Photo

    Photo.restore = lambda self, options=None: None  # the gallery as it is, no new work
    password = make_password(PASSWORD)
    seeded = []
    for number in range(people):
        user = get_user_model().objects.create(username=f"person{number}", password=password)
        album = Album.objects.create(owner=user, title=f"Box {number}")
        codes = []
        for index in range(photos_per_album):
            data = photo_bytes(number * 1000 + index, size=(640, 480))
            codes.append(album.add_photo(SimpleUploadedFile(f"{index}.jpg", data)).code)
        seeded.append((user.username, album.code, codes))
    return seeded


def count_lost(codes: list[str]) -> int:
    from django.core.files.storage import default_storage

    from albums.models import Photo

    kept = {
        photo.code: photo
        for photo in Photo.objects.filter(code__in=codes).only("code", "original", "thumbnail")
    }
    lost = 0
    for code in codes:
        photo = kept.get(code)
        if photo is None or not default_storage.exists(photo.original.name):
            lost += 1
    return lost


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered))) - 1))]


def report(results: Results, seconds: float, people: int, workers: int, lost: int) -> None:
    every = [value for values in results.timings.values() for value in values]
    total = len(every)
    errors = sum(results.errors.values())
    print(
        f"{people} people for {seconds:.0f} s against gunicorn ({workers} workers) and "
        "PostgreSQL on 127.0.0.1"
    )
    print(f"requests: {total}   per second: {total / seconds:.1f}   errors: {errors}")
    print(f"{'':8} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    rows = [("all", every)] + sorted(results.timings.items())
    for kind, values in rows:
        if not values:
            continue
        print(
            f"{kind:8} {len(values):>6} {1000 * percentile(values, 0.50):>8.1f} "
            f"{1000 * percentile(values, 0.95):>8.1f} {1000 * percentile(values, 0.99):>8.1f} "
            f"{1000 * max(values):>8.1f}"
        )
    for what, count in sorted(results.errors.items()):
        print(f"  error {what}: {count}")
    stored = len(results.stored_codes)
    print(
        f"uploads: {results.uploads_sent} sent, {stored} stored, "
        f"{results.uploads_refused} refused, {lost} lost"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--photos-per-album", type=int, default=12)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server where the run may create and drop a database",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    name = f"bench_load_{os.getpid()}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("S3_", "REDIS_"))},
        "DATA_DIR": str(workdir),
        "STATIC_ROOT": str(workdir / "static"),
        "DATABASE_URL": database_url(args.postgres, name),
        "DB_CONN_MAX_AGE": "60",
        "SECRET_KEY": "bench-load-secret-key-not-for-production-use-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": base,
        "RESTORER_PROVIDER": "local",
        "BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": str(args.web_workers),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "restorer.settings",
    }
    os.environ.update(env)
    admin_execute(args.postgres, f'CREATE DATABASE "{name}"')
    web = None
    try:
        run = {"cwd": ROOT, "env": env, "check": True}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], **run)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], **run
        )
        started = time.monotonic()
        seeded = seed_people(args.people, args.photos_per_album)
        print(
            f"seeded {args.people} people x {args.photos_per_album} photos "
            f"in {time.monotonic() - started:.0f} s"
        )
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:restorer.gunicorn_config",
             "restorer.wsgi"],
            cwd=ROOT, env=env, stdout=(workdir / "web.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/healthz?scope=web", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"gunicorn did not start:\n{(workdir / 'web.log').read_text()[-3000:]}")
            time.sleep(0.3)

        from django.db import connections

        connections.close_all()
        results = Results()
        stop_at = time.monotonic() + args.seconds
        people = [Person(base, *entry, results, stop_at) for entry in seeded]
        began = time.monotonic()
        for person in people:
            person.start()
        for person in people:
            person.join()
        elapsed = time.monotonic() - began
        lost = count_lost(results.stored_codes)
        report(results, elapsed, args.people, args.web_workers, lost)
    finally:
        if web is not None:
            web.send_signal(signal.SIGTERM)
            try:
                web.wait(30)
            except subprocess.TimeoutExpired:
                web.kill()
        from django.db import connections

        connections.close_all()
        admin_execute(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
