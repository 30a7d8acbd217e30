"""Image files made by the tests themselves, including hostile ones."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw


def picture(width: int = 120, height: int = 80, seed: int = 0) -> Image.Image:
    """A small picture whose orientation can be told: a red block at the top left."""
    image = Image.new("RGB", (width, height), (40 + seed * 37 % 200, 90 + seed * 53 % 150, 140))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width // 3, height // 3], fill=(220, 30, 30))
    draw.ellipse([width // 2, height // 2, width - 4, height - 4], fill=(240, 230, 200))
    return image


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def jpeg(width=120, height=80, seed=0, **params) -> bytes:
    return encode(picture(width, height, seed), "JPEG", quality=90, **params)


def png(width=120, height=80, seed=0) -> bytes:
    return encode(picture(width, height, seed), "PNG")


def rotated_jpeg(orientation: int = 6) -> bytes:
    """Stored landscape 120x80, but its EXIF says to show it turned (portrait)."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    return jpeg(exif=exif.tobytes())


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"
    gps = {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}
    exif[0x8825] = gps
    return jpeg(exif=exif.tobytes())


def heic(width=120, height=80) -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    return encode(picture(width, height), "HEIF", quality=80)


def tiff(width=120, height=80) -> bytes:
    return encode(picture(width, height), "TIFF", compression="tiff_lzw")


def truncated_jpeg() -> bytes:
    data = jpeg(400, 300, seed=3)
    return data[: len(data) * 2 // 3]


def noise_jpeg(width: int, height: int) -> bytes:
    """Incompressible content, for files of a predictable, large size."""
    import os

    image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    return encode(image, "JPEG", quality=95)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def bomb_png(side: int = 12_000) -> bytes:
    """A valid greyscale PNG of side x side pixels that compresses to a few hundred KB."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (side + 1)  # filter byte + black pixels
    parts = [compressor.compress(row) for _ in range(side)]
    parts.append(compressor.flush())
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(parts))
        + _chunk(b"IEND", b"")
    )


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def polyglot_png() -> bytes:
    """A real PNG that is also an HTML page: markup in a text chunk and after the end."""
    data = png()
    text = _chunk(b"tEXt", b"Comment\x00" + HTML)
    return data[:33] + text + data[33:] + HTML


def sepia_jpeg(width=160, height=120) -> bytes:
    """A small black-and-white print gone sepia: a grey ramp with grain, tinted brown."""
    import numpy as np

    rng = np.random.default_rng(3)
    grey = np.clip(np.linspace(40, 220, width)[None, :] + rng.normal(0, 6, (height, width)), 0, 255)
    rgb = np.stack([grey, grey * 0.9, grey * 0.72], axis=2).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "JPEG", quality=95)
    return out.getvalue()
