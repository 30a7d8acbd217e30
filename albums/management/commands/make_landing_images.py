"""The landing page's before/after: a generated old photo and what the embedded engine makes of it.

Run once when the drawing or the engine changes; the two JPEGs it writes into
static/img/landing/ are committed, so the site never makes them at run time:

    .venv/bin/python manage.py make_landing_images

Nothing here is a real person's photo: a seaside afternoon is drawn with Pillow, aged the
way colour prints of the 1970s age (faded, gone magenta, dusty, scratched, creased, grainy),
then restored by the same engine that restores photos without a PicWish key.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw, ImageFilter

from restorer.providers.base import RestoreOptions
from restorer.providers.local import restore_picture

WIDTH, HEIGHT = 960, 640
SS = 2  # drawn at twice the size and reduced, for soft edges
SEED = 1974
OPTIONS = RestoreOptions(restoration_type=1, model_type=1, change_color=True)


def draw_scene() -> Image.Image:
    """A family's afternoon at the seaside, in colour, as the print was when new."""
    w, h = WIDTH * SS, HEIGHT * SS
    rng = np.random.default_rng(SEED)
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    sky = (1 - y) * np.array([92, 150, 212], np.float32) + y * np.array([196, 222, 240], np.float32)
    image = Image.fromarray(np.broadcast_to(sky, (h, w, 3)).astype(np.uint8))
    d = ImageDraw.Draw(image)
    s = SS

    def box(x0, y0, x1, y1):
        return [x0 * s, y0 * s, x1 * s, y1 * s]

    # clouds, the far headland, the sea with its wave lines, the sand
    for cx, cy, r in ((170, 90, 38), (215, 80, 46), (260, 95, 34), (690, 60, 30), (730, 52, 40)):
        d.ellipse(box(cx - r * 1.4, cy - r * 0.6, cx + r * 1.4, cy + r * 0.6), fill=(244, 246, 248))
    d.polygon(
        [(0, 300 * s), (180 * s, 250 * s), (360 * s, 285 * s), (420 * s, 300 * s)],
        fill=(86, 118, 84),
    )
    d.rectangle(box(0, 300, WIDTH, 420), fill=(38, 106, 150))
    for row in range(8):
        yy = 310 + row * 14
        for x in range(0, WIDTH, 60):
            off = (row * 23) % 60
            d.line(box(x + off, yy, x + off + 26, yy), fill=(150, 196, 218), width=2 * s)
    d.polygon([(0, 420 * s), (WIDTH * s, 405 * s), (WIDTH * s, h), (0, h)], fill=(226, 200, 150))
    d.polygon(
        [(0, 420 * s), (WIDTH * s, 405 * s), (WIDTH * s, 418 * s), (0, 432 * s)],
        fill=(244, 240, 226),
    )  # the foam

    # a striped parasol and a towel
    d.line(box(690, 300, 700, 520), fill=(90, 70, 50), width=4 * s)
    for i, colour in enumerate(((212, 52, 48), (246, 236, 214)) * 4):
        d.pieslice(box(590, 260, 800, 400), 180 + i * 22.5, 180 + (i + 1) * 22.5, fill=colour)
    d.polygon(
        [(560 * s, 530 * s), (760 * s, 515 * s), (790 * s, 575 * s), (575 * s, 592 * s)],
        fill=(246, 196, 46),
    )
    for k in range(4):
        d.line(
            box(566 + k * 6, 545 + k * 12, 772 + k * 6, 530 + k * 12),
            fill=(48, 118, 170),
            width=3 * s,
        )

    # three people: a mother, a father, a child with a bucket
    def person(x, foot, height, shirt, trousers, skin=(232, 184, 150), hair=(70, 44, 30)):
        head = height * 0.13
        top = foot - height
        d.rounded_rectangle(
            box(x - height * 0.11, top + head * 2.0, x + height * 0.11, top + height * 0.55),
            radius=int(10 * s),
            fill=shirt,
        )
        d.rectangle(
            box(x - height * 0.1, top + height * 0.53, x - height * 0.01, foot), fill=trousers
        )
        d.rectangle(
            box(x + height * 0.01, top + height * 0.53, x + height * 0.1, foot), fill=trousers
        )
        d.line(
            box(x - height * 0.11, top + head * 2.3, x - height * 0.2, top + height * 0.5),
            fill=shirt,
            width=int(height * 0.06 * s),
        )
        d.line(
            box(x + height * 0.11, top + head * 2.3, x + height * 0.2, top + height * 0.5),
            fill=shirt,
            width=int(height * 0.06 * s),
        )
        d.ellipse(box(x - head, top, x + head, top + head * 2.1), fill=skin)
        d.chord(
            box(x - head * 1.05, top - head * 0.1, x + head * 1.05, top + head * 1.4),
            180,
            360,
            fill=hair,
        )

    person(250, 560, 250, (40, 120, 96), (232, 226, 210), hair=(120, 70, 36))
    person(360, 570, 290, (226, 128, 40), (60, 72, 110))
    person(455, 575, 150, (230, 70, 110), (64, 140, 200), hair=(196, 150, 80))
    d.polygon(
        [(500 * s, 540 * s), (530 * s, 540 * s), (524 * s, 575 * s), (506 * s, 575 * s)],
        fill=(40, 150, 210),
    )

    small = image.resize((WIDTH, HEIGHT), Image.LANCZOS)
    # Film grain of the print itself, fine and faint.
    grain = rng.normal(0, 3.0, (HEIGHT, WIDTH, 1)).astype(np.float32)
    pixels = np.clip(np.asarray(small, np.float32) + grain, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels).filter(ImageFilter.GaussianBlur(0.6))


def age(scene: Image.Image) -> Image.Image:
    """Fifty years in a shoebox: faded dyes, a magenta cast, dust, scratches and a crease."""
    rng = np.random.default_rng(SEED + 1)
    img = np.asarray(scene, np.float32) / 255.0
    grey = img @ np.array([0.299, 0.587, 0.114], np.float32)
    img = grey[..., None] + (img - grey[..., None]) * 0.45  # the dyes fade
    img = 0.2 + img * 0.62  # blacks lift, whites dull
    img *= np.array([1.08, 0.86, 0.9], np.float32)  # cyan dye goes first: magenta-red
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    r2 = ((xx - WIDTH / 2) / WIDTH) ** 2 + ((yy - HEIGHT / 2) / HEIGHT) ** 2
    img *= (1 - 0.35 * r2)[..., None]

    aged = Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8))
    hi = Image.new("L", (WIDTH * SS, HEIGHT * SS), 0)
    lo = Image.new("L", (WIDTH * SS, HEIGHT * SS), 0)
    dh, dl = ImageDraw.Draw(hi), ImageDraw.Draw(lo)
    for _ in range(260):  # dust: mostly white specks (holes in the emulsion), some dark
        x, y = rng.uniform(0, WIDTH * SS), rng.uniform(0, HEIGHT * SS)
        r = rng.uniform(1.5, 5.0)
        (dh if rng.random() < 0.75 else dl).ellipse([x - r, y - r, x + r, y + r], fill=230)
    for _ in range(5):  # long scratches, gently curved
        x = rng.uniform(0.1, 0.9) * WIDTH * SS
        points = [
            (x + 30 * np.sin(t / 260) + rng.normal(0, 1.5), t) for t in range(0, HEIGHT * SS, 24)
        ]
        dh.line(points, fill=210, width=3)
    for _ in range(3):  # hairs
        x, y = rng.uniform(0, WIDTH * SS), rng.uniform(0, HEIGHT * SS)
        points = []
        for _ in range(30):
            points.append((x, y))
            x += rng.normal(6, 5)
            y += rng.normal(2, 6)
        dl.line(points, fill=200, width=2)
    # a crease across a corner: a bright cracked ridge with a dark shoulder
    dh.line([(1240, 0), (1920, 620)], fill=240, width=5)
    dl.line([(1232, 0), (1912, 620)], fill=120, width=9)
    hi = np.asarray(hi.resize((WIDTH, HEIGHT), Image.LANCZOS), np.float32)[..., None] / 255
    lo = np.asarray(lo.resize((WIDTH, HEIGHT), Image.LANCZOS), np.float32)[..., None] / 255
    img = np.asarray(aged, np.float32) / 255
    img = img * (1 - hi) + np.array([0.97, 0.95, 0.9], np.float32) * hi
    img = img * (1 - lo) + np.array([0.16, 0.12, 0.12], np.float32) * lo
    img += rng.normal(0, 0.025, img.shape).astype(np.float32)  # the scanner's noise
    aged = Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8))
    # The scan came back as a middling JPEG.
    buffer = io.BytesIO()
    aged.save(buffer, "JPEG", quality=80)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


class Command(BaseCommand):
    help = "Draw an old photo, restore it with the embedded engine: the landing page's pictures."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "static" / "img" / "landing"),
            help="folder for before.jpg and after.jpg (default: static/img/landing)",
        )

    def handle(self, *args, **options):
        folder = Path(options["output"])
        folder.mkdir(parents=True, exist_ok=True)
        before = age(draw_scene())
        result = restore_picture(before, OPTIONS, damage_detector="classical")
        before.save(folder / "before.jpg", "JPEG", quality=88, optimize=True)
        (folder / "after.jpg").write_bytes(result.content)
        for note in result.notes:
            self.stdout.write(note)
        self.stdout.write(self.style.SUCCESS(f"Wrote before.jpg and after.jpg to {folder}"))
