"""How the album page and the status endpoint scale with the size of an album.

Seeds one album through the real upload code (Album.add_photo) to 10, 100 and
1,000 photos and, at each size, prints the server time (median of repeated
requests through Django's test client, so no network) and the number of SQL
queries of:
  - the album page (first page of the grid),
  - status.json (every photo of the album),
  - status.json?page=1 (what the album page's live view polls).

Run:  .venv/bin/python bench/gallery.py [--repeat 15]
Everything is made in a temporary folder and removed afterwards.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(workdir: Path) -> None:
    os.environ["DATA_DIR"] = str(workdir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "restorer.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.STORAGES["staticfiles"] = {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
    }
    call_command("migrate", interactive=False, verbosity=0)


def tiny_jpeg(seed: int) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (96, 72), ((seed * 37) % 256, (seed * 91) % 256, (seed * 13) % 256))
    ImageDraw.Draw(image).text((4, 4), str(seed), fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def measure(client, url: str, repeat: int) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches (templates, URL resolver)
    times = []
    queries = 0
    size = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            content = response.content
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
        size = len(content)
    return statistics.median(times) * 1000, queries, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--sizes", default="10,100,1000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    workdir = Path(tempfile.mkdtemp(prefix="bench-gallery-"))
    try:
        setup_django(workdir)
        from django.contrib.auth import get_user_model
        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.test import Client

        from albums.models import Album

        user = get_user_model().objects.create_user("bench", "bench@example.org", "x")
        album = Album.objects.create(owner=user, title="Benchmark album")
        client = Client()
        client.force_login(user)
        base = f"/albums/{album.code}/"
        targets = [
            ("album page", base),
            ("status.json", base + "status.json"),
            ("status.json?page=1", base + "status.json?page=1"),
        ]

        print(f"{'photos':>7}  {'endpoint':<20} {'median ms':>10} {'queries':>8} {'bytes':>9}")
        stored = 0
        upload_seconds = 0.0
        rows = {}
        for size in sizes:
            started = time.perf_counter()
            while stored < size:
                album.add_photo(SimpleUploadedFile(f"p{stored}.jpg", tiny_jpeg(stored)))
                stored += 1
            upload_seconds += time.perf_counter() - started
            for name, url in targets:
                ms, queries, length = measure(client, url, args.repeat)
                rows[(size, name)] = (ms, queries)
                print(f"{size:>7}  {name:<20} {ms:>10.2f} {queries:>8} {length:>9}")
        print()
        print(
            f"seeding: {stored} photos stored through Album.add_photo at "
            f"{stored / upload_seconds:.0f} photos/s"
        )
        small, large = sizes[0], sizes[-1]
        for name, _ in targets:
            (t0, q0), (t1, q1) = rows[(small, name)], rows[(large, name)]
            print(
                f"{name}: {large // small}x the photos -> {t1 / t0:.1f}x the time, "
                f"queries {q0} -> {q1}"
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
