"""A second independent old-photo damage generator, for the engine's benchmark.

    aged, mask = age(clean, level, seed)

Written by a helper working from a plain description of how old prints age and get damaged,
without reading anything in this project: not the engine, not its training generator, and not
bench/independent_damage.py. It fades and tones differently from both (among other things,
some prints are darkened by yellowed varnish rather than lifted, and some fade more at the
edges), so a result that holds on both independent generators is not a result fitted to one.

clean : uint8 RGB array HxWx3 (H, W >= 96).  Black-and-white input = equal channels.
level : "light" | "medium" | "severe"
seed  : int, fully determines the output.

aged  : uint8 RGB array, same shape.
mask  : bool HxW, True where PHYSICAL damage (dust, hairs, scratches, cracks,
        crazing, creases, tears, missing corners, holes, stains, incl. their soft
        halos) changed the pixel by more than ~3 levels relative to the globally
        aged (faded / toned / softened) print.  Global ageing, grain and JPEG are
        never marked.

Only numpy and OpenCV are used.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["age", "LEVELS"]

LEVELS = ("light", "medium", "severe")
_SHIFT = 4  # sub-pixel bits for cv2 drawing
_SUB = float(1 << _SHIFT)
_MASK_THRESH = 3.0 / 255.0


# --------------------------------------------------------------------------- #
# small helpers
# --------------------------------------------------------------------------- #
def _smooth_field(rng, h, w, cells):
    """Low-frequency noise field in [0,1], shape (h, w), float32."""
    ch = max(2, int(round(cells * h / max(h, w))) + 2)
    cw = max(2, int(round(cells * w / max(h, w))) + 2)
    small = rng.random((ch, cw)).astype(np.float32)
    f = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    f -= f.min()
    m = f.max()
    return f / m if m > 0 else f


def _pts(p):
    """float Nx2 -> int32 points for cv2 with sub-pixel shift."""
    return np.round(np.asarray(p, np.float64) * _SUB).astype(np.int32).reshape(-1, 1, 2)


def _polyline(layer, pts, val, thick):
    """Draw an anti-aliased polyline; fractional thickness < 1 => reduced value."""
    if thick < 1.0:
        val = val * max(0.25, thick)
        t = 1
    else:
        t = int(round(thick))
    cv2.polylines(layer, [_pts(pts)], False, float(min(255, val)), t, cv2.LINE_AA, _SHIFT)


def _blob_poly(rng, cx, cy, r, rough=0.35, n=None, harmonics=5, aspect=1.0, rot=0.0):
    """Irregular closed polygon around (cx, cy) with mean radius r."""
    if n is None:
        n = int(np.clip(8 + r * 1.5, 12, 160))
    th = np.linspace(0, 2 * np.pi, n, endpoint=False)
    rad = np.ones(n)
    for k in range(1, harmonics + 1):
        a = rng.normal(0, rough / k**0.9)
        rad += a * np.cos(k * th + rng.uniform(0, 2 * np.pi))
    rad += rng.normal(0, rough * 0.15, n)  # fine ragged detail
    rad = np.clip(rad, 0.25, 2.5) * r
    x = rad * np.cos(th) * aspect
    y = rad * np.sin(th)
    c, s = np.cos(rot), np.sin(rot)
    return np.stack([cx + c * x - s * y, cy + s * x + c * y], 1)


def _walk(rng, x, y, ang, length, step, turn_sd, turn_inertia=0.0, jag=0.0):
    """Random-walk path.  turn_sd: change of curvature per step (rad)."""
    n = max(2, int(length / step) + 1)
    pts = np.empty((n, 2))
    pts[0] = (x, y)
    dang = 0.0
    for i in range(1, n):
        dang = turn_inertia * dang + rng.normal(0, turn_sd)
        ang += dang
        x += step * np.cos(ang)
        y += step * np.sin(ang)
        pts[i] = (x, y)
    if jag > 0:
        pts[1:-1] += rng.normal(0, jag, (n - 2, 2))
    return pts, ang


def _roi_blend_max(layer, local, x0, y0):
    """np.maximum a local uint8/float patch into layer at (x0, y0) with clipping."""
    H, W = layer.shape[:2]
    h, w = local.shape[:2]
    ax0, ay0 = max(0, x0), max(0, y0)
    ax1, ay1 = min(W, x0 + w), min(H, y0 + h)
    if ax1 <= ax0 or ay1 <= ay0:
        return
    sub = local[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0]
    np.maximum(layer[ay0:ay1, ax0:ax1], sub, out=layer[ay0:ay1, ax0:ax1])


# --------------------------------------------------------------------------- #
# level parameters
# --------------------------------------------------------------------------- #
_P = {
    "light": dict(
        black=(0.02, 0.07),
        white=(0.95, 0.99),
        gamma=(0.9, 1.12),
        desat=(0.05, 0.2),
        tone=(0.1, 0.45),
        uneven=(0.0, 0.2),
        blur=(0.0, 0.5),
        grain=(1.0, 3.0),
        dust=(6, 30),
        clusters=(0, 1),
        hairs=(0, 2),
        scratches=(0, 1),
        cracks=(0, 0),
        crazing=0.0,
        crease=0.0,
        tear=0.0,
        corner=0.0,
        holes=0.0,
        foxing=0.2,
        water=0.0,
        blotch=0.0,
    ),
    "medium": dict(
        black=(0.07, 0.16),
        white=(0.9, 0.97),
        gamma=(0.82, 1.22),
        desat=(0.2, 0.45),
        tone=(0.5, 0.95),
        uneven=(0.1, 0.4),
        blur=(0.2, 0.8),
        grain=(2.0, 4.5),
        dust=(30, 90),
        clusters=(1, 3),
        hairs=(1, 4),
        scratches=(1, 4),
        cracks=(0, 2),
        crazing=0.2,
        crease=0.15,
        tear=0.1,
        corner=0.15,
        holes=0.1,
        foxing=0.45,
        water=0.25,
        blotch=0.2,
    ),
    "severe": dict(
        black=(0.16, 0.34),
        white=(0.84, 0.95),
        gamma=(0.72, 1.35),
        desat=(0.4, 0.75),
        tone=(0.75, 1.3),
        uneven=(0.2, 0.6),
        blur=(0.4, 1.1),
        grain=(3.0, 7.0),
        dust=(90, 240),
        clusters=(2, 5),
        hairs=(3, 8),
        scratches=(3, 8),
        cracks=(1, 4),
        crazing=0.6,
        crease=0.5,
        tear=0.4,
        corner=0.45,
        holes=0.3,
        foxing=0.6,
        water=0.55,
        blotch=0.4,
    ),
}


# --------------------------------------------------------------------------- #
# global ageing
# --------------------------------------------------------------------------- #
def _global_age(clean, p, rng, bw, s):
    H, W = clean.shape[:2]

    def u(a):
        return rng.uniform(*a)

    tone_amt = u(p["tone"])

    # per-channel gammas (toning / cast) and black / white colours
    if bw:
        kind = rng.choice(
            ["sepia", "brown", "olive", "neutral", "cool"], p=[0.35, 0.2, 0.17, 0.2, 0.08]
        )
        g = {
            "sepia": (0.88, 1.0, 1.22),
            "brown": (0.92, 1.05, 1.3),
            "olive": (0.97, 0.95, 1.28),
            "neutral": (1.0, 1.0, 1.02),
            "cool": (1.04, 1.0, 0.96),
        }[kind]
        wcol = {
            "sepia": (1.0, 0.96, 0.86),
            "brown": (0.98, 0.93, 0.82),
            "olive": (0.97, 0.96, 0.8),
            "neutral": (0.97, 0.97, 0.95),
            "cool": (0.95, 0.97, 0.97),
        }[kind]
        bcol = {
            "sepia": (0.55, 0.42, 0.3),
            "brown": (0.45, 0.33, 0.25),
            "olive": (0.48, 0.46, 0.32),
            "neutral": (0.45, 0.45, 0.44),
            "cool": (0.4, 0.43, 0.46),
        }[kind]
    else:
        kind = rng.choice(
            ["magenta", "red", "yellow", "cyan", "green"], p=[0.3, 0.2, 0.3, 0.1, 0.1]
        )
        g = {
            "magenta": (0.86, 1.12, 0.94),
            "red": (0.84, 1.05, 1.1),
            "yellow": (0.92, 0.96, 1.25),
            "cyan": (1.15, 0.95, 0.92),
            "green": (1.08, 0.9, 1.08),
        }[kind]
        wcol = {
            "magenta": (1.0, 0.93, 0.95),
            "red": (1.0, 0.94, 0.9),
            "yellow": (0.99, 0.96, 0.82),
            "cyan": (0.9, 0.97, 0.98),
            "green": (0.93, 0.98, 0.92),
        }[kind]
        bcol = {
            "magenta": (0.55, 0.4, 0.48),
            "red": (0.56, 0.4, 0.38),
            "yellow": (0.52, 0.47, 0.33),
            "cyan": (0.35, 0.47, 0.5),
            "green": (0.4, 0.5, 0.4),
        }[kind]
    g = 1.0 + (np.array(g) - 1.0) * tone_amt
    wcol = 1.0 - (1.0 - np.array(wcol)) * tone_amt
    bcol = np.array(bcol) * (0.8 + 0.4 * rng.random())

    gamma = u(p["gamma"])
    x = np.arange(256, dtype=np.float64) / 255.0
    luts = [np.power(x, gamma * gc).astype(np.float32) for gc in g]
    # slight contrast compression of the tone curve for faded prints
    out = np.empty((H, W, 3), np.float32)
    if bw:
        L = clean[..., 0]
        for c in range(3):
            out[..., c] = luts[c][L]
    else:
        for c in range(3):
            out[..., c] = luts[c][clean[..., c]]
        d = u(p["desat"])
        m = out.mean(axis=2, keepdims=True)
        out = out + (m - out) * d

    # density loss: blacks lift, whites dull; uneven across the sheet
    black = u(p["black"])
    white = u(p["white"])
    varnish = rng.random() < 0.18
    if varnish:
        black *= 0.5
    field = _smooth_field(rng, H, W, rng.integers(2, 5))
    unev = u(p["uneven"])
    if rng.random() < 0.3:  # edges faded more (exposure at the border of a frame)
        yy = np.linspace(-1, 1, H, dtype=np.float32)[:, None]
        xx = np.linspace(-1, 1, W, dtype=np.float32)[None, :]
        edge = np.clip(np.maximum(np.abs(yy), np.abs(xx)) - 0.6, 0, 1) / 0.4
        field = np.clip(field * 0.6 + edge * 0.7, 0, 1)
    lift = black * (1.0 + unev * (field - 0.5) * 2.0)  # HxW
    blk = lift[..., None] * bcol[None, None, :].astype(np.float32) / bcol.mean()
    wht = (white * wcol).astype(np.float32)[None, None, :] * (1.0 - 0.04 * unev * field)[..., None]
    out = blk + (wht - blk) * out

    if varnish:
        vc = np.array([0.97, 0.9, 0.7]) if rng.random() < 0.7 else np.array([0.92, 0.86, 0.75])
        k = rng.uniform(0.3, 1.0)
        out *= (1.0 - (1.0 - vc) * k).astype(np.float32)[None, None, :]

    # softness (print / lens)
    sig = u(p["blur"]) * s
    if sig > 0.25:
        out = cv2.GaussianBlur(out, (0, 0), sig)
    np.clip(out, 0.0, 1.0, out=out)
    paper = np.clip(wht[0, 0] * (0.98 + 0.04 * rng.random()), 0, 1)
    return out, paper, kind


# --------------------------------------------------------------------------- #
# damage
# --------------------------------------------------------------------------- #
class _Layers:
    def __init__(self, H, W):
        self.H, self.W = H, W
        self.bright = np.zeros((H, W), np.uint8)  # -> paper colour (emulsion lost)
        self.dark = np.zeros((H, W), np.uint8)  # -> dark dirt colour
        self.white = np.zeros((H, W), np.uint8)  # -> bright white (dust on negative)
        self.hole = np.zeros((H, W), np.uint8)  # -> background (missing paper)
        self.halo = None  # soft bright halo (float later)
        self.shade = None  # soft darkening
        self.tint = None  # multiplicative stains HxWx3

    def get_halo(self):
        if self.halo is None:
            self.halo = np.zeros((self.H, self.W), np.uint8)
        return self.halo

    def get_shade(self):
        if self.shade is None:
            self.shade = np.zeros((self.H, self.W), np.uint8)
        return self.shade

    def get_tint(self):
        if self.tint is None:
            self.tint = np.ones((self.H, self.W, 3), np.float32)
        return self.tint


def _dust(L, rng, s, n, nclusters):
    H, W = L.H, L.W
    centers = [
        (rng.uniform(0, W), rng.uniform(0, H), rng.uniform(15, 60) * s) for _ in range(nclusters)
    ]
    for _i in range(n):
        if centers and rng.random() < 0.45:
            cx, cy, sd = centers[rng.integers(len(centers))]
            x, y = rng.normal(cx, sd), rng.normal(cy, sd)
        else:
            x, y = rng.uniform(0, W), rng.uniform(0, H)
        r = s * (0.5 + 2.5 * rng.random() ** 2.5)  # mostly small, 1..6 px diam.
        kind = rng.random()
        layer = L.white if kind < 0.4 else (L.dark if kind < 0.85 else L.bright)
        val = 255 * rng.uniform(0.55, 1.0)
        if r < 1.2:
            cv2.circle(
                layer,
                (int(x * _SUB), int(y * _SUB)),
                int(max(r, 0.6) * _SUB),
                val,
                -1,
                cv2.LINE_AA,
                _SHIFT,
            )
        else:
            poly = _blob_poly(
                rng,
                x,
                y,
                r,
                rough=0.3,
                n=10,
                harmonics=3,
                aspect=rng.uniform(0.6, 1.4),
                rot=rng.uniform(0, np.pi),
            )
            cv2.fillPoly(layer, [_pts(poly)], val, cv2.LINE_AA, _SHIFT)
        if rng.random() < 0.08:  # tiny fibre stuck to speck
            pts, _ = _walk(
                rng, x, y, rng.uniform(0, 2 * np.pi), rng.uniform(3, 10) * s, max(0.7, s), 0.3
            )
            _polyline(layer, pts, val, 0.8 * s)


def _hairs(L, rng, s, n):
    H, W = L.H, L.W
    for _ in range(n):
        x, y = rng.uniform(0, W), rng.uniform(0, H)
        length = rng.uniform(20, 140) * s
        pts, _ = _walk(
            rng,
            x,
            y,
            rng.uniform(0, 2 * np.pi),
            length,
            max(1.0, 1.5 * s),
            turn_sd=rng.uniform(0.015, 0.06),
            turn_inertia=0.85,
        )
        layer = L.dark if rng.random() < 0.6 else L.white
        thick = rng.uniform(0.6, 1.6) * s
        _polyline(layer, pts, 255 * rng.uniform(0.6, 1.0), thick)


def _scratches(L, rng, s, n, p_halo):
    H, W = L.H, L.W
    D = np.hypot(H, W)
    # scratches often come in roughly parallel groups
    base_ang = rng.uniform(0, np.pi)
    for _ in range(n):
        ang = base_ang + rng.normal(0, 0.25) if rng.random() < 0.6 else rng.uniform(0, np.pi)
        if rng.random() < 0.5:
            ang += np.pi
        length = D * rng.uniform(0.08, 0.6)
        x, y = rng.uniform(0, W), rng.uniform(0, H)
        x -= 0.5 * length * np.cos(ang)
        y -= 0.5 * length * np.sin(ang)
        pts, _ = _walk(
            rng,
            x,
            y,
            ang,
            length,
            4.0 * s,
            rng.uniform(0.0005, 0.004),
            turn_inertia=0.95,
            jag=0.25 * s,
        )
        thick = s * (0.7 + 3.0 * rng.random() ** 2)
        dark = rng.random() < 0.15
        if dark:
            thick = min(thick, 1.3 * s)
        layer = L.dark if dark else L.bright
        val = 255 * rng.uniform(0.6, 1.0)
        # break the scratch into pieces with gaps and varying strength
        i = 0
        npts = len(pts)
        while i < npts - 1:
            seg = int(rng.integers(5, 60))
            j = min(npts, i + seg)
            _polyline(layer, pts[i:j], val * rng.uniform(0.6, 1.0), thick * rng.uniform(0.6, 1.1))
            i = j - 1 + (int(rng.integers(1, 8)) if rng.random() < 0.35 else 0)
        if not dark and rng.random() < p_halo:
            _polyline(L.get_halo(), pts, 255 * rng.uniform(0.3, 0.7), thick * 2 + 1.5 * s)


def _branch_crack(L, rng, s, x, y, ang, length, depth, layer, val, thick):
    pts, end_ang = _walk(rng, x, y, ang, length, 2.5 * s, 0.18, turn_inertia=0.3, jag=0.4 * s)
    _polyline(layer, pts, val, thick)
    if depth <= 0:
        return
    nb = rng.poisson(1.6)
    for _ in range(nb):
        k = int(rng.integers(1, len(pts)))
        a = ang + rng.choice([-1, 1]) * rng.uniform(0.4, 1.2)
        _branch_crack(
            L,
            rng,
            s,
            pts[k, 0],
            pts[k, 1],
            a,
            length * rng.uniform(0.3, 0.6),
            depth - 1,
            layer,
            val * 0.9,
            max(0.5, thick * 0.8),
        )


def _cracks(L, rng, s, n):
    H, W = L.H, L.W
    for _ in range(n):
        layer = L.bright if rng.random() < 0.65 else L.dark
        x, y = rng.uniform(0, W), rng.uniform(0, H)
        _branch_crack(
            L,
            rng,
            s,
            x,
            y,
            rng.uniform(0, 2 * np.pi),
            rng.uniform(40, 160) * s,
            3,
            layer,
            255 * rng.uniform(0.7, 1.0),
            rng.uniform(0.7, 1.6) * s,
        )


def _crazing(L, rng, s, small=False):
    """Polygonal network of fine cracks (Voronoi cells) inside an irregular region."""
    H, W = L.H, L.W
    R = rng.uniform(30, 90 if small else 130) * s
    cx, cy = rng.uniform(0, W), rng.uniform(0, H)
    cell = rng.uniform(6, 14) * s
    npt = int(np.clip((np.pi * (1.3 * R) ** 2) / cell**2, 10, 900))
    ang = rng.uniform(0, 2 * np.pi, npt)
    rr = 1.3 * R * np.sqrt(rng.random(npt))
    px = cx + rr * np.cos(ang)
    py = cy + rr * np.sin(ang)
    x0, y0 = cx - 1.5 * R - 2, cy - 1.5 * R - 2
    sub = cv2.Subdiv2D((int(x0), int(y0), int(3 * R + 4), int(3 * R + 4)))
    for a, b in zip(px, py, strict=False):
        sub.insert((float(a), float(b)))
    facets, _ = sub.getVoronoiFacetList([])
    region = _blob_poly(rng, cx, cy, R, rough=0.4)
    edges = {}
    for f in facets:
        f = np.asarray(f, np.float64)
        for i in range(len(f)):
            a, b = f[i], f[(i + 1) % len(f)]
            key = tuple(
                sorted([(round(a[0], 2), round(a[1], 2)), (round(b[0], 2), round(b[1], 2))])
            )
            edges[key] = (a, b)
    layer = L.bright if rng.random() < 0.6 else L.dark
    val = 255 * rng.uniform(0.45, 0.9)
    thick = rng.uniform(0.5, 1.0) * s
    reg = region.astype(np.float32).reshape(-1, 1, 2)
    drop = rng.uniform(0.25, 0.55)
    for a, b in edges.values():
        m = (a + b) / 2
        if cv2.pointPolygonTest(reg, (float(m[0]), float(m[1])), False) < 0:
            continue
        if rng.random() < drop:
            continue
        seglen = np.hypot(*(b - a))
        if seglen > 4 * cell:
            continue
        k = max(2, int(seglen / (3 * s)))
        t = np.linspace(0, 1, k + 1)[:, None]
        p = a + (b - a) * t
        p[1:-1] += rng.normal(0, 0.5 * s, (k - 1, 2))
        _polyline(layer, p, val * rng.uniform(0.6, 1.0), thick)


def _crease(L, rng, s, paper):
    H, W = L.H, L.W
    # a gently curved line across the whole print
    if rng.random() < 0.5:
        p0 = np.array([rng.uniform(0, W), -5.0])
        p2 = np.array([rng.uniform(0, W), H + 5.0])
    else:
        p0 = np.array([-5.0, rng.uniform(0, H)])
        p2 = np.array([W + 5.0, rng.uniform(0, H)])
    if rng.random() < 0.3:  # diagonal corner fold
        p0 = np.array([rng.uniform(0, W * 0.4), -5.0])
        p2 = np.array([-5.0, rng.uniform(0, H * 0.4)])
        if rng.random() < 0.5:
            p0[0] = W - p0[0]
            p2[0] = W + 5.0
    d = p2 - p0
    nrm = np.array([-d[1], d[0]]) / (np.hypot(*d) + 1e-9)
    p1 = (p0 + p2) / 2 + nrm * rng.normal(0, 0.05) * np.hypot(*d)
    n = int(np.hypot(*d) / (2 * s)) + 2
    t = np.linspace(0, 1, n)[:, None]
    pts = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2
    pts += nrm * (np.cumsum(rng.normal(0, 0.15 * s, n)))[:, None]  # wander
    side = rng.choice([-1, 1])
    # soft shading of the fold: dark on one side, light on the other
    sh = L.get_shade()
    _polyline(sh, pts + nrm * side * 2 * s, 255 * rng.uniform(0.25, 0.5), 3 * s)
    _polyline(L.get_halo(), pts - nrm * side * 2 * s, 255 * rng.uniform(0.2, 0.45), 2.5 * s)
    # broken bright ridge
    i = 0
    while i < n - 1:
        j = min(n, i + int(rng.integers(4, 40)))
        if rng.random() < 0.75:
            _polyline(
                L.bright,
                pts[i:j] + rng.normal(0, 0.3 * s, (j - i, 2)),
                255 * rng.uniform(0.6, 1.0),
                s * rng.uniform(0.8, 2.0),
            )
        elif rng.random() < 0.7:
            _polyline(L.bright, pts[i:j], 255 * rng.uniform(0.3, 0.6), 0.8 * s)
        i = j - 1 + int(rng.integers(0, 6))
    # thin dark crack right next to the ridge
    _polyline(L.dark, pts + nrm * side * 1.2 * s, 255 * rng.uniform(0.2, 0.5), 0.8 * s)
    # flakes of emulsion lost along the crease
    nfl = int(n * rng.uniform(0.03, 0.15))
    cang = np.arctan2(d[1], d[0])
    for _ in range(nfl):
        k = int(rng.integers(0, n))
        off = rng.normal(0, 2.0 * s)
        c = pts[k] + nrm * off
        r = s * (0.6 + 2.5 * rng.random() ** 3)
        poly = _blob_poly(
            rng,
            c[0],
            c[1],
            r,
            rough=0.45,
            n=9,
            harmonics=3,
            aspect=rng.uniform(1.0, 2.5),
            rot=cang + rng.normal(0, 0.4),
        )
        cv2.fillPoly(L.bright, [_pts(poly)], 255 * rng.uniform(0.7, 1.0), cv2.LINE_AA, _SHIFT)


def _ragged_line(rng, a, b, s, amp):
    """Jagged line from a to b (torn paper edge)."""
    dist = np.hypot(*(b - a))
    n = max(4, int(dist / (2.0 * s)))
    t = np.linspace(0, 1, n)[:, None]
    p = a + (b - a) * t
    nrm = np.array([-(b - a)[1], (b - a)[0]]) / (dist + 1e-9)
    low = np.cumsum(rng.normal(0, 1, n))
    low -= np.linspace(low[0], low[-1], n)
    low *= amp / (np.abs(low).max() + 1e-9)
    p += nrm * (low + rng.normal(0, 0.8 * s, n))[:, None]
    return p


def _corner(L, rng, s, paper):
    H, W = L.H, L.W
    corner = int(rng.integers(4))
    cxy = np.array([[0, 0], [W, 0], [W, H], [0, H]], np.float64)[corner]
    sx = np.sign(W / 2 - cxy[0]) or 1
    sy = np.sign(H / 2 - cxy[1]) or 1
    a = rng.uniform(25, 130) * s
    b = a * rng.uniform(0.5, 1.8)
    pa = cxy + np.array([sx * a, 0]) - np.array([0, sy * 3])
    pb = cxy + np.array([0, sy * b]) - np.array([sx * 3, 0])
    edge = _ragged_line(rng, pa, pb, s, rng.uniform(2, 8) * s)
    # bright fibrous rim of torn paper, then the missing area (background)
    rim = rng.uniform(1.5, 4) * s
    _polyline(L.bright, edge + rng.normal(0, 0.6 * s, edge.shape), 255, rim * 2)
    poly = np.vstack([edge, cxy - np.array([sx, sy]) * 3])
    cv2.fillPoly(L.hole, [_pts(poly)], 255, cv2.LINE_AA, _SHIFT)


def _tear(L, rng, s):
    """A split running in from one edge: jagged bright band, wider at the edge."""
    H, W = L.H, L.W
    e = int(rng.integers(4))
    if e == 0:
        st, ang = np.array([rng.uniform(0.1, 0.9) * W, -2.0]), np.pi / 2
    elif e == 1:
        st, ang = np.array([W + 2.0, rng.uniform(0.1, 0.9) * H]), np.pi
    elif e == 2:
        st, ang = np.array([rng.uniform(0.1, 0.9) * W, H + 2.0]), -np.pi / 2
    else:
        st, ang = np.array([-2.0, rng.uniform(0.1, 0.9) * H]), 0.0
    ang += rng.normal(0, 0.35)
    length = rng.uniform(0.1, 0.35) * min(H, W)
    pts, _ = _walk(rng, st[0], st[1], ang, length, 2 * s, 0.12, turn_inertia=0.2, jag=0.8 * s)
    n = len(pts)
    t = np.linspace(0, 1, n)
    d = np.diff(pts, axis=0, append=pts[-1:] + (pts[-1:] - pts[-2:-1]))
    nrm = np.stack([-d[:, 1], d[:, 0]], 1) / (np.hypot(d[:, 0], d[:, 1])[:, None] + 1e-9)
    w0 = rng.uniform(3, 12) * s
    w = w0 * (1 - t) ** 1.3 + 0.6 * s

    def sm(v):
        return np.convolve(v, np.ones(3) / 3, mode="same")

    wl = w * (1 + 0.5 * sm(rng.normal(0, 1, n))).clip(0.3, 2)
    wr = w * (1 + 0.5 * sm(rng.normal(0, 1, n))).clip(0.3, 2)
    band = np.vstack([pts + nrm * wl[:, None], (pts - nrm * wr[:, None])[::-1]])
    cv2.fillPoly(L.bright, [_pts(band)], 255, cv2.LINE_AA, _SHIFT)
    # the open gap shows background where the split is wide
    g = np.clip(w - 2.5 * s, 0, None) * 0.4
    if g.max() > s:
        k = g > 0.3 * s
        if k.sum() > 2:
            gp = np.vstack([(pts + nrm * g[:, None])[k], (pts - nrm * g[:, None])[k][::-1]])
            cv2.fillPoly(L.hole, [_pts(gp)], 255, cv2.LINE_AA, _SHIFT)


def _hole(L, rng, s):
    H, W = L.H, L.W
    x, y = rng.uniform(0.03, 0.97) * W, rng.uniform(0.03, 0.97) * H
    r = rng.uniform(1.5, 9) * s
    rim = _blob_poly(rng, x, y, r + rng.uniform(1, 3) * s, rough=0.35)
    cv2.fillPoly(L.bright, [_pts(rim)], 255 * rng.uniform(0.8, 1), cv2.LINE_AA, _SHIFT)
    poly = _blob_poly(rng, x, y, r, rough=0.3)
    cv2.fillPoly(L.hole, [_pts(poly)], 255, cv2.LINE_AA, _SHIFT)


def _tint_patch(L, x0, y0, alpha, col):
    """tint[roi] *= 1 - alpha*(1-col) with clipping; alpha float32 local patch."""
    tint = L.get_tint()
    H, W = L.H, L.W
    h, w = alpha.shape
    ax0, ay0 = max(0, x0), max(0, y0)
    ax1, ay1 = min(W, x0 + w), min(H, y0 + h)
    if ax1 <= ax0 or ay1 <= ay0:
        return
    a = alpha[ay0 - y0 : ay1 - y0, ax0 - x0 : ax1 - x0, None]
    tint[ay0:ay1, ax0:ax1] *= 1.0 - a * (1.0 - np.asarray(col, np.float32))[None, None, :]


def _foxing(L, rng, s):
    H, W = L.H, L.W
    cx, cy = rng.uniform(0, W), rng.uniform(0, H)
    spread = rng.uniform(20, 90) * s
    n = int(rng.integers(3, 25))
    col = np.array([0.82, 0.62, 0.42]) * rng.uniform(0.9, 1.05)
    for _ in range(n):
        x, y = rng.normal(cx, spread), rng.normal(cy, spread)
        r = s * (1 + 7 * rng.random() ** 2.5)
        pad = int(r * 3 + 4)
        x0, y0 = int(x) - pad, int(y) - pad
        loc = np.zeros((2 * pad, 2 * pad), np.float32)
        poly = _blob_poly(rng, x - x0, y - y0, r, rough=0.3, n=16, harmonics=3)
        cv2.fillPoly(loc, [_pts(poly)], 1.0, cv2.LINE_AA, _SHIFT)
        loc = cv2.GaussianBlur(loc, (0, 0), 0.3 * r + 0.5)
        if r > 3 * s and rng.random() < 0.5:  # darker core
            cv2.circle(
                loc,
                (int((x - x0) * _SUB), int((y - y0) * _SUB)),
                int(0.35 * r * _SUB),
                1.6,
                -1,
                cv2.LINE_AA,
                _SHIFT,
            )
            loc = cv2.GaussianBlur(loc, (0, 0), 0.15 * r + 0.5)
        _tint_patch(L, x0, y0, np.clip(loc * rng.uniform(0.3, 0.75), 0, 1), col)


def _water(L, rng, s, lvl):
    H, W = L.H, L.W
    r = rng.uniform(15, 50 if lvl == "medium" else 80) * s
    if rng.random() < 0.4:  # stains often creep in from an edge
        x, y = rng.choice([0, W]) + rng.normal(0, 0.3 * r), rng.uniform(0, H)
    else:
        x, y = rng.uniform(0, W), rng.uniform(0, H)
    pad = int(r * 2.6 + 6)
    x0, y0 = int(x) - pad, int(y) - pad
    # only process the visible part of the patch
    lx0, ly0 = max(0, x0), max(0, y0)
    lx1, ly1 = min(W, x0 + 2 * pad), min(H, y0 + 2 * pad)
    if lx1 <= lx0 or ly1 <= ly0:
        return
    loc_h, loc_w = ly1 - ly0, lx1 - lx0
    cx, cy = x - lx0, y - ly0
    poly = _blob_poly(
        rng, cx, cy, r, rough=0.3, aspect=rng.uniform(0.7, 1.4), rot=rng.uniform(0, np.pi)
    )
    fill = np.zeros((loc_h, loc_w), np.float32)
    cv2.fillPoly(fill, [_pts(poly)], 1.0, cv2.LINE_AA, _SHIFT)
    ring = np.zeros_like(fill)
    cv2.polylines(ring, [_pts(poly)], True, 1.0, max(1, int(round(2.0 * s))), cv2.LINE_AA, _SHIFT)
    # secondary tide lines slightly inside
    for _k in range(int(rng.integers(0, 3))):
        c = (cx, cy)
        p2 = (poly - c) * rng.uniform(0.75, 0.95) + c + rng.normal(0, 2 * s, poly.shape)
        cv2.polylines(
            ring,
            [_pts(p2)],
            True,
            rng.uniform(0.3, 0.7),
            max(1, int(round(1.5 * s))),
            cv2.LINE_AA,
            _SHIFT,
        )
    ring = cv2.GaussianBlur(ring, (0, 0), 1.2 * s + 0.5)
    ring = ring * (fill * 0.7 + 0.3)  # ring sharper on the inside edge
    fill = cv2.GaussianBlur(fill, (0, 0), 0.08 * r + 1)
    texture = cv2.resize(
        rng.random((8, 8)).astype(np.float32), (loc_w, loc_h), interpolation=cv2.INTER_CUBIC
    )
    a = fill * rng.uniform(0.03, 0.12) * (0.6 + 0.6 * texture) + ring * rng.uniform(0.35, 0.75)
    col = np.array([0.8, 0.62, 0.42]) if rng.random() < 0.75 else np.array([0.7, 0.66, 0.55])
    _tint_patch(L, lx0, ly0, np.clip(a, 0, 1), col)


def _blotch(L, rng, s, small=False):
    """Soft brownish blotch (e.g. adhesive / handling stain)."""
    H, W = L.H, L.W
    r = rng.uniform(10, 30 if small else 60) * s
    x, y = rng.uniform(0, W), rng.uniform(0, H)
    pad = int(r * 2.5 + 6)
    x0, y0 = int(x) - pad, int(y) - pad
    loc = np.zeros((2 * pad, 2 * pad), np.float32)
    poly = _blob_poly(rng, x - x0, y - y0, r, rough=0.5)
    cv2.fillPoly(loc, [_pts(poly)], 1.0, cv2.LINE_AA, _SHIFT)
    loc = cv2.GaussianBlur(loc, (0, 0), 0.25 * r)
    col = np.array([0.78, 0.63, 0.45]) if rng.random() < 0.7 else np.array([0.6, 0.55, 0.5])
    _tint_patch(L, x0, y0, loc * rng.uniform(0.15, 0.45), col)


def _damage(base, p, rng, s, paper, lvl):
    H, W = base.shape[:2]
    L = _Layers(H, W)

    def ri(a):
        return int(rng.integers(a[0], a[1] + 1))

    def pr(q):
        return rng.random() < q

    # independent sub-streams: each kind of defect has its own random stream
    R = rng.spawn(14)

    cap = {"light": 0.018, "medium": 0.055, "severe": 0.14}[lvl]

    def room():
        """True while the damaged area (rough estimate from the layers) is under the cap."""
        m = (L.bright > 0) | (L.dark > 0) | (L.white > 0) | (L.hole > 0)
        if L.halo is not None:
            m |= L.halo > 0
        if L.shade is not None:
            m |= L.shade > 0
        if L.tint is not None:
            m |= L.tint[..., 2] < 0.985
        return m.mean() < cap

    # core small defects
    _dust(L, R[7], s, ri(p["dust"]), ri(p["clusters"]))
    _hairs(L, R[6], s, ri(p["hairs"]))
    _scratches(L, R[5], s, ri(p["scratches"]), p_halo=0.3)
    nc = ri(p["cracks"])
    if lvl == "medium" and pr(0.6):
        nc = 0
    _cracks(L, R[4], s, nc)
    # larger defects, each only while there is room in the damage budget
    if pr(p["crease"]) and room():
        for _ in range(1 if pr(0.7) else 2):
            _crease(L, R[8], s, paper)
    if pr(p["tear"]) and room():
        _tear(L, R[9], s)
    if pr(p["corner"]) and room():
        for _ in range(1 if pr(0.75) else 2):
            _corner(L, R[10], s, paper)
    if pr(p["holes"]) and room():
        for _ in range(ri((1, 3))):
            _hole(L, R[11], s)
    if pr(p["crazing"]):
        for _ in range(1 if lvl != "severe" else ri((1, 2))):
            if room():
                _crazing(L, R[3], s, lvl != "severe")
    if pr(p["water"]):
        for _ in range(1 + int(lvl == "severe" and pr(0.35))):
            if room():
                _water(L, R[0], s, lvl)
    if pr(p["foxing"]):
        for _ in range(1 if lvl != "severe" else ri((1, 4))):
            if room():
                _foxing(L, R[1], s)
    if pr(p["blotch"]) and room():
        _blotch(L, R[2], s, lvl != "severe")

    # ---- composite ----
    out = base.copy()
    if L.tint is not None:
        out *= L.tint
    if L.shade is not None:
        sh = cv2.GaussianBlur(L.shade, (0, 0), 1.3 * s + 0.5).astype(np.float32) * (1 / 255.0)
        out *= (1.0 - 0.45 * sh)[..., None]
    # irregular strength along lines/specks
    var = 0.65 + 0.35 * _smooth_field(R[12], H, W, 24)
    bright = L.bright.astype(np.float32) * (1 / 255.0)
    if L.halo is not None:
        hb = cv2.GaussianBlur(L.halo, (0, 0), 1.2 * s + 0.5).astype(np.float32) * (0.3 / 255.0)
        bright = np.maximum(bright * var, hb)
    else:
        bright *= var
    dirt = np.array([0.1, 0.085, 0.07], np.float32) * rng.uniform(0.5, 1.5)
    white = np.array([0.97, 0.97, 0.96], np.float32)
    paper = paper.astype(np.float32)
    for lay, col, v in ((bright, paper, False), (L.dark, dirt, True), (L.white, white, True)):
        if v:
            if not lay.any():
                continue
            a = lay.astype(np.float32) * (1 / 255.0) * var
        else:
            a = lay
        out += (col[None, None, :] - out) * a[..., None]
    if L.hole.any():
        r = rng.random()
        if r < 0.5:
            bg = np.array([0.96, 0.96, 0.95])  # white lid / paper
        elif r < 0.8:
            bg = np.array([0.06, 0.06, 0.06])  # black backing
        else:
            bg = np.array([0.55, 0.55, 0.53])  # grey
        a = L.hole.astype(np.float32) * (1 / 255.0)
        out += (bg.astype(np.float32)[None, None, :] - out) * a[..., None]
    return out


# --------------------------------------------------------------------------- #
# public entry point
# --------------------------------------------------------------------------- #
def age(clean: np.ndarray, level: str, seed: int):
    if level not in _P:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    clean = np.asarray(clean)
    if clean.dtype != np.uint8 or clean.ndim != 3 or clean.shape[2] != 3:
        raise ValueError("clean must be uint8 RGB HxWx3")
    H, W = clean.shape[:2]
    p = _P[level]
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFFFFFFFFFF, LEVELS.index(level), 0x6E3])
    s = float(np.sqrt(H * W)) / 512.0
    c16 = clean.astype(np.int16)
    bw = bool(
        np.abs(c16[..., 0] - c16[..., 1]).max() <= 2
        and np.abs(c16[..., 1] - c16[..., 2]).max() <= 2
    )

    r_glob, r_dam, r_grain = rng.spawn(3)
    base, paper, _kind = _global_age(clean, p, r_glob, bw, s)
    dam = _damage(base, p, r_dam, s, paper, level)
    rng = r_grain

    # scanner softness applies to everything (linear, so mask can use the difference)
    diff = np.abs(dam - base).max(axis=2)
    ssig = 0.45 * s
    if ssig > 0.3:
        dam = cv2.GaussianBlur(dam, (0, 0), ssig)
        base_b = cv2.GaussianBlur(base, (0, 0), ssig)
        diff = np.abs(dam - base_b).max(axis=2)
    mask = diff > _MASK_THRESH

    # grain (emulsion + scanner noise): luminance-dependent, slightly clumped
    g_amp = rng.uniform(*p["grain"]) / 255.0
    noise = rng.standard_normal((H, W), dtype=np.float32)
    gs = rng.uniform(0.4, 0.9) * s
    if gs > 0.35:
        noise = cv2.GaussianBlur(noise, (0, 0), gs)
        noise *= 1.0 / max(noise.std(), 1e-6)
    lum = dam.mean(axis=2)
    amp = g_amp * (0.6 + 1.6 * lum * (1.0 - lum))
    dam += (noise * amp)[..., None]
    if not bw:
        cn = rng.standard_normal((max(2, H // 2), max(2, W // 2), 3), dtype=np.float32)
        cn = cv2.resize(cn, (W, H), interpolation=cv2.INTER_LINEAR)
        dam += cn * (g_amp * 0.35)
    aged = np.clip(dam * 255.0 + 0.5, 0, 255).astype(np.uint8)

    # optional JPEG round-trip of the scan
    if rng.random() < {"light": 0.3, "medium": 0.4, "severe": 0.5}[level]:
        q = int(rng.integers(55, 92))
        ok, buf = cv2.imencode(
            ".jpg", cv2.cvtColor(aged, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, q]
        )
        if ok:
            aged = cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return aged, mask
