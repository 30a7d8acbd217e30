"""Album ZIPs: throughput and the server's peak memory as albums grow.

Albums of 100 and 1,000 photos are generated for the run (through the real upload
code) and removed afterwards. Each ZIP is served by a fresh gunicorn process with one
worker and downloaded over loopback; the worker's peak resident memory (VmHWM) is read
from /proc when the download ends. Two kinds of ZIP:
  - owner: the originals, copied as stored;
  - link: what a share-link visitor gets, every photo re-encoded without metadata.
Run:  .venv/bin/python bench/zip.py [--sizes 100,1000]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def photo_bytes(seed: int) -> bytes:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:600, 0:800]
    picture = np.stack(
        [128 + 100 * np.sin(x / (30 + seed % 17)), 120 + 90 * np.cos(y / 41), 100 + 0 * x], -1
    )
    picture += rng.normal(0, 10, picture.shape)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(picture, 0, 255).astype("uint8")).save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            if f"\nPPid:\t{pid}\n" in status.read_text():
                found.append(int(status.parent.name))
        except OSError:
            continue
    return found


def serve_and_download(env: dict, path: str, cookie: str | None, workdir: Path):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "restorer.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "--timeout", "600"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(workdir / "gunicorn.log").open("a"),
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        [worker] = children(server.pid)
        baseline = peak_rss_mb(worker)
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
        if cookie:
            request.add_header("Cookie", cookie)
        target = workdir / "download.zip"
        started = time.perf_counter()
        size = 0
        with urllib.request.urlopen(request, timeout=600) as answer, target.open("wb") as out:
            while chunk := answer.read(1 << 20):
                out.write(chunk)
                size += len(chunk)
        seconds = time.perf_counter() - started
        peak = peak_rss_mb(worker)
        with zipfile.ZipFile(target) as archive:
            entries = len(archive.namelist())
            assert archive.testzip() is None
        target.unlink()
        return size, seconds, baseline, peak, entries
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    workdir = Path(tempfile.mkdtemp(prefix="bench-zip-"))
    env = {
        **os.environ,
        "DATA_DIR": str(workdir),
        "SECRET_KEY": "bench-zip-secret-key-not-for-production-use-0123456789abcdef",
        "LOG_LEVEL": "WARNING",
        "RESTORER_PROVIDER": "local",
        "DJANGO_SETTINGS_MODULE": "restorer.settings",
    }
    os.environ.update(env)
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env,
                       check=True)  # fmt: skip
        static_env = {**env, "STATIC_ROOT": str(workdir / "static")}
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
                       cwd=ROOT, env=static_env, check=True)  # fmt: skip
        env["STATIC_ROOT"] = str(workdir / "static")
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth import (
            BACKEND_SESSION_KEY,
            HASH_SESSION_KEY,
            SESSION_KEY,
            get_user_model,
        )
        from django.contrib.sessions.backends.db import SessionStore
        from django.core.files.uploadedfile import SimpleUploadedFile

        from albums.models import Album, Photo, ShareLink

        Photo.restore = lambda self, options=None: None  # ZIPs of originals; no restorations
        user = get_user_model().objects.create_user("bench", "bench@example.org", "x")
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

        print(f"{'photos':>7} {'zip':>6} {'MB':>8} {'seconds':>8} {'MB/s':>7} {'photos/s':>9} "
              f"{'server RSS at start':>20} {'server peak RSS':>16}")  # fmt: skip
        peaks = {}
        for size in sizes:
            album = Album.objects.create(owner=user, title=f"Bench {size}")
            started = time.perf_counter()
            for seed in range(size):
                album.add_photo(SimpleUploadedFile(f"{seed}.jpg", photo_bytes(seed)))
            seeding = time.perf_counter() - started
            _, token = ShareLink.create(album)
            for kind, path, with_cookie in (
                ("owner", f"/albums/{album.code}/download.zip?include=originals", cookie),
                ("link", f"/s/{token}/zip/", None),
            ):
                total, seconds, baseline, peak, entries = serve_and_download(
                    env, path, with_cookie, workdir
                )
                assert entries == size, (kind, entries, size)
                peaks[(size, kind)] = peak
                print(f"{size:>7} {kind:>6} {total / 1e6:>8.1f} {seconds:>8.2f} "
                      f"{total / 1e6 / seconds:>7.1f} {size / seconds:>9.1f} "
                      f"{baseline:>17.1f} MB {peak:>13.1f} MB")  # fmt: skip
            print(f"        (seeding {size} photos took {seeding:.1f} s)")
        if len(sizes) > 1:
            small, large = sizes[0], sizes[-1]
            for kind in ("owner", "link"):
                growth = peaks[(large, kind)] - peaks[(small, kind)]
                print(f"{kind} zip: {large // small}x the photos -> server peak "
                      f"{peaks[(small, kind)]:.0f} MB -> {peaks[(large, kind)]:.0f} MB "
                      f"({growth:+.0f} MB)")  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
