"""Train the damage detector and export it to ONNX.

    .venv/bin/python -m restorer.engine.training.train --out restorer/engine/models

Crops of the training photos (see `sources`) are taken at random scales, aged by `damage.age`
and fed to the U-Net of `model` with a fixed seed and a fixed number of steps, on the CPU
build of torch (the `train` extra). It writes `damage_unet.onnx` and `damage_unet.json`: the
model's SHA-256, this exact command, the photos it learnt from and what it scored on crops of
the held-out photos. It never runs in CI or at run time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import platform
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from .. import detector
from . import damage, sources

CROP = 192
# the photo sizes (longest side, in pixels) the detector sees: at run time it looks at a copy
# at most detector.WORK_SIDE across, and small photos as they are
SIDES = (320, 1280)


class Pyramid:
    """A source photo at a few sizes, so crops at any scale are cheap."""

    def __init__(self, rgb: np.ndarray):
        self.levels: list[tuple[int, np.ndarray]] = []
        side = max(rgb.shape[:2])
        img = rgb
        while True:
            self.levels.append((side, img))
            if side < SIDES[0] * 1.5:
                break
            img = cv2.resize(img, None, fx=0.7, fy=0.7, interpolation=cv2.INTER_AREA)
            side = max(img.shape[:2])

    def crop(self, rng: np.random.Generator, side: float, crop: int) -> tuple[np.ndarray, float]:
        """A crop of the photo as if it were `side` pixels across; returns (crop, scale)."""
        # the smallest stored level at least as large, then resized the rest of the way
        level = next((img for s, img in reversed(self.levels) if s >= side), self.levels[0][1])
        f = side / max(level.shape[:2])
        h, w = level.shape[:2]
        need = int(math.ceil(crop / f)) + 2
        if need > min(h, w):
            f = (crop + 2) / min(h, w)
            need = min(h, w)
        y = int(rng.integers(0, h - need + 1))
        x = int(rng.integers(0, w - need + 1))
        part = level[y : y + need, x : x + need]
        part = cv2.resize(
            part, None, fx=f, fy=f, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
        )[:crop, :crop]
        k = int(rng.integers(0, 4))
        part = np.rot90(part, k)
        if rng.random() < 0.5:
            part = part[:, ::-1]
        return np.ascontiguousarray(part), max(level.shape[:2]) * f / 512.0


def sample(
    rng: np.random.Generator, pyramids: list[Pyramid], crop: int = CROP, clean_share: float = 0.0
):
    """One training example. A `clean_share` of them are aged but undamaged: a detector that
    has only ever seen damaged prints learns to find some on every photo."""
    pyr = pyramids[int(rng.integers(0, len(pyramids)))]
    side = float(np.exp(rng.uniform(np.log(SIDES[0]), np.log(SIDES[1]))))
    clean, scale = pyr.crop(rng, side, crop)
    defects = clean_share <= 0.0 or rng.random() >= clean_share
    aged, mask = damage.age(clean, rng, scale, defects=defects)
    return detector.network_input(aged), mask.astype(np.float32)


def batch(rng, pyramids, n: int, crop: int = CROP, clean_share: float = 0.0):
    xs, ys = zip(*(sample(rng, pyramids, crop, clean_share) for _ in range(n)), strict=True)
    return np.stack(xs), np.stack(ys)[:, None]


def scores(prob: np.ndarray, truth: np.ndarray, threshold: float = detector.THRESHOLD) -> dict:
    pred = prob > threshold
    t = truth > 0.5
    tp = float((pred & t).sum())
    precision = tp / max(pred.sum(), 1)
    recall = tp / max(t.sum(), 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def _label(src: sources.Source) -> str:
    """How the manifest names a photo: its file, or for Plasma's wallpapers (whose files are
    named by their size) its folder and file."""
    name = src.path.name if src.path.stem.startswith(src.name) else f"{src.name}/{src.path.name}"
    return f"{src.package}: {name}"


def export(net, path: Path) -> None:
    import torch

    net.eval()
    torch.onnx.export(
        net,
        torch.zeros(1, 3, 64, 64),
        str(path),
        input_names=["image"],
        output_names=["logits"],
        dynamic_axes={"image": {2: "height", 3: "width"}, "logits": {2: "height", 3: "width"}},
        opset_version=17,
        dynamo=False,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=detector.MODEL_DIR)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=12)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--clean-share",
        type=float,
        default=0.15,
        help="share of training examples with no damage at all",
    )
    ap.add_argument(
        "--pos-weight",
        type=float,
        default=1.0,
        help="weight of damaged pixels in the loss (above 1 trades precision for recall)",
    )
    ap.add_argument("--extra", type=Path, help="a folder of your own clean photos to add")
    args = ap.parse_args(argv)
    if not 0.0 <= args.clean_share < 1.0:
        ap.error(f"--clean-share must be at least 0 and below 1, not {args.clean_share}")
    if not args.pos_weight > 0.0:
        ap.error(f"--pos-weight must be above 0, not {args.pos_weight}")

    import torch

    from .model import WIDTHS, DamageUNet

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    train_src = sources.training_sources(args.extra)
    held = sources.held_out_sources()
    if len(train_src) < 8:
        sys.exit(
            f"only {len(train_src)} training photos are installed; install the train extra "
            "(scikit-image, scikit-learn, matplotlib) and Debian's mate-backgrounds"
        )
    print(f"training on {len(train_src)} photos: {', '.join(s.name for s in train_src)}")
    print(f"held out: {', '.join(s.name for s in held)}")
    pyramids = [Pyramid(sources.load_rgb(s.path, 2048)) for s in train_src]
    held_pyr = [Pyramid(sources.load_rgb(s.path, 2048)) for s in held]
    vrng = np.random.default_rng(1)
    val_x, val_y = batch(vrng, held_pyr or pyramids, 48, 256)

    net = DamageUNet()
    n_params = sum(p.numel() for p in net.parameters())
    print(f"DamageUNet{WIDTHS}: {n_params} parameters")
    opt = torch.optim.AdamW(net.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.05
    )
    bce = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(args.pos_weight))

    def evaluate() -> dict:
        net.eval()
        with torch.no_grad():
            logits = torch.cat([net(torch.from_numpy(val_x[i : i + 8])) for i in range(0, 48, 8)])
        net.train()
        return scores(torch.sigmoid(logits).numpy(), val_y)

    t0 = time.time()
    for step in range(1, args.steps + 1):
        x, y = batch(rng, pyramids, args.batch, clean_share=args.clean_share)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        logits = net(xt)
        p = torch.sigmoid(logits)
        dice = 1 - (2 * (p * yt).sum() + 1) / (p.sum() + yt.sum() + 1)
        loss = bce(logits, yt) + 0.5 * dice
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 250 == 0 and step < args.steps:
            # a look at the model so far, for whoever is waiting; never committed
            export(net, args.out / "damage_unet.partial.onnx")
            net.train()
        if step % 100 == 0 or step == args.steps:
            msg = f"step {step}/{args.steps} loss {loss.item():.4f} {time.time() - t0:.0f} s"
            if step % 500 == 0 or step == args.steps:
                msg += f" held-out {evaluate()}"
            print(msg, flush=True)

    final = evaluate()
    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / detector.MODEL_PATH.name
    export(net, onnx_path)
    digest = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    record = {
        "file": onnx_path.name,
        "sha256": digest,
        "command": "python -m restorer.engine.training.train "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "seed": args.seed,
        "steps": args.steps,
        "batch": args.batch,
        "clean_share": args.clean_share,
        "pos_weight": args.pos_weight,
        "crop": CROP,
        "parameters": n_params,
        "widths": list(WIDTHS),
        "training_photos": [_label(s) for s in train_src],
        "held_out_photos": [_label(s) for s in held],
        "held_out_scores_at_threshold": {"threshold": detector.THRESHOLD, **final},
        "torch": torch.__version__,
        "python": platform.python_version(),
        "seconds": round(time.time() - t0),
    }
    (args.out / detector.MANIFEST_PATH.name).write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
