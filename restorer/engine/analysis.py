"""Whole-photo measurements made once, on a small preview and a few full-size samples.

Tiles of a large scan are restored one at a time; everything that must agree across tiles
(tone curve, white balance, whether the photo is black-and-white, the grain level, missing
corners) is decided here, from the whole photo, before the first tile is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from . import damage

PREVIEW_SIDE = 768
LUMA = np.array([0.299, 0.587, 0.114], np.float32)

# A photo whose darkest tones are at most this level, and lightest at least WHITE_OK, is taken
# as well exposed: the tone curve leaves it alone.
BLACK_OK, WHITE_OK = 14.0, 226.0
BLACK_TARGET, WHITE_TARGET = 8.0, 246.0
MAX_TONE_GAIN = 2.6
GAIN_KNEE = 1.7
# how far the white may rise for each level the black is lifted (see _stretch), plus a little
WHITE_PER_BLACK, WHITE_SLACK = 1.0, 6.0
# how far a lifted black is taken towards BLACK_TARGET. Fading lifts blacks (the twelve real
# scans in ../shared/photos have theirs at 35 to 66), but so does a picture without deep
# shadows (mist, a pale wall, a crop of a bright scene), and a lifted black says nothing of
# which it is. Taking it all the way darkened such pictures by up to 40 levels and made old-a,
# a real faded print, come out too dark; most of the way is closer on every damage generator
# in bench/ and on the held-out photos left alone.
BLACK_SHARE = 0.7
# and a toned black-and-white print's, of that: its deepest tone was never black
MONO_BLACK_SHARE = 0.8
# a black above this is taken as less and less faded, and above it + 40 as the subject's own
HIGH_KEY_BLACK = 100.0


@dataclass
class Plan:
    """What to do to every tile, decided from the whole photo."""

    monochrome: bool
    luts: np.ndarray  # (3, 256) float32: per-channel tone and white-balance curve
    cast_strength: float  # how far the white/black points were from neutral (levels)
    tone_gain: float  # contrast gain of the tone curve (1 = unchanged)
    tint: tuple[float, float]  # mid-tone (Cr, Cb) offsets of a toned monochrome print
    saturation: float  # chroma gain for colour photos
    noise_sigma: float  # grain level after the tone curve, in 8-bit levels
    corner_mask: np.ndarray | None  # preview-sized bool mask of missing corners
    preview_scale: float  # preview size / photo size
    luma_luts: np.ndarray | None = None  # (3, 256): fully balanced curve the luminance comes from
    tone_affine: np.ndarray | None = None  # (3, 2): channel = k * grey + b of a toned print
    stain_mask: np.ndarray | None = None  # preview-sized float mask (0..1) of stains
    stain_alpha: float = 0.0  # luminance lost per level of stain discolouration
    levels: tuple[float, float, float, float] = (0.0, 255.0, 0.0, 255.0)  # in lo, hi; out lo, hi
    notes: list[str] = field(default_factory=list)


def make_preview(image: np.ndarray, side: int = PREVIEW_SIDE) -> tuple[np.ndarray, float]:
    h, w = image.shape[:2]
    scale = min(1.0, side / max(h, w))
    if scale >= 1.0:
        return image, 1.0
    size = (max(1, int(round(w * scale))), max(1, int(round(h * scale))))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


def luma_u8(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)


def estimate_noise(image: np.ndarray, samples: int = 4, size: int = 384) -> float:
    """Grain level (std, 8-bit levels) of the full-size photo.

    Texture and edges are kept out by principal components: picture structure in 6 x 6
    patches takes a few strong directions, grain spreads over all of them, so the weakest
    directions (of the calmest patches) hold the grain alone. Film grain is spatially
    correlated and JPEG removes its finest part, so it is measured at half resolution too
    (the factor makes that figure match the per-pixel standard deviation of such grain on
    flat grey); fine per-pixel noise shows fully only at full resolution. The larger wins.
    Both factors were measured on flat grey with known noise.
    """
    h, w = image.shape[:2]
    rng = np.random.default_rng(12345)
    half_var, full_var = [], []
    for i in range(samples):
        ch, cw = min(size, h), min(size, w)
        if ch < 48 or cw < 48:
            continue
        if i == 0:
            y0, x0 = (h - ch) // 2, (w - cw) // 2
        else:
            y0, x0 = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
        crop = luma_u8(np.ascontiguousarray(image[y0 : y0 + ch, x0 : x0 + cw]))
        half = cv2.resize(crop, (cw // 2, ch // 2), interpolation=cv2.INTER_AREA)
        for img, out, step in ((half, half_var, 3), (crop, full_var, 6)):
            var = _weakest_variance(img, step)
            if var is not None:
                out.append(var)
        if i == 0 and h * w <= size * size:
            break
    if not half_var:
        return 0.0
    sigma = 2.5 * np.sqrt(max(float(np.median(half_var)), 0.0))
    if full_var:
        # (the calmest patches of pure noise, and their weakest directions, are calmer than
        # average: hence the factor)
        sigma = max(sigma, 1.5 * np.sqrt(max(float(np.median(full_var)), 0.0)))
    return float(sigma)


def _weakest_variance(gray: np.ndarray, step: int) -> float | None:
    """Mean variance along the weakest principal directions of the calmest 6 x 6 patches."""
    patches = np.lib.stride_tricks.sliding_window_view(gray.astype(np.float32), (6, 6))
    # about 4000 patches, however small the picture: the weakest directions of a covariance
    # taken from few samples come out far too weak, which would vary the factors above
    step = int(max(1, min(step, np.sqrt(patches.shape[0] * patches.shape[1] / 4000))))
    v = patches[::step, ::step].reshape(-1, 36)
    if len(v) < 100:
        return None
    # the calmest patches: on text, hatching or foliage only the paper between the
    # strokes and the leaves is calm, and only there does grain stand alone
    busy = v.std(axis=1)
    v = v[np.argsort(busy)[: max(100, len(v) * 15 // 100)]]
    v = v - v.mean(axis=1, keepdims=True)
    e = np.linalg.eigvalsh(np.cov(v, rowvar=False))
    return float(np.mean(e[1:6]))


def find_missing_corners(preview: np.ndarray) -> np.ndarray | None:
    """Corners torn off the print, showing the flat scanner lid (white) or bed (black).

    A candidate starts at the corner pixel, is flat, near white or black, covers 0.2 % to 15 %
    of the photo and runs along less than 60 % of either edge (a white frame around the whole
    print is a border, not damage).
    """
    y = cv2.medianBlur(luma_u8(preview), 5)
    h, w = y.shape
    out = np.zeros((h, w), bool)
    found = False
    for cy, cx in ((0, 0), (0, w - 1), (h - 1, 0), (h - 1, w - 1)):
        # sample a few pixels in from the corner: scanners leave a one-pixel rim
        sy, sx = min(max(cy, 2), h - 3), min(max(cx, 2), w - 3)
        v = int(y[sy, sx])
        if 45 < v < 200:
            continue
        ff = np.zeros((h + 2, w + 2), np.uint8)
        flags = 4 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (255 << 8)
        cv2.floodFill(y, ff, (sx, sy), 0, 10, 10, flags)
        region = ff[1:-1, 1:-1] > 0
        area = region.mean()
        if not 0.002 <= area <= 0.15:
            continue
        rows = np.flatnonzero(region.any(axis=1))
        cols = np.flatnonzero(region.any(axis=0))
        if rows.size == 0 or (rows[-1] - rows[0]) > 0.6 * h or (cols[-1] - cols[0]) > 0.6 * w:
            continue
        if float(y[region].std()) > 2.5:
            continue
        # paper tears and scissors leave a hard edge; a cloud or a lit wall fades out
        # (the ring skips the blurred rim of the tear itself)
        r8 = region.astype(np.uint8)
        ring = cv2.dilate(r8, np.ones((9, 9), np.uint8)) > cv2.dilate(r8, np.ones((3, 3), np.uint8))
        if not ring.any() or abs(float(np.median(y[ring])) - v) < 30:
            continue
        out |= region
        found = True
    if not found:
        return None
    out = cv2.dilate(out.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return out


def _patch_means(rgb: np.ndarray, y: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, ...]:
    """Mean RGB and luma of the darkest and lightest 0.5 % of valid pixels."""
    yv = y[valid]
    lo, hi = np.percentile(yv, [0.5, 99.5])
    dark = valid & (y <= lo)
    light = valid & (y >= hi)
    d_rgb = rgb[dark].mean(axis=0) if dark.any() else np.full(3, lo)
    w_rgb = rgb[light].mean(axis=0) if light.any() else np.full(3, hi)
    return d_rgb, w_rgb, float(lo), float(hi)


def plan(
    image: np.ndarray,
    restoration_type: int,
    change_color: bool,
    damage_probability: np.ndarray | None = None,
) -> tuple[Plan, np.ndarray]:
    """Measure the photo; returns the plan and the preview it was made from.

    `damage_probability` is the detector's, at any size: damage is kept out of the levels.
    """
    preview, scale = make_preview(image)
    corners = find_missing_corners(preview) if restoration_type >= 2 else None

    # levels without grain; a light blur keeps thin picture content such as text
    smooth = cv2.GaussianBlur(preview, (0, 0), 0.8).astype(np.float32)
    y = smooth @ LUMA
    valid = np.ones(y.shape, bool) if corners is None else ~corners
    # dust, scratches and cracks are paper-white: keep them out of the white point
    pv_sigma = estimate_noise(preview)
    if damage_probability is None:
        defects, _ = damage.detect(luma_u8(preview), 2, pv_sigma * 0.5, 1.0, loose=True)
        defects = cv2.dilate(defects, np.ones((5, 5), np.uint8)) > 0
    else:
        defects = np.zeros(y.shape, bool)
        p = cv2.resize(damage_probability, (preview.shape[1], preview.shape[0]))
        found = cv2.dilate((p > 0.5).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        # the levels are measured on what is left: never on a remnant of the picture
        if found.mean() < 0.1:
            defects = found
    # and, where scratches and creases are expected, so is whatever stands far above its
    # wide surroundings (a crease with its flaking is not thin enough for the detector);
    # small true highlights lost here are kept from clipping by the guard below
    guard_valid = valid & ~defects if (valid & ~defects).mean() > 0.5 else valid
    luma = luma_u8(preview)
    wide_k = min(255, 2 * max(5, max(luma.shape) // 40) + 1)
    proud = luma.astype(np.int16) - cv2.medianBlur(luma, wide_k).astype(np.int16) > 25
    if restoration_type >= 1:
        # straight runs along the axes are window frames, sills and rules, not creases
        p8 = proud.astype(np.uint8)
        run = max(15, min(luma.shape) // 16)
        axis = cv2.morphologyEx(p8, cv2.MORPH_OPEN, np.ones((1, run), np.uint8))
        axis |= cv2.morphologyEx(p8, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8))
        p8 &= ~cv2.dilate(axis, np.ones((5, 5), np.uint8))
        defects |= cv2.dilate(p8, np.ones((3, 3), np.uint8)) > 0
    valid_white = valid & ~defects if (valid & ~defects).mean() > 0.5 else valid
    d_rgb, _, _, _ = _patch_means(smooth, y, valid)
    _, w_rgb, _, _ = _patch_means(smooth, y, valid_white)

    monochrome = _toned_monochrome(smooth, y, valid_white, pv_sigma)
    d_y = float(d_rgb @ LUMA)
    w_y = float(w_rgb @ LUMA)
    coefs = None
    stain_mask, stain_alpha = None, 0.0
    target = (d_y, w_y)
    if monochrome:
        # every channel is an affine function of the grey: fit it and undo it exactly
        coefs, _ = _affine_fit(smooth, y, valid_white)
        d_rgb, w_rgb = _affine_endpoints(coefs, d_y, w_y)
        if restoration_type >= 2:
            stain_mask, stain_alpha = _find_stains(smooth, y, valid, coefs, max(y.shape))
            if stain_mask is not None and stain_alpha > 0:
                # measure the levels as if the stains were gone
                m = np.linalg.norm(smooth - (y[..., None] * coefs[:, 0] + coefs[:, 1]), axis=2)
                y = y * (1.0 + stain_alpha * m * stain_mask)
                # a stain lifted a little too far must not set the white point either
                clear = stain_mask < 0.05
                if (valid_white & clear).mean() > 0.5:
                    valid_white = valid_white & clear
        cast = 0.0
        beta = 1.0  # the tint is put back (or not) separately; the tone works on neutral grey
        # the levels of a grey print are those of its grey
        v_lo = _black_level(luma_u8(preview).astype(np.float32), valid, pv_sigma)
        v_hi = _white_level(y, valid_white, v_lo <= BLACK_OK + 8.0)
    else:
        cast = _consistent_cast(smooth, y, valid_white, d_rgb, w_rgb, d_y, w_y)
        # a warm light patch alone may be a beige wall; ageing that tints a print also fades
        # it, so a cast is believed as far as the blacks are lifted
        faded = _ramp(
            _black_level(preview.min(axis=2).astype(np.float32), valid, pv_sigma),
            BLACK_OK,
            BLACK_OK + 12.0,
        )
        if change_color:
            faded = 1.0  # asked to restore colour: a warm light patch is taken as a cast
        if cast < 6.0 or faded <= 0.0:
            cast, beta = 0.0, 0.0
        else:
            beta = faded * (1.0 if change_color else 0.5)
        if cast >= 6.0:
            # the black point is trusted only as far as it leans the same way as the cast
            d_rgb = d_y + (d_rgb - d_y) * _cos(d_rgb - d_y, w_rgb - w_y).clip(0, 1)
            # a cast is light the print's dyes no longer pass: the least absorbed channel of
            # the light patch tells its true lightness, the others are brought up to it
            # only gains (von Kries): dye loss scales a channel, it does not offset it
            d_rgb = np.zeros(3)
            target = (0.0, float(w_rgb.max()))
            balanced = _balance(smooth, d_rgb, w_rgb, target)
            raw = _balance(preview.astype(np.float32), d_rgb, w_rgb, target)
        else:
            balanced = smooth
            raw = preview.astype(np.float32)
        # the levels of a colour photo are those of its strongest and weakest channels:
        # a saturated green never has a light luminance, and is not faded for it
        v_lo = _black_level(raw.min(axis=2), valid, pv_sigma)
        v_hi = _white_level(balanced.max(axis=2), valid_white, v_lo <= BLACK_OK + 8.0)
    y_lo = v_lo

    # tone: stretch only what is faded, keep what is already fine (with a soft dead zone)
    t_lo, t_hi, gain = _stretch(v_lo, v_hi, MONO_BLACK_SHARE if monochrome else 1.0)
    span = max(v_hi - v_lo, 1.0)
    if monochrome:
        # a picture of two or three colours can pass for a toned print; its channels then
        # span far more than its grey does. Never stretch the grey much beyond what the
        # channels allow.
        c_lo = _black_level(preview.min(axis=2).astype(np.float32), valid, pv_sigma)
        c_hi = _white_level(smooth.max(axis=2), valid_white)
        limit = 1.15 * _stretch(c_lo, c_hi)[2]
        if gain > limit:
            mid_in, mid_out = (v_lo + v_hi) / 2, (t_lo + t_hi) / 2
            # only that share of the stretch is believed, so only that share of its shift
            mid_out = mid_in + (mid_out - mid_in) * max(limit - 1.0, 0.0) / (gain - 1.0)
            gain = limit
            t_lo = mid_out - gain * (mid_in - v_lo)
            t_hi = mid_out + gain * (v_hi - mid_in)
    # small highlights (eye-whites, teeth, a collar) are under the 99.5th percentile: never
    # stretch so far that more than about 0.1 % of the picture would be clipped
    if gain > GAIN_KNEE:
        # a photo needing more stretch than this is rare; more often its lightest area is not
        # white (a grey wall, a dark suit) or damage spoilt a level. Believe the excess only
        # in part, about the middle of the tones - or about the black, as far as the black
        # was fine and left alone
        r = _ramp(v_lo, BLACK_OK, BLACK_OK + 16.0)
        a_in = v_lo + r * ((v_lo + v_hi) / 2 - v_lo)
        a_out = t_lo + r * ((t_lo + t_hi) / 2 - t_lo)
        gain = GAIN_KNEE + 0.3 * (gain - GAIN_KNEE)
        t_lo = a_out - gain * (a_in - v_lo)
        t_hi = a_out + gain * (v_hi - a_in)
    lum = y if monochrome else smooth.max(axis=2)
    lum8 = np.clip(lum, 0, 255).astype(np.uint8)
    if restoration_type >= 1 and v_lo > BLACK_OK + 8.0:
        # on a faded print with damage expected, bright scratches, cracks and dust are not
        # highlights to keep from clipping (a well-exposed photo keeps every thin highlight)
        # - but straight runs along the axes (window frames, rules) are content: keep them
        run = max(15, min(lum8.shape) // 16)
        lum8 = np.maximum(
            open_by_reconstruction(lum8),
            np.maximum(
                cv2.morphologyEx(lum8, cv2.MORPH_OPEN, np.ones((1, run), np.uint8)),
                cv2.morphologyEx(lum8, cv2.MORPH_OPEN, np.ones((run, 1), np.uint8)),
            ),
        )
    # (no median here: it would erase fine light texture - hatching, lace, a striped shirt -
    # that is as much the picture's white as a wall is)
    guard = float(np.percentile(lum8[guard_valid], 99.8))
    if guard > v_lo + 1.0 and t_lo + gain * (guard - v_lo) > 252.0:
        gain = max(1.0, (252.0 - t_lo) / (guard - v_lo))
        t_hi = t_lo + gain * (v_hi - v_lo)
    x = np.arange(256, dtype=np.float32)
    luts = np.empty((3, 256), np.float32)
    luma_luts = np.empty((3, 256), np.float32)
    for c in range(3):
        per = (x - d_rgb[c]) / max(w_rgb[c] - d_rgb[c], 1.0) * (target[1] - target[0]) + target[0]
        mixed = beta * per + (1 - beta) * x
        luts[c] = (mixed - y_lo) * gain + t_lo
        # luminance always comes from the fully balanced photo: keeping some of a cast is a
        # choice about colour, not a reason to leave the tones dim
        full = per if beta > 0 else x
        luma_luts[c] = (full - y_lo) * gain + t_lo
    luts = np.clip(luts, 0, 255)
    luma_luts = np.clip(luma_luts, 0, 255)

    # tint of a toned monochrome print, measured in the mid-tones
    tint = (0.0, 0.0)
    saturation = 1.0
    ycc = cv2.cvtColor(np.clip(smooth, 0, 255).astype(np.uint8), cv2.COLOR_RGB2YCrCb)
    if monochrome:
        mids = valid & (y > v_lo + 0.25 * span) & (y < v_hi - 0.25 * span)
        if mids.any():
            tint = (
                float(np.median(ycc[..., 1][mids]) - 128.0),
                float(np.median(ycc[..., 2][mids]) - 128.0),
            )
    elif change_color:
        balanced = _apply_luts(np.clip(smooth, 0, 255).astype(np.uint8), luts)
        bycc = cv2.cvtColor(balanced, cv2.COLOR_RGB2YCrCb).astype(np.float32) - 128.0
        chroma = np.hypot(bycc[..., 1], bycc[..., 2])[valid]
        level = float(np.percentile(chroma, 90))
        if level < 45.0:
            saturation = float(np.clip(45.0 / max(level, 1.0), 1.0, 1.5))

    sigma = estimate_noise(image) * gain
    p = Plan(
        monochrome=monochrome,
        luts=luts.astype(np.float32),
        cast_strength=cast if beta > 0 else 0.0,
        tone_gain=float(gain),
        tint=tint,
        saturation=saturation,
        noise_sigma=sigma,
        corner_mask=corners,
        preview_scale=scale,
        luma_luts=luma_luts if 0 < beta < 1 else None,
        tone_affine=coefs,
        stain_mask=stain_mask if stain_alpha > 0 else None,
        stain_alpha=stain_alpha,
        levels=(v_lo, v_hi, t_lo, t_hi),
    )
    return p, preview


def _stretch(v_lo: float, v_hi: float, black_share: float = 1.0) -> tuple[float, float, float]:
    """Target black and white for measured ones, and the gain between them.

    `black_share` is how much of the way to the black target the black is taken: a toned
    print's deepest tone was never black, and pulling it all the way down darkens it."""
    # a picture whose darkest tone is still light (fog, snow, a pastel) has no shadows to
    # restore: fading lifts a black only so far
    black_share *= BLACK_SHARE * _ramp(-v_lo, -HIGH_KEY_BLACK - 40.0, -HIGH_KEY_BLACK)
    t_lo = v_lo - (v_lo - BLACK_TARGET) * _ramp(v_lo, BLACK_OK, BLACK_OK + 16.0) * black_share
    t_hi = v_hi + (WHITE_TARGET - v_hi) * _ramp(-v_hi, -WHITE_OK, -WHITE_OK + 16.0)
    # fading takes density from both ends, the shadows first: whites dull no more than the
    # blacks lift. A white far below the target with deep blacks is the picture's own (a
    # storm sky, a low-key portrait, a dark interior), not fading: it stays.
    lift = max(0.0, v_lo - BLACK_TARGET) * _ramp(v_lo, BLACK_OK, BLACK_OK + 16.0)
    t_hi = min(t_hi, max(v_hi, v_hi + WHITE_PER_BLACK * lift + WHITE_SLACK))
    span = max(v_hi - v_lo, 1.0)
    gain = (t_hi - t_lo) / span
    if gain > MAX_TONE_GAIN:
        gain = MAX_TONE_GAIN
        mid = (t_lo + t_hi) / 2
        t_lo, t_hi = mid - gain * span / 2, mid + gain * span / 2
    return t_lo, t_hi, gain


def _balance(rgb: np.ndarray, d_rgb, w_rgb, target) -> np.ndarray:
    return np.stack(
        [
            (rgb[..., c] - d_rgb[c]) / max(w_rgb[c] - d_rgb[c], 1.0) * (target[1] - target[0])
            + target[0]
            for c in range(3)
        ],
        axis=2,
    )


def _black_level(v: np.ndarray, valid: np.ndarray, sigma: float) -> float:
    """0.5th percentile of the unfiltered values (a blur or median would erase one-pixel
    pen strokes and pupils), raised by the part of it that is only grain."""
    return float(np.percentile(v[valid], 0.5)) + 2.0 * sigma


def open_by_reconstruction(v: np.ndarray, radius: int = 3) -> np.ndarray:
    """Remove every bright structure narrower than a disc of `radius` that is not part of a
    wider bright area (uint8 in, uint8 out).

    An opening removes thin damage (scratches, cracks, dust) but also erodes true small whites
    (teeth, eye-whites, a collar); regrowing what survived under the original (geodesic
    dilation) gives those their full extent back, while what vanished entirely stays gone.
    """
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1,) * 2)
    m = cv2.morphologyEx(v, cv2.MORPH_OPEN, disc)
    k = np.ones((3, 3), np.uint8)
    for _ in range(2 * radius):
        m = np.minimum(cv2.dilate(m, k), v)
    return m


def _white_level(v: np.ndarray, valid: np.ndarray, fine_ok: bool = True) -> float:
    """99.5th percentile after a 5 x 5 median, which removes grain and the thinnest damage.

    (An opening would remove wider bright damage too, but also true small whites - teeth,
    eye-whites, a collar - and so overstretch clean photos; bright damage is kept out of
    `valid` instead.)
    """
    v8 = np.clip(v, 0, 255).astype(np.uint8)
    level = float(np.percentile(cv2.medianBlur(v8, 5)[valid], 99.5))
    # but the median also erases fine light texture (hatching, lace, thin frames, a striped
    # shirt) that is as much the picture's white as a wall: when much of the picture is well
    # above the median's white, that white is too low. Only on a print whose blacks are
    # sound, though: on a faded one, what stands above is scratches, cracks and dust.
    fine = float(np.percentile(v8[valid], 99.0))
    return fine if fine_ok and fine > level + 6.0 else level


def _ramp(x: float, start: float, end: float) -> float:
    """0 below start, 1 above end, linear between."""
    return float(np.clip((x - start) / (end - start), 0.0, 1.0))


def _affine_fit(smooth: np.ndarray, y: np.ndarray, valid: np.ndarray):
    """Fit every channel as k * grey + b, ignoring the worst fifth (stains, coloured dust).

    Returns (coefficients (3, 2), the 80th percentile of the largest channel misfit)."""
    yv = y[valid][::5].astype(np.float64)
    coefs = np.zeros((3, 2))
    if yv.size < 50 or yv.std() < 1.0:
        coefs[:, 0] = 1.0
        return coefs, 0.0
    a = np.stack([yv, np.ones_like(yv)], axis=1)
    chans = [smooth[..., c][valid][::5].astype(np.float64) for c in range(3)]
    keep = np.ones(yv.size, bool)
    for _ in range(2):
        worst = np.zeros_like(yv)
        for c in range(3):
            coefs[c], *_ = np.linalg.lstsq(a[keep], chans[c][keep], rcond=None)
            worst = np.maximum(worst, np.abs(chans[c] - a @ coefs[c]))
        keep = worst <= np.percentile(worst, 80)
    return coefs, float(np.percentile(worst, 80))


def _toned_monochrome(
    smooth: np.ndarray, y: np.ndarray, valid: np.ndarray, sigma: float = 0.0
) -> bool:
    """True when every channel is (nearly) an affine function of the grey with similar slopes:
    a black-and-white print, possibly toned sepia or yellowed - not a colour photo, not even
    one of two colours (orange and olive also fit a line, with very different slopes)."""
    coefs, misfit = _affine_fit(smooth, y, valid)
    slopes = coefs[:, 0]
    # grain and JPEG put some colour noise even on a grey print
    limit = 4.2 + 0.25 * sigma
    if not (misfit < limit and float(slopes.min()) > 0.5 and float(np.ptp(slopes)) < 0.45):
        return False
    # a toning keeps one hue over the whole range (warm for sepia and yellowing, cool for a
    # blue toning); a few colours that happen to fit a line - navy ink on pink paper, brown
    # windows in a grey-blue wall - turn from warm to cool between their darks and lights
    g = np.percentile(y[valid], [0.5, 99.5])
    warmth = (coefs[0, 0] - coefs[2, 0]) * g + (coefs[0, 1] - coefs[2, 1])
    return not (float(warmth.min()) < -12.0 and float(warmth.max()) > 12.0)


def _affine_endpoints(coefs: np.ndarray, d_y: float, w_y: float):
    """Channel values the fitted affine toning gives at the black and white points."""
    d = coefs[:, 0] * d_y + coefs[:, 1]
    w = coefs[:, 0] * w_y + coefs[:, 1]
    return d, w


def _find_stains(smooth, y, valid, coefs, preview_side: int):
    """Stains on a black-and-white print: broad areas whose colour leaves the print's toning.

    Returns (feathered preview mask or None, luminance gain per level of discolouration).
    The darkening that goes with a stain is learnt from the photo itself: inside the stain,
    how much darker the broad luminance is than the surroundings promise, against how
    discoloured it is.
    """
    pred = y[..., None] * coefs[:, 0] + coefs[:, 1]
    resid = (smooth - pred).astype(np.float32)
    # stains are warm (brown, yellow): red up against blue, relative to the toning
    warmth = resid[..., 0] - resid[..., 2]
    off = np.linalg.norm(resid, axis=2)
    sig = max(2.0, preview_side / 150)
    off = cv2.GaussianBlur(off, (0, 0), sig)
    warmth = cv2.GaussianBlur(warmth, (0, 0), sig)
    thr = max(8.0, 4.0 * float(np.median(off[valid])))
    region = ((off > thr) & (warmth > 0.5 * thr) & valid).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(region, connectivity=8)
    min_area = 0.002 * y.size
    big = np.zeros(n, bool)
    big[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_area
    region = big[labels]
    if not region.any():
        return None, 0.0
    off = np.linalg.norm(resid, axis=2)
    off = cv2.GaussianBlur(off, (0, 0), 1.5)
    # compare the two sides of the stain's edge, pixel by pixel: the picture runs on across
    # the edge, the stain does not, so their ratio is the stain's darkening there
    band = max(2, int(round(preview_side / 120)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1,) * 2)
    r8 = region.astype(np.uint8)
    inner = (r8 & ~cv2.erode(r8, kernel)).astype(np.float32)
    outer = ((cv2.dilate(r8, kernel) & ~r8) & valid).astype(np.float32)
    near = max(1.0, band * 1.5)

    def side_mean(side):
        num = cv2.GaussianBlur(y * side, (0, 0), near)
        return num / np.maximum(cv2.GaussianBlur(side, (0, 0), near), 1e-3)

    den_in = cv2.GaussianBlur(inner, (0, 0), near)
    den_out = cv2.GaussianBlur(outer, (0, 0), near)
    edge = (inner > 0) & (den_out > 0.05) & (den_in > 0.05)
    if edge.sum() < 20:
        return None, 0.0
    ratio = side_mean(outer)[edge] / np.maximum(side_mean(inner)[edge], 1.0) - 1.0
    m = cv2.GaussianBlur(off * inner, (0, 0), near)[edge] / np.maximum(den_in[edge], 1e-3)
    ok = m > 2.0
    if ok.sum() < 20:
        return None, 0.0
    alpha = float(np.clip(np.median(ratio[ok] / m[ok]), 0.0, 0.03))
    region = cv2.dilate(r8, np.ones((5, 5), np.uint8)) > 0
    feather = cv2.GaussianBlur(region.astype(np.float32), (0, 0), sig)
    return feather, alpha


def _cos(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.asarray(float(u @ v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-6))


def _consistent_cast(smooth, y, valid, d_rgb, w_rgb, d_y, w_y) -> float:
    """Strength of a colour cast, in 8-bit levels, or 0 when there is none to trust.

    The light patch of a well-balanced photo is near neutral, but so is not every photo's
    lightest area (a blue door, a yellow dress). A cast is taken as real only when the light
    patch and the whole picture's average colour lean the same way.
    """
    white_dev = w_rgb - w_y
    if w_y < 140.0 or white_dev[0] <= white_dev[2]:
        # ageing casts are warm (yellowed paper, faded cyan dye); a cool or dark "white"
        # is more likely the colour of the subject
        return 0.0
    if float(w_rgb.min()) < 0.6 * float(w_rgb.max()):
        # a cast tints white; it does not make it orange - that is the subject's colour
        return 0.0
    if float(_cos(d_rgb - d_y, white_dev)) < -0.2:
        return 0.0  # shadows leaning the other way: colours of things, not of the print
    mean_rgb = smooth[valid].mean(axis=0)
    mean_dev = mean_rgb - float(mean_rgb @ LUMA)
    if float(_cos(white_dev, mean_dev)) < 0.6:
        return 0.0
    return float(np.abs(white_dev).max())


def _apply_luts(rgb: np.ndarray, luts: np.ndarray) -> np.ndarray:
    out = np.empty_like(rgb)
    for c in range(3):
        lut = np.clip(luts[c] + 0.5, 0, 255).astype(np.uint8)
        out[..., c] = cv2.LUT(rgb[..., c], lut)
    return out


apply_luts = _apply_luts
