"""The served PicWish-compatible API under load: 50 tasks from 5 keys at once.

gunicorn (the production configuration) and a worker cluster restore with the embedded
engine, on a fresh database in a temporary folder (SQLite, the one-machine default, unless
--database-url names another). Each of 5 keys starts 10 tasks at the same moment, the way
PicWish's example clients do: create, then poll once a second until `state` is final;
a 429 is retried after its Retry-After. Every key is held to API_QPS (default 2)
requests per second, so most of the simultaneous creates are refused at first.

Printed: tasks per minute (from the first create to the last task done), p50 and p95 of
the create and of the poll answer times, 429s per key, and errors (any other non-200
answer, no answer, or a task that ended in failure).

Run:  .venv/bin/python bench/api.py [--keys 5] [--tasks-per-key 10] [--workers 2]
          [--web-workers 2] [--size 640x480] [--database-url URL]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CREATE = "/api/tasks/visual/restoration-old-photo"


def photo_bytes(seed: int, size: tuple[int, int]) -> bytes:
    """A picture with some content and specks of dust for the engine to find."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    image = Image.new("RGB", size, (150 + rng.randrange(60), 130, 100))
    draw = ImageDraw.Draw(image)
    for _ in range(10):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        shade = rng.randrange(40, 220)
        draw.ellipse([x, y, x + rng.randrange(30, 200), y + rng.randrange(30, 200)],
                     fill=(shade, shade - 20, shade - 40))  # fmt: skip
    image = image.filter(ImageFilter.GaussianBlur(2))
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        draw.ellipse([x, y, x + 2, y + 2], fill=(250, 250, 245))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.create_seconds: list[float] = []
        self.poll_seconds: list[float] = []
        self.rate_limited: Counter = Counter()
        self.errors: list[str] = []
        self.finished_at: list[float] = []
        self.states: Counter = Counter()


class Client(threading.Thread):
    """One task: create it, poll it every second until it ends (PicWish's examples)."""

    def __init__(self, base, key_name, secret, picture, results, start, give_up_after):
        super().__init__(daemon=True)
        self.base, self.key_name, self.secret = base, key_name, secret
        self.picture, self.results, self.start_barrier = picture, results, start
        self.give_up_after = give_up_after
        self.session = requests.Session()

    def call(self, kind: str, method: str, path: str, **kwargs) -> dict | None:
        """One request, retried after Retry-After while it answers 429; the data or None."""
        while True:
            began = time.monotonic()
            try:
                answer = self.session.request(
                    method, self.base + path, headers={"X-API-KEY": self.secret},
                    timeout=120, **kwargs,
                )  # fmt: skip
            except requests.RequestException as exc:
                with self.results.lock:
                    self.results.errors.append(f"{kind}: {type(exc).__name__}")
                return None
            seconds = time.monotonic() - began
            with self.results.lock:
                (self.results.create_seconds if kind == "create" else self.results.poll_seconds
                 ).append(seconds)  # fmt: skip
            if answer.status_code == 429:
                with self.results.lock:
                    self.results.rate_limited[self.key_name] += 1
                time.sleep(float(answer.headers.get("Retry-After", "1")))
                continue
            if answer.status_code != 200:
                with self.results.lock:
                    self.results.errors.append(f"{kind}: HTTP {answer.status_code}")
                return None
            return answer.json()["data"]

    def run(self) -> None:
        self.start_barrier.wait()
        files = {"image_file": ("scan.jpg", self.picture, "image/jpeg")}
        fields = {"sync": "0", "restoration_type": "1", "model_type": "1", "change_color": "0"}
        data = self.call("create", "POST", CREATE, data=fields, files=files)
        if data is None:
            return
        deadline = time.monotonic() + self.give_up_after
        while data["state"] not in (1,) and data["state"] >= 0:
            if time.monotonic() > deadline:
                with self.results.lock:
                    self.results.errors.append("task: not finished in time")
                return
            time.sleep(1)
            data = self.call("poll", "GET", f"{CREATE}/{data['task_id']}")
            if data is None:
                return
        with self.results.lock:
            self.results.states[data["state"]] += 1
            self.results.finished_at.append(time.monotonic())
            if data["state"] != 1:
                self.results.errors.append(f"task: state {data['state']}")


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def seed_keys(count: int) -> list[tuple[str, str]]:
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from restorer.api.models import ApiKey

    keys = []
    for number in range(count):
        owner = get_user_model().objects.create(username=f"client{number}")
        keys.append((f"key{number}", ApiKey.issue(owner, f"bench {number}")[1]))
    from django.db import connections

    connections.close_all()
    return keys


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=5)
    parser.add_argument("--tasks-per-key", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (Q_WORKERS)")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--size", default="640x480", help="pictures' size, WIDTHxHEIGHT")
    parser.add_argument("--database-url", default="", help="default: SQLite in a temp folder")
    parser.add_argument("--give-up-after", type=float, default=900)
    args = parser.parse_args()
    width, height = (int(side) for side in args.size.lower().split("x"))

    workdir = Path(tempfile.mkdtemp(prefix="bench-api-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("S3_", "REDIS_", "API_"))},
        "DATA_DIR": str(workdir),
        "STATIC_ROOT": str(workdir / "static"),
        "DATABASE_URL": args.database_url or f"sqlite:///{workdir / 'db.sqlite3'}",
        "SECRET_KEY": "bench-api-secret-key-not-for-production-use-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": base,
        "RESTORER_PROVIDER": "local",
        "PICWISH_API_KEY": "",
        "BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": str(args.web_workers),
        "Q_WORKERS": str(args.workers),
        "Q_POLL": "0.2",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "restorer.settings",
    }
    os.environ.update(env)
    web = worker = None
    try:
        run = {"cwd": ROOT, "env": env, "check": True}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], **run)
        keys = seed_keys(args.keys)
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:restorer.gunicorn_config",
             "restorer.wsgi"],
            cwd=ROOT, env=env, stdout=(workdir / "web.log").open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT, env=env, stdout=(workdir / "worker.log").open("w"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/api/openapi.json", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                sys.exit(f"gunicorn did not start:\n{(workdir / 'web.log').read_text()[-3000:]}")
            time.sleep(0.3)

        results = Results()
        total = args.keys * args.tasks_per_key
        barrier = threading.Barrier(total + 1)
        clients = [
            Client(
                base,
                name,
                secret,
                photo_bytes(index * 100 + task, (width, height)),
                results,
                barrier,
                args.give_up_after,
            )  # fmt: skip
            for index, (name, secret) in enumerate(keys)
            for task in range(args.tasks_per_key)
        ]
        for client in clients:
            client.start()
        barrier.wait()
        began = time.monotonic()
        for client in clients:
            client.join()
        report(results, began, total, args, keys)
    finally:
        stop(web)
        stop(worker)
        shutil.rmtree(workdir, ignore_errors=True)


def report(results: Results, began: float, total: int, args, keys) -> None:
    done = results.states.get(1, 0)
    last = max(results.finished_at, default=time.monotonic())
    minutes = (last - began) / 60
    print(
        f"{total} tasks from {args.keys} keys at once, embedded engine, {args.size} pictures, "
        f"{args.workers} worker processes, {args.web_workers} gunicorn workers, "
        f"API_QPS={os.environ.get('API_QPS', '2')} per key"
    )
    print(f"  done:             {done} of {total} in {last - began:.1f} s")
    print(f"  tasks per minute: {done / minutes:.1f}" if minutes > 0 else "  tasks per minute: -")
    for kind, values in (("create", results.create_seconds), ("poll", results.poll_seconds)):
        print(
            f"  {kind:<6} answers:   {len(values):4d}, p50 {percentile(values, 0.5) * 1000:6.0f} "
            f"ms, p95 {percentile(values, 0.95) * 1000:6.0f} ms"
        )
    per_key = defaultdict(int, results.rate_limited)
    print("  429s per key:     " + ", ".join(f"{name} {per_key[name]}" for name, _ in keys))
    errors = Counter(results.errors)
    print(f"  errors:           {sum(errors.values())}" + (f" {dict(errors)}" if errors else ""))


if __name__ == "__main__":
    main()
