"""`restore`: the embedded restoration engine's one entry point."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from . import analysis, damage, detector, enhance, faces, repair

MAX_PIXELS = 100_000_000
SINGLE_TILE_PIXELS = 6_000_000
DETECTORS = ("classical", "learned")
TILE = 1536
BAND = 256  # rows of a tile handled at once where float64 or 3-channel float work is needed
RESTORATION_TYPES = (0, 1, 2)
MODEL_TYPES = (1, 2, 3)
# how far chroma may grow beyond what the photo has now (times the asked-for saturation)
CHROMA_CAP = 1.25


@dataclass
class EngineResult:
    """What `restore` returns. `notes` are short sentences for the photo's owner."""

    image: np.ndarray  # uint8 RGB
    colorized: bool = False
    upscaled: bool = False
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    repaired_pixels: int = 0  # pixels the repair painted in
    # whether a toned black-and-white print was made neutral (remove_toning, no colour added)
    toning_removed: bool = False


def _validate(
    image,
    restoration_type,
    model_type,
    change_color,
    colorizer,
    progress,
    max_pixels,
    remove_toning,
):
    if not isinstance(image, np.ndarray):
        raise ValueError(f"image must be a numpy array, not {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ValueError(f"image must be uint8, not {image.dtype}")
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"image must be H x W x 3 (RGB), not shape {image.shape}")
    h, w = image.shape[:2]
    if h < 8 or w < 8:
        raise ValueError(f"image is too small ({w} x {h}); it must be at least 8 x 8 pixels")
    if h * w > MAX_PIXELS:
        raise ValueError(f"image has {h * w} pixels; the engine accepts at most {MAX_PIXELS}")
    for name, value, allowed in (
        ("restoration_type", restoration_type, RESTORATION_TYPES),
        ("model_type", model_type, MODEL_TYPES),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be an integer in {allowed}, not {value!r}")
        if int(value) not in allowed:
            raise ValueError(f"{name} must be one of {allowed}, not {value!r}")
    if not isinstance(change_color, (bool, np.bool_)) and change_color not in (0, 1):
        raise ValueError(f"change_color must be True or False, not {change_color!r}")
    if not isinstance(remove_toning, (bool, np.bool_)):
        raise ValueError(f"remove_toning must be True or False, not {remove_toning!r}")
    if colorizer is not None and not callable(getattr(colorizer, "predict_ab", None)):
        raise ValueError("colorizer must come from restorer.engine.colorize.load_colorizer")
    if progress is not None and not callable(progress):
        raise ValueError("progress must be a callable taking an int percentage")
    if (
        isinstance(max_pixels, bool)
        or not isinstance(max_pixels, (int, np.integer))
        or max_pixels < 64 * 64
    ):
        raise ValueError(f"max_pixels must be an integer of at least 4096, not {max_pixels!r}")


def _tiles(h: int, w: int):
    """(core box, box with margin) pairs covering the photo."""
    if h * w <= SINGLE_TILE_PIXELS:
        yield (0, h, 0, w), (0, h, 0, w)
        return
    margin = 64
    for y0 in range(0, h, TILE):
        for x0 in range(0, w, TILE):
            y1, x1 = min(h, y0 + TILE), min(w, x0 + TILE)
            yield (
                (y0, y1, x0, x1),
                (
                    max(0, y0 - margin),
                    min(h, y1 + margin),
                    max(0, x0 - margin),
                    min(w, x1 + margin),
                ),
            )


def _resize_float(small: np.ndarray, box, scale: float) -> np.ndarray:
    """Crop and enlarge a preview-sized float map to a full-size box."""
    y0, y1, x0, x1 = box
    ys = ((np.arange(y0, y1) + 0.5) * scale - 0.5).astype(np.float32)
    xs = ((np.arange(x0, x1) + 0.5) * scale - 0.5).astype(np.float32)
    mx, my = np.meshgrid(xs, ys)
    return cv2.remap(
        small.astype(np.float32), mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def _resize_mask(small: np.ndarray, box, full_hw, scale: float) -> np.ndarray:
    """Crop and enlarge a preview-sized bool mask to a full-size box (uint8 0/255)."""
    y0, y1, x0, x1 = box
    ph, pw = small.shape
    sy0, sy1 = int(np.floor(y0 * scale)), min(ph, int(np.ceil(y1 * scale)) + 1)
    sx0, sx1 = int(np.floor(x0 * scale)), min(pw, int(np.ceil(x1 * scale)) + 1)
    crop = small[sy0:sy1, sx0:sx1].astype(np.float32)
    if crop.size == 0:
        return np.zeros((y1 - y0, x1 - x0), np.uint8)
    # map full-size pixel centres to preview coordinates
    ys = ((np.arange(y0, y1) + 0.5) * scale - 0.5 - sy0).astype(np.float32)
    xs = ((np.arange(x0, x1) + 0.5) * scale - 0.5 - sx0).astype(np.float32)
    mx, my = np.meshgrid(xs, ys)
    up = cv2.remap(crop, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return (up > 0.5).astype(np.uint8) * 255


def _lift_stains(rgb: np.ndarray, plan, stain: np.ndarray, scale: float) -> np.ndarray:
    """Undo a stain's darkening on a toned black-and-white print.

    The darkening is proportional to how far the colour leaves the print's toning, at the
    rate learnt for this photo (see analysis._find_stains); colour is rebuilt later anyway.
    The fit is in float64 (the toning's coefficients are), so the per-pixel work is done a
    band of rows at a time: a whole tile of float64 colour would take 200 MB.
    """
    coefs = plan.tone_affine
    h = rgb.shape[0]
    off = np.empty(rgb.shape[:2], np.float64)
    for a in range(0, h, BAND):
        f = rgb[a : a + BAND].astype(np.float32)
        grey = f @ analysis.LUMA
        fit = grey[..., None] * coefs[:, 0]
        fit += coefs[:, 1]
        np.subtract(f, fit, out=fit)
        off[a : a + BAND] = np.linalg.norm(fit, axis=2)
    off = cv2.GaussianBlur(off, (0, 0), 1.5 * max(1.0, scale))
    out = np.empty_like(rgb)
    for a in range(0, h, BAND):
        gain = 1.0 + plan.stain_alpha * off[a : a + BAND] * stain[a : a + BAND]
        lifted = rgb[a : a + BAND].astype(np.float32) * gain[..., None]
        lifted += 0.5
        out[a : a + BAND] = np.clip(lifted, 0, 255, out=lifted)
    return out


def _restore_tile(
    rgb: np.ndarray,
    plan: analysis.Plan,
    model_type: int,
    change_color: bool,
    mask: np.ndarray | None,
    wide: np.ndarray | None,
    keep_tone: bool,
    stain: np.ndarray | None = None,
    stain_scale: float = 1.0,
    search: int = 11,
    classical: tuple | None = None,
) -> tuple[np.ndarray, np.ndarray | None, damage.DamageCounts | None]:
    """Restore one tile. Damage is painted out by `mask` (the learned detector's), or found
    here by the classical detector when `classical` = (restoration_type, scale, protect,
    extra mask) is given. Returns the tile, the mask painted and the classical counts."""
    if stain is not None:
        rgb = _lift_stains(rgb, plan, stain, stain_scale)
    toned = analysis.apply_luts(rgb, plan.luts)
    if plan.monochrome:
        y = analysis.luma_u8(toned)
        ycc = None
    else:
        ycc = cv2.cvtColor(toned, cv2.COLOR_RGB2YCrCb)
        if plan.luma_luts is not None:
            balanced = analysis.apply_luts(rgb, plan.luma_luts)
            ycc[..., 0] = analysis.luma_u8(balanced)
        y = np.ascontiguousarray(ycc[..., 0])

    sigma = plan.noise_sigma
    y = enhance.denoise_luma(y, sigma, 1.0 if model_type != 2 else 1.1, search)

    counts = None
    if classical is not None:
        restoration_type, scale, protect, extra = classical
        mask, counts = damage.detect(y, restoration_type, sigma * 0.35, scale, protect)
        if extra is not None:
            mask = np.maximum(mask, extra)
        fill = damage.inpaint
    else:

        def fill(image, m):
            return repair.fill(image, m, wide)

    if mask is not None and mask.any():
        if ycc is not None:
            ycc[..., 0] = y
            ycc = fill(ycc, mask)
            y = np.ascontiguousarray(ycc[..., 0])
        else:
            y = fill(y, mask)

    # sharpening and local contrast by model
    if model_type == 2:
        yf = enhance.local_contrast(y, clip=1.8, mix=0.5)
        yf = enhance.unsharp(yf, 0.8, 1.2, threshold=max(1.0, 0.3 * sigma))
    else:
        # realistic: sharpen back only what grain removal softened, so a clean photo that
        # needed no grain removal gets no sharpening either
        amount = 0.5 * float(np.clip((sigma - 2.0) / 2.0, 0.0, 1.0))
        yf = enhance.unsharp(y.astype(np.float32), amount, 1.0, threshold=max(1.0, 0.3 * sigma))
    # (yf is this tile's own: rounded in place)
    yf += 0.5
    y = np.clip(yf, 0, 255, out=yf).astype(np.uint8)
    del yf

    if plan.monochrome:
        if not keep_tone:
            return cv2.cvtColor(y, cv2.COLOR_GRAY2RGB), mask, counts
        # keep the print's toning, strongest in the mid-tones as on real prints
        yf = y.astype(np.float32)
        wgt = 4.0 * yf * (255.0 - yf) / (255.0 * 255.0)
        out = np.empty((*y.shape, 3), np.uint8)
        out[..., 0] = y
        out[..., 1] = np.clip(128.0 + plan.tint[0] * wgt + 0.5, 0, 255).astype(np.uint8)
        out[..., 2] = np.clip(128.0 + plan.tint[1] * wgt + 0.5, 0, 255).astype(np.uint8)
        return cv2.cvtColor(out, cv2.COLOR_YCrCb2RGB), mask, counts

    # (the float work below is done in place where it can: a tile's float32 plane is 11 MB,
    # a single-tile photo's up to 24 MB, and each expression would make several)
    sat = min(1.5, plan.saturation * (1.08 if model_type == 2 else 1.0))
    chans = []
    for c in (1, 2):
        ch = enhance.smooth_chroma(ycc[..., c].astype(np.float32), sigma)
        ch -= 128.0
        if sat != 1.0:
            ch *= sat
        chans.append(ch)
    # never push a faded picture to vivid: chroma may grow only so far beyond what the
    # print has now, once its cast is gone (the tone curve's contrast gain taken out)
    cap = CHROMA_CAP * (1.1 if model_type == 2 else 1.0) * (sat if change_color else 1.0)
    src = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb)
    had = _chroma(src[..., 1], src[..., 2])
    del src
    src = cv2.cvtColor(toned, cv2.COLOR_RGB2YCrCb)
    del toned
    toned_chroma = _chroma(src[..., 1], src[..., 2])
    del src
    toned_chroma /= max(plan.tone_gain, 1.0)
    np.maximum(had, toned_chroma, out=had)
    del toned_chroma
    had = cv2.GaussianBlur(had, (0, 0), 2.0)
    now = _magnitude(chans[0], chans[1])
    # scale = min(1, (cap * had + 3) / max(now, 1e-3))
    had *= cap
    had += 3.0
    np.maximum(now, 1e-3, out=now)
    had /= now
    del now
    scale = np.minimum(had, 1.0, out=had)
    for c, ch in zip((1, 2), chans, strict=True):
        ch *= scale
        ch += 128.5
        ycc[..., c] = np.clip(ch, 0, 255, out=ch)
    del chans, scale
    ycc[..., 0] = y
    return cv2.cvtColor(ycc, cv2.COLOR_YCrCb2RGB), mask, counts


def _magnitude(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """sqrt(a * a + b * b) of two float32 planes, in one new plane."""
    out = np.multiply(a, a)
    sq = np.multiply(b, b)
    out += sq
    del sq
    return np.sqrt(out, out=out)


def _chroma(cr: np.ndarray, cb: np.ndarray) -> np.ndarray:
    a = cr.astype(np.float32)
    a -= 128.0
    b = cb.astype(np.float32)
    b -= 128.0
    return _magnitude(a, b)


def _colorize_in_strips(out: np.ndarray, preview_l: np.ndarray, colorizer) -> None:
    """Colorize `out` in place; the model sees a preview, colour is spread to full size."""
    ab_small = colorizer.predict_ab(preview_l)
    h, w = out.shape[:2]
    ph, pw = ab_small.shape[:2]
    sx, sy = pw / w, ph / h
    xs = ((np.arange(w) + 0.5) * sx - 0.5).astype(np.float32)
    for y0 in range(0, h, 512):
        y1 = min(h, y0 + 512)
        ys = ((np.arange(y0, y1) + 0.5) * sy - 0.5).astype(np.float32)
        mx, my = np.meshgrid(xs, ys)
        ab = cv2.remap(ab_small, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        lab = cv2.cvtColor(out[y0:y1].astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
        lab[..., 1:] = ab
        rgb = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)
        out[y0:y1] = np.clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)


def restore(
    image: np.ndarray,
    restoration_type: int = 0,
    model_type: int = 1,
    change_color: bool = False,
    colorizer=None,
    progress: Callable[[int], None] | None = None,
    max_pixels: int = MAX_PIXELS,
    remove_toning: bool = False,
    damage_detector: str = "classical",
) -> EngineResult:
    """Restore a scanned old photo (uint8 RGB, H x W x 3, EXIF-oriented, no alpha).

    The options mean what they mean at PicWish (see the package docstring). `progress`, if
    given, is called with whole percentages from 0 to 100, in order. Photos up to
    MAX_PIXELS are restored in tiles, so memory stays bounded, at full resolution; Ultra HD
    (model_type 3) enlarges the result up to x2 but never beyond `max_pixels`. A toned print
    keeps its toning unless it is colorized or `remove_toning` is asked for.

    `damage_detector` is "classical" (shape and surroundings, see `damage`) or "learned"
    (the U-Net of `detector`, judged by bench/engine.py and not yet the default).
    Raises ValueError for a bad array or bad options.
    """
    if damage_detector not in DETECTORS:
        raise ValueError(f"damage_detector must be one of {DETECTORS}, not {damage_detector!r}")
    _validate(
        image,
        restoration_type,
        model_type,
        change_color,
        colorizer,
        progress,
        max_pixels,
        remove_toning,
    )
    restoration_type, model_type = int(restoration_type), int(model_type)
    change_color = bool(change_color)
    if restoration_type == 0:
        model_type = 1  # as at PicWish, light restoration has no model choice

    def report(p: int) -> None:
        if progress is not None:
            progress(int(p))

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    report(0)
    image = np.ascontiguousarray(image)
    h, w = image.shape[:2]
    learned = damage_detector == "learned"
    prob = chosen = None
    if learned:
        prob, work_scale = detector.probability(image)
        timings["detect"] = time.perf_counter() - t0
    report(10)

    t1 = time.perf_counter()
    plan, preview = analysis.plan(image, restoration_type, change_color, prob)
    face = faces.face_mask(analysis.luma_u8(preview))
    if learned:
        chosen = repair.select(prob, restoration_type, work_scale, face)
        face = None  # the classical detector's shield, already applied
    del prob
    will_colorize = plan.monochrome and change_color and colorizer is not None
    keep_tone = not (will_colorize or remove_toning)
    timings["analyse"] = time.perf_counter() - t1
    report(15)

    t1 = time.perf_counter()
    out = np.empty_like(image)
    repaired_pixels = 0
    total = damage.DamageCounts()
    boxes = list(_tiles(h, w))
    for i, (core, outer) in enumerate(boxes):
        y0, y1, x0, x1 = outer
        mask = wide = classical = None
        if not learned:
            extra = protect = None
            if plan.corner_mask is not None:
                extra = _resize_mask(plan.corner_mask, outer, (h, w), plan.preview_scale)
            if face is not None:
                protect = _resize_mask(face > 0, outer, (h, w), plan.preview_scale)
            classical = (restoration_type, max(h, w) / 512.0, protect, extra)
        elif not chosen.empty:
            mask = _resize_mask(chosen.mask > 0, outer, (h, w), chosen.scale)
            if chosen.areas:
                wide = _resize_mask(chosen.wide > 0, outer, (h, w), chosen.scale)
        if learned and plan.corner_mask is not None and restoration_type >= 2:
            corner = _resize_mask(plan.corner_mask, outer, (h, w), plan.preview_scale)
            mask = corner if mask is None else np.maximum(mask, corner)
            wide = corner if wide is None else np.maximum(wide, corner)
        if mask is not None and not mask.any():
            mask = wide = None
        stain = None
        if plan.stain_mask is not None:
            stain = _resize_float(plan.stain_mask, outer, plan.preview_scale)
        res, painted, counts = _restore_tile(
            image[y0:y1, x0:x1],
            plan,
            model_type,
            change_color,
            mask,
            wide,
            keep_tone,
            stain,
            max(h, w) / 512.0,
            11 if h * w <= SINGLE_TILE_PIXELS else 7,
            classical,
        )
        if counts is not None:
            total.add(counts)
        cy0, cy1, cx0, cx1 = core
        if painted is not None:
            repaired_pixels += int(
                np.count_nonzero(painted[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0])
            )
        out[cy0:cy1, cx0:cx1] = res[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
        report(15 + int(70 * (i + 1) / len(boxes)))
    timings["restore"] = time.perf_counter() - t1

    notes: list[str] = []
    colorized = False
    if will_colorize:
        t2 = time.perf_counter()
        preview_rgb, _ = analysis.make_preview(out)
        lab = cv2.cvtColor(preview_rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
        _colorize_in_strips(out, np.ascontiguousarray(lab[..., 0]), colorizer)
        colorized = True
        timings["colorize"] = time.perf_counter() - t2
    elif plan.monochrome and change_color:
        # the toning goes only when removing it was asked for (a note below says so)
        notes.append(
            "This is a black-and-white photo; it was not colorized because no colorization "
            "model is configured" + (", and it keeps its toning." if keep_tone else ".")
        )
    report(90)

    upscaled = False
    if model_type == 3:
        factor = min(2.0, (max_pixels / (h * w)) ** 0.5)
        if factor > 1.01:
            t3 = time.perf_counter()
            out = _upscale_in_strips(out, factor)
            upscaled = True
            timings["upscale"] = time.perf_counter() - t3
            notes.append(f"The photo was enlarged to {out.shape[1]} x {out.shape[0]} pixels.")
        else:
            notes.append(
                f"The photo was not enlarged: it already has {h * w / 1e6:.1f} megapixels and "
                f"the limit is {max_pixels / 1e6:.0f}."
            )

    if chosen is not None:  # the learned detector counted its pieces once, for the photo
        total = damage.DamageCounts(chosen.specks, chosen.lines, areas=chosen.areas)
    notes[:0] = _describe(plan, total, repaired_pixels, h * w, change_color, keep_tone, colorized)
    timings["total"] = time.perf_counter() - t0
    report(100)
    toning_removed = bool(plan.monochrome and not keep_tone and not colorized)
    return EngineResult(out, colorized, upscaled, notes, timings, repaired_pixels, toning_removed)


def _upscale_in_strips(rgb: np.ndarray, factor: float, strip: int = 256) -> np.ndarray:
    """Ultra HD's enlargement, a band of rows at a time, so memory stays bounded.

    Each band's float work is a dozen planes of twice its size (the guided filter's among
    them): 256 rows keep that near 250 MB on a 6000-pixel-wide photo. The 16-row margin is
    far wider than any of the filters reach, so the bands join without a seam."""
    h, w = rgb.shape[:2]
    oh, ow = int(round(h * factor)), int(round(w * factor))
    if oh * ow <= SINGLE_TILE_PIXELS:
        return enhance.upscale(rgb, factor)
    out = np.empty((oh, ow, 3), np.uint8)
    margin = 16
    for y0 in range(0, h, strip):
        y1 = min(h, y0 + strip)
        a, b = max(0, y0 - margin), min(h, y1 + margin)
        band = enhance.upscale(rgb[a:b], factor)
        oy0, oy1 = int(round(y0 * factor)), int(round(y1 * factor)) if y1 < h else oh
        off = int(round(a * factor))
        out[oy0:oy1] = band[oy0 - off : oy1 - off, :ow]
    return out


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many.format(n=n)


def _describe(
    plan, counts, repaired_pixels, total_pixels, change_color, keep_tone, colorized
) -> list[str]:
    """What was done, as the final repair did it: pieces painted out and their pixels."""
    notes = []
    if plan.tone_gain > 1.05:
        notes.append("Faded tones were restored.")
    if not plan.monochrome and plan.cast_strength > 0:
        notes.append("A colour cast was removed.")
    if plan.saturation > 1.05 and change_color:
        notes.append("Faded colours were brought back.")
    if plan.monochrome and not keep_tone and not colorized:
        notes.append("The toning was removed to leave a neutral black-and-white print.")
    if colorized:
        notes.append("The black-and-white photo was colorized.")
    if plan.noise_sigma >= 2.0:
        notes.append("Film grain was reduced.")
    pieces = []
    if counts.specks:
        pieces.append(_plural(counts.specks, "1 speck of dust", "{n} specks of dust"))
    if counts.lines:
        pieces.append(
            _plural(counts.lines, "1 scratch, hair or crack", "{n} scratches, hairs or cracks")
        )
    if counts.areas:
        pieces.append(_plural(counts.areas, "1 damaged area", "{n} damaged areas"))
    if plan.corner_mask is not None and repaired_pixels:
        pieces.append("a missing corner")
    if pieces and repaired_pixels:
        share = 100.0 * repaired_pixels / total_pixels
        listed = pieces[0] if len(pieces) == 1 else ", ".join(pieces[:-1]) + " and " + pieces[-1]
        notes.append(
            f"Repaired {listed}: {repaired_pixels:,} pixels ({share:.2g} % of the photo) were "
            "painted in from their surroundings."
        )
    if plan.stain_mask is not None:
        notes.append("Stains were lightened.")
    return notes
