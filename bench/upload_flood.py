"""Uploads of 100-megapixel PNGs: does the web server stay up?

Starts gunicorn with the project's production configuration (restorer.gunicorn_config,
its default 2 workers) on 127.0.0.1 over a fresh DATA_DIR, signs one new account in,
then:
  1. uploads one 100 MP PNG and measures the answer time;
  2. starts 20 such uploads at once (each a different file, so none is refused as a
     duplicate), three times over, and meanwhile probes /healthz?scope=web every 0.1 s,
     as a load balancer would, printing each probe's latency.
The penetration test's figures to hold: the single upload answers in under 1 s, and
every probe answers within 1 s during the flood.
Run:  .venv/bin/python bench/upload_flood.py [--uploads 20] [--side 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a long bench password 1907"  # noqa: S105


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def big_png(side: int) -> bytes:
    """A side x side RGB PNG of soft gradients: 100 MP that compress to a few MB."""
    from PIL import Image

    red = Image.linear_gradient("L").resize((side, side))
    green = red.transpose(Image.Transpose.ROTATE_90)
    blue = Image.radial_gradient("L").resize((side, side))
    buffer = io.BytesIO()
    Image.merge("RGB", (red, green, blue)).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def variant(png: bytes, number: int) -> bytes:
    """The same pixels with a text chunk of its own: another file, another SHA-256."""
    text = b"Comment\x00copy " + str(number).encode()
    chunk = struct.pack(">I", len(text)) + b"tEXt" + text
    chunk += struct.pack(">I", zlib.crc32(b"tEXt" + text) & 0xFFFFFFFF)
    after_ihdr = 8 + 25
    return png[:after_ihdr] + chunk + png[after_ihdr:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--side", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="floods, one after the other")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="upload-flood-"))
    port = free_port()
    env = {
        **os.environ,
        "DATA_DIR": str(workdir),
        "STATIC_ROOT": str(workdir / "static"),
        "BIND": f"127.0.0.1:{port}",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("DATABASE_URL", "REDIS_URL", "S3_BUCKET", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env,
        check=True,
    )  # fmt: skip
    subprocess.run(
        [python, "manage.py", "shell", "-c",
         "from django.contrib.auth.models import User; from albums.models import Album; "
         f"u = User.objects.create_user('flood', 'flood@example.org', {PASSWORD!r}); "
         "Album.objects.create(owner=u, title='Flood')"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    code = subprocess.run(
        [python, "manage.py", "shell", "-c",
         "from albums.models import Album; print(Album.objects.get().code)"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.split()[-1]  # fmt: skip

    print(f"making a {args.side} x {args.side} PNG ({args.side**2 / 1e6:.0f} MP) …", flush=True)
    png = big_png(args.side)
    print(f"  {len(png) / 1e6:.1f} MB", flush=True)

    server = subprocess.Popen(
        [python, "-m", "gunicorn", "-c", "python:restorer.gunicorn_config", "restorer.wsgi"],
        cwd=ROOT, env=env, stdout=(workdir / "gunicorn.log").open("w"),
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz?scope=web", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        session = requests.Session()
        session.get(f"{base}/accounts/login/", timeout=10)
        session.post(
            f"{base}/accounts/login/",
            {"username": "flood", "password": PASSWORD,
             "csrfmiddlewaretoken": session.cookies["csrftoken"]},
            timeout=10,
        )  # fmt: skip
        assert "sessionid" in session.cookies, "login failed"

        def upload(number: int) -> tuple[float, int, str]:
            started = time.perf_counter()
            response = session.post(
                f"{base}/albums/{code}/upload/",
                files={"photos": (f"scan-{number}.png", variant(png, number), "image/png")},
                headers={"Accept": "application/json",
                         "X-CSRFToken": session.cookies["csrftoken"]},
                timeout=300,
            )  # fmt: skip
            outcome = response.json()["photos"][0] if response.ok else {}
            detail = "stored" if "code" in outcome else outcome.get("error", response.text[:80])
            return time.perf_counter() - started, response.status_code, detail

        seconds, status, detail = upload(0)
        print(f"one {args.side**2 / 1e6:.0f} MP PNG upload: {seconds:.2f} s ({status}, {detail})")

        probes: list[tuple[float, float, str]] = []
        done = threading.Event()

        def probe() -> None:
            start = time.perf_counter()
            while not done.is_set():
                at = time.perf_counter() - start
                began = time.perf_counter()
                try:
                    answer = requests.get(f"{base}/healthz?scope=web", timeout=30)
                    outcome = str(answer.status_code)
                except requests.RequestException as exc:
                    outcome = type(exc).__name__
                probes.append((at, time.perf_counter() - began, outcome))
                time.sleep(0.1)

        prober = threading.Thread(target=probe)
        prober.start()
        time.sleep(0.5)
        for round_number in range(args.rounds):
            results: list[tuple[float, int, str]] = []
            flood_started = time.perf_counter()
            first = 1 + round_number * args.uploads
            threads = [
                threading.Thread(target=lambda n=n, out=results: out.append(upload(n)))
                for n in range(first, first + args.uploads)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            flood_seconds = time.perf_counter() - flood_started
            times = sorted(r[0] for r in results)
            stored = sum(1 for r in results if r[2] == "stored")
            print(
                f"flood {round_number + 1}: {args.uploads} concurrent uploads all answered in "
                f"{flood_seconds:.2f} s; {stored} stored; per upload median "
                f"{times[len(times) // 2]:.2f} s, max {times[-1]:.2f} s"
            )
            time.sleep(0.5)
        done.set()
        prober.join()

        print("web health probe during the flood (t = seconds since probing began):")
        for at, latency, outcome in probes:
            print(f"  t={at:5.2f}s  {latency * 1000:7.1f} ms  {outcome}")
        worst = max(latency for _, latency, _ in probes)
        failures = sum(1 for *_, outcome in probes if outcome != "200")
        print(f"probes: {len(probes)}, slowest {worst * 1000:.0f} ms, not 200: {failures}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
