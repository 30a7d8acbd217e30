"""Throughput of the restoration pipeline under PicWish's rate limit.

A fake PicWish server (a real HTTP server on 127.0.0.1, tests/fakes/picwish_server.py)
answers with a task latency uniform in 4-8 s and a limit of 2 requests per second.
60 photos are uploaded at once; --clusters django-q2 clusters (2), each with 2 worker
processes, restore them.

The same is done with a naive pipeline (each photo's task creates, then polls every
second until done, in the same 2 workers, against a fresh fake server), for comparison.

With --kill-after SECONDS, a second pipeline run ("killed") restores --kill-photos photos
(30) with --clusters worker clusters (2), each a process group of its own as a worker
machine would be; SECONDS after the upload began the cluster running the dispatcher is
SIGKILLed whole and started again at once.

Printed: photos per minute, the percentage of the limit (limit = QPS x 60 / 2 calls per
photo = 60 photos per minute), API calls per photo, 429 answers, duplicate creates and
lost photos (not done: failed or unfinished). Run:
    .venv/bin/python bench/pipeline.py [--photos 60] [--naive-seconds 90] [--kill-after 10]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QPS = 2
CALLS_PER_PHOTO = 2  # one create and one poll, at best


def start_fake(workdir: Path) -> tuple[subprocess.Popen, str, str]:
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/fakes/picwish_server.py"), "--port", "0",
         "--latency", "4-8", "--qps", str(QPS), "--seed", "7"],
        stdout=subprocess.PIPE, stderr=(workdir / "fake.log").open("w"), text=True,
    )  # fmt: skip
    url = process.stdout.readline().strip()
    key = process.stdout.readline().strip().removeprefix("key ")
    return process, url, key


def fake_log(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/_fake/log", timeout=10) as answer:
        return json.load(answer)


def environment(workdir: Path, url: str, key: str) -> dict:
    host = url.split("//", 1)[1]
    return {
        **os.environ,
        "DATA_DIR": str(workdir),
        "SECRET_KEY": "bench-pipeline-secret-key-not-for-production-use-0123456789",
        "PICWISH_API_KEY": key,
        "PICWISH_API_URL": url,
        "PICWISH_ALLOWED_RESULT_HOSTS": host,
        "PICWISH_QPS": str(QPS),
        "RESTORER_PROVIDER": "picwish",
        "Q_WORKERS": "2",
        "Q_POLL": "0.2",
        "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        "DJANGO_SETTINGS_MODULE": "restorer.settings",
    }


def photo_bytes(seed: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 480), ((seed * 53) % 256, (seed * 29) % 256, 120))
    draw = ImageDraw.Draw(image)
    draw.ellipse([100 + seed % 50, 80, 400, 380], fill=(230, 210, 180))
    draw.text((20, 20), f"photo {seed}", fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def start_cluster(env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env,
        stdout=log.open("a"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def dispatcher_cluster(clusters: list[subprocess.Popen]) -> int:
    """Which cluster runs the dispatcher now (its lease names its process)."""
    from restorer.dispatcher import LEASE_NAME
    from restorer.models import Lease

    holder = Lease.objects.filter(name=LEASE_NAME).values_list("holder", flat=True).first()
    for index, cluster in enumerate(clusters):
        if holder and f":{cluster.pid}:" in holder:
            return index
    return 0


def run(mode: str, photos: int, seconds_limit: float, clusters: int = 1,
        kill_after: float | None = None) -> dict:  # fmt: skip
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-pipeline-{mode}-"))
    fake, url, key = start_fake(workdir)
    env = environment(workdir, url, key)
    os.environ.update(env)
    workers: list[subprocess.Popen] = []
    killed = None
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env,
                       check=True)  # fmt: skip
        import django

        django.setup()
        from django.contrib.auth import get_user_model
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.db.models import Max, Min

        from albums.models import Album
        from restorer.models import Restoration

        workers = [start_cluster(env, workdir / f"worker-{n}.log") for n in range(clusters)]
        time.sleep(3)  # let the clusters start
        user = get_user_model().objects.create_user(f"bench-{mode}", "b@example.org", "x")
        album = Album.objects.create(owner=user, title="Bench")
        started = time.monotonic()
        started_wall = time.time()
        if mode != "naive":
            for seed in range(photos):
                album.add_photo(SimpleUploadedFile(f"{seed}.jpg", photo_bytes(seed)))
        else:
            from django_q.tasks import async_task

            from albums.models import Photo

            Photo.restore = lambda self, options=None: None  # the naive tasks restore instead
            for seed in range(photos):
                photo = album.add_photo(SimpleUploadedFile(f"{seed}.jpg", photo_bytes(seed)))
                restoration = Restoration.objects.create(
                    owner=user, source=photo.original.name, source_sha256=photo.sha256,
                    source_width=photo.width, source_height=photo.height, provider="picwish",
                )  # fmt: skip
                async_task("bench.naive_pipeline.restore_naively", restoration.pk)
        upload_seconds = time.monotonic() - started

        final = Restoration.State.DONE, Restoration.State.FAILED, Restoration.State.CANCELLED
        last_done_at = started
        done = 0
        while time.monotonic() - started < seconds_limit:
            if (
                kill_after is not None
                and killed is None
                and time.monotonic() - started >= kill_after
            ):
                index = dispatcher_cluster(workers)
                os.killpg(workers[index].pid, signal.SIGKILL)
                workers[index].wait(10)
                workers[index] = start_cluster(env, workdir / f"worker-{index}-restarted.log")
                killed = {"cluster": index, "at": round(time.monotonic() - started, 1)}
            now_done = Restoration.objects.filter(state="done").count()
            if now_done != done:
                done, last_done_at = now_done, time.monotonic()
            if Restoration.objects.exclude(state__in=final).count() == 0:
                break
            time.sleep(0.2)
        elapsed = last_done_at - started
        log = fake_log(url)
        moments = Restoration.objects.aggregate(
            first_submit=Min("submitted_at"), last_submit=Max("submitted_at"),
            last_finish=Max("finished_at"),
        )  # fmt: skip
        timeline = {
            name: round(moment.timestamp() - started_wall, 1)
            for name, moment in moments.items()
            if moment is not None
        }
        submitted = Restoration.objects.exclude(remote_task_id="").count()
        failed = Restoration.objects.filter(state="failed").count()
        return {
            "mode": mode,
            "photos": photos,
            "done": done,
            "failed": failed,
            "seconds": elapsed,
            "upload_seconds": upload_seconds,
            "photos_per_minute": done / elapsed * 60 if elapsed > 0 else 0.0,
            "calls": log["creates"] + log["polls"] + log["rate_limited"],
            "creates": log["creates"],
            "polls": log["polls"],
            "rate_limited": log["rate_limited"],
            # The same photo (its upload's name is the restoration's code) created twice;
            # the naive tasks name every upload alike, so count creates beyond task ids kept.
            "duplicate_creates": max(0, log["creates"] - submitted)
            if mode == "naive"
            else len(log["created_files"]) - len(set(log["created_files"])),
            # Created, but the answer never reached the database (a kill mid-create).
            "unrecorded_creates": max(0, log["creates"] - submitted),
            "lost": photos - done,
            "killed": killed,
            "timeline": timeline,
        }
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        fake.send_signal(signal.SIGTERM)
        fake.wait(10)
        if os.environ.get("BENCH_KEEP"):
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=300, help="limit for the pipeline run")
    parser.add_argument("--naive-seconds", type=float, default=90, help="the naive run's window")
    parser.add_argument("--clusters", type=int, default=2, help="worker clusters (pipeline)")
    parser.add_argument("--kill-after", type=float, help="also run a batch with a SIGKILL")
    parser.add_argument("--kill-photos", type=int, default=30, help="photos of that batch")
    parser.add_argument("--no-naive", action="store_true", help="skip the naive run")
    parser.add_argument("--mode", choices=["pipeline", "killed", "naive"], help="(internal)")
    args = parser.parse_args()

    if args.mode:  # a child run: Django can be set up once per process
        limit = args.naive_seconds if args.mode == "naive" else args.seconds
        clusters = 1 if args.mode == "naive" else args.clusters
        kill_after = args.kill_after if args.mode == "killed" else None
        print(json.dumps(run(args.mode, args.photos, limit, clusters, kill_after)))
        return

    results = {}
    modes = {"pipeline": args.photos}
    if args.kill_after is not None:
        modes["killed"] = args.kill_photos
    if not args.no_naive:
        modes["naive"] = args.photos
    for mode, photos in modes.items():
        child = subprocess.run(
            [sys.executable, __file__, "--mode", mode, "--photos", str(photos),
             "--seconds", str(args.seconds), "--naive-seconds", str(args.naive_seconds),
             "--clusters", str(args.clusters)]
            + (["--kill-after", str(args.kill_after)] if args.kill_after is not None else []),
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if child.returncode != 0:
            sys.exit(f"the {mode} run failed:\n{child.stderr[-3000:]}")
        results[mode] = json.loads(child.stdout.strip().splitlines()[-1])

    limit = QPS * 60 / CALLS_PER_PHOTO
    print(f"limit: {QPS} requests/s x 60 / {CALLS_PER_PHOTO} calls/photo = {limit:.0f} photos/min")
    print(f"{'':9} {'done':>5} {'lost':>5} {'seconds':>8} {'photos/min':>11} {'% limit':>8} "
          f"{'calls/photo':>12} {'creates':>8} {'polls':>6} {'429s':>5} {'dup':>4}")  # fmt: skip
    for mode, r in results.items():
        calls_per_photo = r["calls"] / r["done"] if r["done"] else float("nan")
        print(
            f"{mode:9} {r['done']:>5} {r['lost']:>5} {r['seconds']:>8.1f} "
            f"{r['photos_per_minute']:>11.1f} {100 * r['photos_per_minute'] / limit:>7.0f}% "
            f"{calls_per_photo:>12.2f} {r['creates']:>8} {r['polls']:>6} {r['rate_limited']:>5} "
            f"{r['duplicate_creates']:>4}"
        )
    if "naive" in results:
        print(f"(the naive run is stopped after {args.naive_seconds:.0f} s; its lost count is "
              "what was unfinished then)")  # fmt: skip
    print(f"pipeline and killed: {args.clusters} worker clusters; naive: 1")
    for mode in ("pipeline", "killed"):
        if mode not in results:
            continue
        r = results[mode]
        fault = "no faults"
        if r.get("killed"):
            fault = (f"cluster {r['killed']['cluster']} (the dispatcher's) SIGKILLed at "
                     f"{r['killed']['at']} s and restarted")  # fmt: skip
        print(
            f"{mode} ({r['photos']} photos, {fault}): {r['photos_per_minute']:.1f} photos/min, "
            f"{100 * r['photos_per_minute'] / limit:.0f}% of limit, "
            f"{r['calls'] / max(r['done'], 1):.2f} calls/photo, {r['rate_limited']} 429s, "
            f"{r['duplicate_creates']} duplicate creates, {r['lost']} lost"
            f" ({r['failed']} failed, {r['unrecorded_creates']} created with the answer lost)"
        )
        t = r.get("timeline", {})
        if t:
            print(
                f"  seconds after the upload began: uploads stored {r['upload_seconds']:.1f}, "
                f"first create answered {t.get('first_submit', '?')}, last create answered "
                f"{t.get('last_submit', '?')}, last result stored {t.get('last_finish', '?')}"
            )
    if "naive" in results:
        print(f"naive: {results['naive']['photos_per_minute']:.1f} photos/min")


if __name__ == "__main__":
    main()
