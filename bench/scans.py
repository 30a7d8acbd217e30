"""Split-scan accuracy and speed: prints found on generated flatbed scans.

    python bench/scans.py [--scans 50] [--big 3]

Fifty letter-size scans at 200 dpi (1700 x 2200 px), each with 2 to 6 clean pictures laid
at random angles (up to 44 degrees either way) on a white or a black lid, a third of them
nearly touching (about 4 px apart): how many scans give the right number of photos, the
angle error and the crop error (the largest distance from a found corner to the print's
real corner, as a share of the print's longer side). Then the seconds to find the prints
on a 600 dpi scan (5100 x 7000 px), to cut one print out at full size, and for the
whole split of an uploaded JPEG (decode, find, cut, renditions).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from restorer.scans import find_prints  # noqa: E402
from tests.scans import layout, make_scan  # noqa: E402


def accuracy(count: int) -> None:
    rng = np.random.default_rng(2024)
    right = 0
    angle_errors: list[float] = []
    crop_errors: list[float] = []
    for i in range(count):
        n = int(rng.integers(2, 7))
        angles = [float(a) for a in rng.uniform(-44, 44, n)]
        near = i % 3 == 0
        placed = layout((1700, 2200), angles, gap=0.0025 if near else 0.04,
                        fill=1.0 if near else 0.85, seed=i)  # fmt: skip
        background = 245 if i % 2 else 12
        scan = make_scan((1700, 2200), placed, background=background, seed=i)
        found = find_prints(scan)
        if len(found) == len(placed):
            right += 1
        for p in placed:
            if not found:
                break
            f = min(found, key=lambda f: (f.cx - p.cx) ** 2 + (f.cy - p.cy) ** 2)
            angle_errors.append(abs(f.angle - p.angle))
            corner = np.abs(f.frame().corners() - p.corners()).max()
            crop_errors.append(100 * corner / max(p.width, p.height))
    print(f"scans: {count}, right number of photos: {right}/{count}")
    print(f"prints: {len(angle_errors)}")
    print(
        f"angle error, degrees: median {statistics.median(angle_errors):.3f}, "
        f"95th percentile {np.percentile(angle_errors, 95):.3f}, max {max(angle_errors):.3f}"
    )
    print(
        f"crop error, % of the print's side: median {statistics.median(crop_errors):.3f}, "
        f"95th percentile {np.percentile(crop_errors, 95):.3f}, max {max(crop_errors):.3f}"
    )
    within = sum(1 for a, c in zip(angle_errors, crop_errors, strict=True) if a <= 0.5 and c <= 1)
    print(f"prints within 0.5 degrees and 1 %: {within}/{len(angle_errors)}")


def speed(repeats: int) -> None:
    size = (5100, 7000)
    placed = layout(size, [-12, 5, 30, -3], gap=0.01, seed=7)
    scan = make_scan(size, placed, background=245, seed=7, noise=0)
    find_times, cut_times = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        found = find_prints(scan)
        t1 = time.perf_counter()
        for f in found:
            f.frame().render(scan)
        t2 = time.perf_counter()
        find_times.append(t1 - t0)
        cut_times.append((t2 - t1) / max(1, len(found)))
    print(f"600 dpi scan {size[0]} x {size[1]} px, {len(placed)} prints, found {len(found)}")
    print(f"seconds to find the prints: {statistics.median(find_times):.2f} (median of {repeats})")
    print(f"seconds to cut one print out at full size: {statistics.median(cut_times):.2f}")

    # what an upload with split=1 does before the database: decode the JPEG, find the
    # prints, cut each out and make its thumbnail and display size
    import io

    from PIL import Image

    from restorer import imaging

    buffer = io.BytesIO()
    Image.fromarray(scan).save(buffer, "JPEG", quality=92)
    whole = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        buffer.seek(0)
        picture = imaging.load(buffer, max_pixels=200_000_000)
        rgb = np.asarray(picture.convert("RGB"))
        for f in find_prints(rgb):
            imaging.renditions(Image.fromarray(f.frame().render(rgb)))
        whole.append(time.perf_counter() - t0)
    print(
        f"seconds per 600 dpi scan, JPEG decoded to renditions made: "
        f"{statistics.median(whole):.2f} (median of {repeats})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=50)
    parser.add_argument("--big", type=int, default=3)
    args = parser.parse_args()
    if args.scans:
        accuracy(args.scans)
    speed(args.big)


if __name__ == "__main__":
    main()
