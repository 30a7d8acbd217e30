"""Benchmark of the embedded restoration engine, on damage and photos it was not trained on.

    .venv/bin/python bench/engine.py                     # quality, speed, memory
    .venv/bin/python bench/engine.py --sheet /tmp/sheet.png   # and a contact sheet of the
                                                              # real photos in ../shared/photos
    .venv/bin/python bench/engine.py --ceiling           # and where the losses come from

Quality: crops of the held-out photos (restorer.engine.training.sources.HELD_OUT, never
trained on), aged two ways:
- "held-out": by the detector's own training generator (restorer.engine.training.damage);
- "independent": by bench/independent_damage.py, written from a plain description of
  old-photo damage without reading the training generator;
- "independent-2": by bench/independent_damage_2.py, written by another hand from such a
  description, without reading anything in the project. The goals are judged on the first;
  the second says whether a change holds on damage and fading drawn another way.
For each level: luminance PSNR and SSIM of the aged input and of the engine's result against
the clean crop, PSNR inside the damage mask, and PSNR of the clean crop put through the engine
("do no harm").
Ceiling (--ceiling): the independent set restored again with the generator's own mask in
place of the detector's, then with the fading undone exactly (the one luminance gain and
offset nearest the clean crop). The gaps between the columns say how much a better detector,
and how much a better tone correction, would be worth.
Speed: a severe restoration of a 2048 x 2048 and a 6000 x 4000 photo on one core, each in a
fresh process, with that process's peak memory; the photos carry a real scan's grain, so
grain removal (the slowest step) runs.
"""

from __future__ import annotations

import os

# one core, as the goals are stated: set before numpy and OpenCV load their thread pools
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import cv2  # noqa: E402
import independent_damage  # noqa: E402
import independent_damage_2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from restorer.engine import restore  # noqa: E402
from restorer.engine.training import damage as training_damage  # noqa: E402
from restorer.engine.training import sources  # noqa: E402
from tests.engine.metrics import psnr, ssim  # noqa: E402

LEVELS = ("light", "medium", "severe")
LEVEL_TYPE = {"light": 0, "medium": 1, "severe": 2}
PHOTOS = ROOT.parent / "shared" / "photos"
GOALS = {"light": 3.0, "medium": 4.0, "severe": 4.0}
DETECTOR = "classical"  # set by --detector


def crops(size: int, per_photo: int, seed: int) -> list[tuple[str, np.ndarray]]:
    """Crops of the held-out photos, half of them turned black and white."""
    rng = np.random.default_rng(seed)
    out = []
    for src in sources.held_out_sources():
        img = sources.load_rgb(src.path)
        for k in range(per_photo):
            side = rng.uniform(size, max(size * 1.05, min(2.0 * size, max(img.shape[:2]))))
            f = side / max(img.shape[:2])
            im = cv2.resize(
                img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
            )
            h, w = im.shape[:2]
            ch, cw = min(size, h), min(size, w)
            y, x = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
            crop = np.ascontiguousarray(im[y : y + ch, x : x + cw])
            if k % 2:
                g = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
                crop = np.repeat(g[..., None], 3, axis=2)
            out.append((f"{src.name}#{k}", crop))
    return out


def _training_age(clean: np.ndarray, level: str, seed: int):
    """The training generator at a severity near the level's (it draws its own)."""
    # draw until the damaged share is in the level's band, as the independent generator does
    band = {"light": (0.001, 0.02), "medium": (0.01, 0.06), "severe": (0.04, 0.15)}[level]
    best = None
    for attempt in range(20):
        rng = np.random.default_rng(seed * 100 + attempt)
        aged, mask = training_damage.age(clean, rng, max(clean.shape[:2]) / 512.0)
        share = mask.mean()
        if band[0] <= share <= band[1]:
            return aged, mask
        if best is None or abs(share - np.mean(band)) < abs(best[1].mean() - np.mean(band)):
            best = (aged, mask)
    return best


def quality(cases, generator: str, seed: int) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {lv: [] for lv in LEVELS}
    clean_cache: dict[tuple[str, int], float] = {}
    print(f"\nQuality, {generator} damage: {len(cases)} crops x 3 levels")
    print(
        f"{'case':<14}{'level':<8}{'PSNR in':>8}{'out':>7}{'SSIM in':>9}{'out':>7}"
        f"{'mask in':>9}{'out':>7}{'clean':>7}"
    )
    for i, (name, clean) in enumerate(cases):
        for li, level in enumerate(LEVELS):
            case_seed = seed * 1000 + i * 10 + li
            if generator == "independent":
                aged, mask = independent_damage.age(clean, level, case_seed)
            elif generator == "independent-2":
                aged, mask = independent_damage_2.age(clean, level, case_seed)
            else:
                aged, mask = _training_age(clean, level, case_seed)
            rt = LEVEL_TYPE[level]
            out = restore(aged, restoration_type=rt, model_type=1, damage_detector=DETECTOR).image
            if (name, rt) not in clean_cache:
                kept = restore(
                    clean, restoration_type=rt, model_type=1, damage_detector=DETECTOR
                ).image
                clean_cache[(name, rt)] = psnr(kept, clean)
            r = {
                "psnr_in": psnr(aged, clean),
                "psnr_out": psnr(out, clean),
                "ssim_in": ssim(aged, clean),
                "ssim_out": ssim(out, clean),
                "mask_in": psnr(aged, clean, mask),
                "mask_out": psnr(out, clean, mask),
                "clean": clean_cache[(name, rt)],
            }
            rows[level].append(r)
            print(
                f"{name:<14}{level:<8}{r['psnr_in']:>8.2f}{r['psnr_out']:>7.2f}"
                f"{r['ssim_in']:>9.3f}{r['ssim_out']:>7.3f}{r['mask_in']:>9.2f}"
                f"{r['mask_out']:>7.2f}{r['clean']:>7.2f}"
            )
    return rows


def summarise(name: str, rows: dict[str, list[dict]]) -> dict[str, dict]:
    print(f"\n{name}: mean per level")
    print(
        f"{'level':<8}{'PSNR in':>8}{'out':>7}{'gain':>7}{'worst':>7}{'SSIM in':>9}{'out':>7}"
        f"{'gain':>7}{'mask in':>9}{'out':>7}{'gain':>7}{'clean':>7}{'min':>7}"
    )
    summary = {}
    for level, rs in rows.items():
        m = {key: float(np.nanmean([r[key] for r in rs])) for key in rs[0]}
        worst = min(r["psnr_out"] - r["psnr_in"] for r in rs)
        clean_min = min(r["clean"] for r in rs)
        s = {
            "gain": m["psnr_out"] - m["psnr_in"],
            "ssim_gain": m["ssim_out"] - m["ssim_in"],
            "mask_gain": m["mask_out"] - m["mask_in"],
            "worst": worst,
            "clean": m["clean"],
            "clean_min": clean_min,
        }
        summary[level] = s
        print(
            f"{level:<8}{m['psnr_in']:>8.2f}{m['psnr_out']:>7.2f}{s['gain']:>+7.2f}"
            f"{worst:>+7.2f}{m['ssim_in']:>9.3f}{m['ssim_out']:>7.3f}{s['ssim_gain']:>+7.3f}"
            f"{m['mask_in']:>9.2f}{m['mask_out']:>7.2f}{s['mask_gain']:>+7.2f}"
            f"{m['clean']:>7.2f}{clean_min:>7.2f}"
        )
    return summary


class _TrueDamage:
    """Within the block, the engine's detectors see the generator's own damage mask: what a
    perfect detector would let the rest of the engine (tone, fill, grain) achieve."""

    def __init__(self):
        self.mask = None

    def __enter__(self):
        from restorer.engine import damage, detector

        self._saved = (damage.detect, detector.probability)
        truth = self

        def detect(y, restoration_type, *args, **kwargs):
            size = (y.shape[1], y.shape[0])
            mask = cv2.resize(truth.mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
            mask = cv2.dilate(mask, np.ones((3, 3), np.uint8)) * 255
            return mask, damage.DamageCounts(lines=1, pixels=int(np.count_nonzero(mask)))

        def probability(rgb):
            return truth.mask.astype(np.float32), 1.0

        damage.detect, detector.probability = detect, probability
        return self

    def __exit__(self, *exc):
        from restorer.engine import damage, detector

        damage.detect, detector.probability = self._saved


def _ideal_tone(out: np.ndarray, clean: np.ndarray) -> np.ndarray:
    """`out` with the one luminance line (gain and offset) that brings it nearest the clean
    crop: how good the result would be if the engine had undone the fading exactly."""
    yo = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY).astype(np.float64).ravel()
    yc = cv2.cvtColor(clean, cv2.COLOR_RGB2GRAY).astype(np.float64).ravel()
    k, b = np.linalg.lstsq(np.stack([yo, np.ones_like(yo)], 1), yc, rcond=None)[0]
    fixed = np.clip(out.astype(np.float64) * k + b, 0, 255)
    return (fixed + 0.5).astype(np.uint8)


def ceiling(cases, seed: int) -> None:
    """Where the independent set's losses come from: the engine as it is, the engine with a
    perfect detector, and that again with the fading undone exactly."""
    print("\nCeiling on the independent set (a diagnosis, not a result):")
    print(f"{'level':<8}{'as is':>8}{'mask':>7}{'perfect detector':>18}{'mask':>7}{'and tone':>10}")
    truth = _TrueDamage()
    for li, level in enumerate(LEVELS):
        rows = []
        for i, (_, clean) in enumerate(cases):
            aged, mask = independent_damage.age(clean, level, seed * 1000 + i * 10 + li)
            rt = LEVEL_TYPE[level]
            out = restore(aged, restoration_type=rt, model_type=1, damage_detector=DETECTOR).image
            truth.mask = mask
            with truth:
                best = restore(
                    aged, restoration_type=rt, model_type=1, damage_detector=DETECTOR
                ).image
            base, base_m = psnr(aged, clean), psnr(aged, clean, mask)
            rows.append(
                (
                    psnr(out, clean) - base,
                    psnr(out, clean, mask) - base_m,
                    psnr(best, clean) - base,
                    psnr(best, clean, mask) - base_m,
                    psnr(_ideal_tone(best, clean), clean) - base,
                )
            )
        m = np.nanmean(np.array(rows), axis=0)
        print(f"{level:<8}{m[0]:>+8.2f}{m[1]:>+7.2f}{m[2]:>+18.2f}{m[3]:>+7.2f}{m[4]:>+10.2f}")


_TIMER = """
import os, resource, sys, time
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[v] = "1"
sys.path.insert(0, sys.argv[2])
import cv2, numpy as np
cv2.setNumThreads(1)
from restorer.engine import restore

def peak_mb():
    # this process's own high-water mark. ru_maxrss would not do: Linux carries the parent's
    # peak over into a child started by vfork and exec (as subprocess does), so it reported
    # the benchmark's own peak from making the 6000 x 4000 test photo, not the engine's
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

img = np.load(sys.argv[1])
runs = []
for _ in range(int(sys.argv[3])):
    t = time.perf_counter()
    restore(img, restoration_type=2, model_type=1, damage_detector=sys.argv[4])
    runs.append(time.perf_counter() - t)
print(sorted(runs)[len(runs) // 2], min(runs), max(runs), peak_mb())
"""


def speed(seed: int) -> dict[str, tuple[float, float]]:
    """Seconds (median) and peak MB of a severe restoration, each size in a fresh process."""
    print(
        "\nSpeed: severe restoration (restoration_type 2, model_type 1) on one core, "
        "detector and grain removal included, each size in a fresh process"
    )
    src = sources.load_rgb(next(s for s in sources.held_out_sources() if s.name == "Storm").path)
    results = {}
    for (w, h), repeats in (((2048, 2048), 3), ((6000, 4000), 1)):
        clean = cv2.resize(src, (w, h), interpolation=cv2.INTER_CUBIC)
        aged, _ = independent_damage.age(clean, "severe", seed)
        del clean
        # the generator's grain, scaled with the picture, is too fine at these sizes for the
        # engine to measure, so grain removal would not run: add the per-pixel grain of a
        # real high-resolution scan (sigma 6 levels), so the time includes it
        grain = np.random.default_rng(seed).normal(0.0, 6.0, aged.shape[:2]).astype(np.float32)
        aged = np.clip(aged + grain[..., None], 0, 255).astype(np.uint8)
        del grain
        with tempfile.NamedTemporaryFile(suffix=".npy") as f:
            np.save(f.name, aged)
            del aged
            out = subprocess.run(
                [sys.executable, "-c", _TIMER, f.name, str(ROOT), str(repeats), DETECTOR],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
        med, lo, hi, peak = (float(v) for v in out)
        results[f"{w}x{h}"] = (med, peak)
        print(
            f"  {w} x {h}: {med:6.2f} s ({repeats} run{'s' if repeats > 1 else ''}, "
            f"{lo:.2f} to {hi:.2f} s), peak memory {peak:,.0f} MB"
        )
    return results


def _load(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        if im.mode in ("RGBA", "LA", "P"):
            im = im.convert("RGBA")
            bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
            im = Image.alpha_composite(bg, im)
        return np.asarray(im.convert("RGB")).copy()


def _label(img: np.ndarray, text: str) -> np.ndarray:
    out = img.copy()
    cv2.rectangle(out, (0, 0), (min(out.shape[1], 9 * len(text) + 8), 20), (0, 0, 0), -1)
    cv2.putText(out, text, (4, 15), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    return out


def sheet(path: str, height: int) -> None:
    """The twelve real photos: the original, then each level with the album's defaults."""
    if not PHOTOS.is_dir():
        print(f"No photos folder at {PHOTOS}; no contact sheet written.")
        return
    rows = []
    for p in sorted(PHOTOS.glob("*.png")):
        img = _load(p)
        tiles = [_label(img, p.stem)]
        for level in LEVELS:
            res = restore(
                img, restoration_type=LEVEL_TYPE[level], model_type=1, damage_detector=DETECTOR
            )
            tiles.append(_label(res.image, level))
        scaled = []
        for t in tiles:
            f = height / t.shape[0]
            scaled.append(
                cv2.resize(t, (int(round(t.shape[1] * f)), height), interpolation=cv2.INTER_AREA)
            )
        rows.append(np.hstack(scaled))
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    cv2.imwrite(path, np.vstack(rows)[..., ::-1])
    print(f"\nContact sheet of {len(rows)} photos written to {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=1, help="seed of the crops and the damage")
    ap.add_argument("--per-photo", type=int, default=4, help="crops of each held-out photo")
    ap.add_argument("--size", type=int, default=512, help="side of the crops")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument(
        "--ceiling",
        action="store_true",
        help="also restore with a perfect detector, and with the fading undone exactly",
    )
    ap.add_argument("--sheet", help="write a contact sheet PNG of ../shared/photos here")
    ap.add_argument("--sheet-height", type=int, default=300)
    ap.add_argument(
        "--detector",
        choices=("classical", "learned"),
        default="classical",
        help="the engine's damage detector (classical is the default)",
    )
    args = ap.parse_args()
    global DETECTOR
    DETECTOR = args.detector
    print(f"damage detector: {DETECTOR}")

    cv2.setNumThreads(1)
    cases = crops(args.size, args.per_photo, args.seed)
    held = summarise("held-out (training generator)", quality(cases, "training", args.seed))
    ind = summarise("independent", quality(cases, "independent", args.seed))
    ind2 = summarise("independent-2", quality(cases, "independent-2", args.seed))
    if args.ceiling:
        ceiling(cases, args.seed)
    speeds = {} if args.no_speed else speed(args.seed)
    if args.sheet:
        sheet(args.sheet, args.sheet_height)

    print(
        "\nheld-out set, training generator: "
        + " / ".join(
            f"{lv} {held[lv]['gain']:+.2f} dB (mask {held[lv]['mask_gain']:+.2f})" for lv in LEVELS
        )
    )
    print(
        "second independent set: "
        + " / ".join(
            f"{lv} {ind2[lv]['gain']:+.2f} dB (mask {ind2[lv]['mask_gain']:+.2f}, "
            f"worst {ind2[lv]['worst']:+.2f}, clean {ind2[lv]['clean']:.2f})"
            for lv in LEVELS
        )
    )
    print("Goals on the independent set:")
    goals = [
        (
            f"PSNR gain {lv} >= +{GOALS[lv]} dB ({ind[lv]['gain']:+.2f})",
            ind[lv]["gain"] >= GOALS[lv],
        )
        for lv in LEVELS
    ]
    mask_gain = float(np.mean([ind[lv]["mask_gain"] for lv in LEVELS]))
    worst = min(ind[lv]["worst"] for lv in LEVELS)
    clean = min(ind[lv]["clean"] for lv in LEVELS)
    goals += [
        (f"PSNR gain inside the mask >= +8 dB ({mask_gain:+.2f})", mask_gain >= 8.0),
        (f"no case below 0 dB (worst {worst:+.2f})", worst >= 0.0),
        (f"clean inputs >= 38 dB (lowest level mean {clean:.2f})", clean >= 38.0),
    ]
    if speeds:
        t2048, _ = speeds["2048x2048"]
        t24, m24 = speeds["6000x4000"]
        goals += [
            (f"2048 x 2048 severe <= 4 s ({t2048:.2f} s)", t2048 <= 4.0),
            (f"6000 x 4000 severe <= 20 s ({t24:.2f} s)", t24 <= 20.0),
            (f"6000 x 4000 peak memory <= 1536 MB ({m24:,.0f} MB)", m24 <= 1536),
        ]
    for text, ok in goals:
        print(f"  [{'met' if ok else 'NOT met'}] {text}")
    t = f", 2048² severe {speeds['2048x2048'][0]:.2f} s" if speeds else ""
    print(
        f"engine: independent {ind['light']['gain']:+.2f}/{ind['medium']['gain']:+.2f}/"
        f"{ind['severe']['gain']:+.2f} dB, mask {mask_gain:+.2f} dB, worst case {worst:+.2f} dB, "
        f"clean {clean:.2f} dB{t}"
    )


if __name__ == "__main__":
    main()
