"""The image toolkit: what files we accept, and the pictures we derive from them.

Nothing here trusts a file's name or the content type a browser sent: the bytes
are identified by Pillow against an explicit list of formats. Originals are
never modified; everything a browser is shown is re-encoded from pixels, so it
carries no EXIF (no GPS) and none of whatever else the uploaded file held.
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

# Pillow format name -> (MIME type we serve it with, file extension we store it under).
ACCEPTED_FORMATS: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
    "TIFF": ("image/tiff", "tif"),
    "BMP": ("image/bmp", "bmp"),
    "HEIF": ("image/heic", "heic"),
}
ACCEPTED_LABEL = "JPEG, PNG, WebP, TIFF, BMP or HEIC"
# The file picker's hint; the server decides from the bytes, never from this.
ACCEPT_ATTRIBUTE = ",".join(
    ["image/jpeg", "image/png", "image/webp", "image/tiff", "image/bmp", "image/heic", "image/heif"]
    + [".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".heic", ".heif"]
)

THUMBNAIL_SIDE = 480
DISPLAY_SIDE = 1600
_ROTATED_ORIENTATIONS = {5, 6, 7, 8}


class ImageRejected(Exception):
    """A file we will not take. `reason` completes the sentence "This file …".

    `too_large` says it was refused for its pixels, not for what it is: the API tells
    its clients so with a state of its own (restorer/api/intake.py).
    """

    def __init__(self, reason: str, *, too_large: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.too_large = too_large


@dataclass(frozen=True)
class ImageInfo:
    format: str
    mime_type: str
    extension: str
    width: int  # as displayed, after EXIF orientation
    height: int
    orientation: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


@dataclass(frozen=True)
class Rendition:
    content: bytes
    width: int
    height: int
    mime_type: str = "image/jpeg"
    extension: str = "jpg"


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.1f}".rstrip("0").rstrip(".")


def _open(source: BinaryIO, max_pixels: int) -> Image.Image:
    source.seek(0)
    try:
        with warnings.catch_warnings():
            # Past the limit Pillow only warns; the check below refuses with the numbers.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(source, formats=list(ACCEPTED_FORMATS))
    except Image.DecompressionBombError:
        raise ImageRejected(
            f"has far too many pixels; the limit is {_megapixels(max_pixels)} megapixels.",
            too_large=True,
        ) from None
    except UnidentifiedImageError:
        raise ImageRejected(f"is not a picture in a format we accept ({ACCEPTED_LABEL}).") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected(f"looks like a picture but cannot be read ({exc}).") from None
    if image.format not in ACCEPTED_FORMATS:
        raise ImageRejected(f"is not a picture in a format we accept ({ACCEPTED_LABEL}).")
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageRejected("has no pixels.")
    if width * height > max_pixels:
        raise ImageRejected(
            f"is {width} x {height} pixels ({_megapixels(width * height)} megapixels); "
            f"the limit is {_megapixels(max_pixels)} megapixels.",
            too_large=True,
        )
    return image


def inspect(source: BinaryIO, *, max_pixels: int) -> ImageInfo:
    """Identify a file from its header, without decoding the pixels."""
    image = _open(source, max_pixels)
    orientation = _orientation_from_header(image)
    width, height = image.size
    if orientation in _ROTATED_ORIENTATIONS:
        width, height = height, width
    mime_type, extension = ACCEPTED_FORMATS[image.format]
    return ImageInfo(image.format, mime_type, extension, width, height, orientation)


def _orientation_from_header(image: Image.Image) -> int:
    """The EXIF orientation, if the header holds it; never decodes pixels.

    Pillow's getexif() on a PNG whose EXIF is not ahead of the pixels (or that has
    none) decodes the whole picture to look behind them: up to 100 MP in the upload
    request. Such a PNG counts as upright here; the worker, which decodes it anyway,
    applies whatever orientation it finds.
    """
    if image.format == "PNG" and "exif" not in image.info:
        return 1
    try:
        return int(image.getexif().get(0x0112, 1) or 1)
    except Exception:  # a corrupt EXIF block is no reason to refuse a photo
        return 1


def load(source: BinaryIO, *, max_pixels: int, draft_side: int | None = None) -> Image.Image:
    """Decode every pixel (so a truncated file fails here), upright, in RGB or L.

    `draft_side` lets JPEG decoding scale down by 1/2..1/8 while it reads: the
    whole file is still decoded, so damage is still found, at a fraction of the
    memory. The result is then at least `draft_side` on its shorter fit.
    """
    image = _open(source, max_pixels)
    if draft_side and image.format == "JPEG":
        image.draft("RGB", (draft_side, draft_side))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as exc:
        raise ImageRejected(f"is damaged or incomplete and cannot be read ({exc}).") from None
    try:
        # In place: otherwise an upright picture is copied whole (300 MB for 100 MP).
        ImageOps.exif_transpose(image, in_place=True)
    except Exception as exc:  # unreadable orientation data: show it as stored
        log.info("ignoring unreadable EXIF orientation: %s", exc)
    return to_display_mode(image)


def to_display_mode(image: Image.Image) -> Image.Image:
    """Flatten whatever mode a scan came in (16-bit, CMYK, alpha, palette) to RGB or L."""
    icc = image.info.get("icc_profile")
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale scans: map the full range down to 8 bits.
        converted = image.point(lambda value: value * (1 / 256)).convert("L")
    elif image.mode == "1":
        converted = image.convert("L")
    elif "A" in image.mode or image.mode == "P" and "transparency" in image.info:
        rgba = image.convert("RGBA")
        converted = Image.new("RGB", rgba.size, (255, 255, 255))
        converted.paste(rgba, mask=rgba.getchannel("A"))
    elif image.mode == "LA":
        converted = image.convert("L")
    else:
        converted = image.convert("RGB")
    if icc and image.mode != "CMYK":
        converted.info["icc_profile"] = icc
    return converted


def in_srgb(image: Image.Image) -> Image.Image:
    """The picture's colours in sRGB, without a colour profile.

    A profile can name the scanner or camera that made the picture; what others are
    shown carries none, so its colours are converted to sRGB, which browsers assume.
    """
    icc = image.info.get("icc_profile")
    if not icc:
        return image
    converted = image
    if image.mode == "RGB":
        try:
            from PIL import ImageCms

            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = (
                ImageCms.profileToProfile(
                    image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
                )
                or image
            )
        except (ImageCms.PyCMSError, OSError, ValueError) as exc:
            log.info("ignoring an unusable colour profile: %s", exc)
    if converted is image:
        converted = image.copy()
    converted.info.pop("icc_profile", None)
    return converted


def _fitted(image: Image.Image, max_side: int) -> Image.Image:
    """A new picture within max_side, sized as Pillow's thumbnail() sizes it.

    thumbnail() works in place, so it needed a full-size copy first: for a 100 MP scan,
    300 MB more in the worker. resize() makes only the small picture.
    """
    width, height = image.size
    if width <= max_side and height <= max_side:
        return image.copy()
    aspect = width / height
    if aspect <= 1:
        new_height = max_side
        candidates = (math.floor(max_side * aspect), math.ceil(max_side * aspect))
        new_width = max(min(candidates, key=lambda n: abs(aspect - n / max_side)), 1)
    else:
        new_width = max_side
        candidates = (math.floor(max_side / aspect), math.ceil(max_side / aspect))
        new_height = max(
            min(candidates, key=lambda n: 0 if n == 0 else abs(aspect - max_side / n)), 1
        )
    return image.resize((new_width, new_height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def render(image: Image.Image, max_side: int, *, quality: int = 85) -> Rendition:
    """A JPEG no larger than max_side on either side, in sRGB, with no metadata."""
    copy = in_srgb(_fitted(image, max_side))
    buffer = io.BytesIO()
    copy.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return Rendition(buffer.getvalue(), copy.width, copy.height)


def renditions(image: Image.Image) -> tuple[Rendition, Rendition]:
    """The thumbnail and the display size every stored picture gets, once."""
    display = render(image, DISPLAY_SIDE, quality=88)
    thumbnail = render(image, THUMBNAIL_SIDE, quality=82)
    return thumbnail, display


# PicWish's documented limits for an uploaded picture.
PROVIDER_MAX_BYTES = 20 * 1024 * 1024


def prepare_for_restoration(
    image: Image.Image, max_side: int, max_bytes: int | None = PROVIDER_MAX_BYTES
) -> Rendition:
    """The copy of a picture sent for restoration: RGB JPEG, upright, within max_side.

    The original is never changed; this copy carries no metadata but colour. `max_bytes` is
    the provider's limit; the embedded engine has none (None).
    """
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    if image.info.get("icc_profile"):
        rgb.info["icc_profile"] = image.info["icc_profile"]
    for quality in (95, 90, 85, 75):
        rendition = render(rgb, max_side, quality=quality)
        if max_bytes is None or len(rendition.content) < max_bytes:
            return rendition
    raise ImageRejected("cannot be made small enough to send for restoration.")


def mime_for_extension(extension: str) -> str:
    for mime_type, known in ACCEPTED_FORMATS.values():
        if known == extension.lower():
            return mime_type
    return "application/octet-stream"


# JPEG segments kept when metadata is removed: JFIF, Adobe's colour transform flag.
# EXIF and XMP (APP1), the colour profile (APP2, which can name the device), IPTC
# (APP13), comments and the rest go.
_JPEG_KEEP = {0xE0, 0xEE}
# PNG chunks that carry text, dates, EXIF or a colour profile.
_PNG_DROP = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME", b"iCCP"}


def without_metadata(data: bytes) -> Rendition:
    """The same picture with no EXIF (GPS, camera, dates), XMP, IPTC, colour profile or text.

    JPEG and PNG keep their pixels bit for bit; other formats become a JPEG.
    Meant for pictures already upright (restorations, renditions): an EXIF
    orientation, if any, goes with the rest.
    """
    if data[:3] == b"\xff\xd8\xff":
        stripped = _jpeg_without_metadata(data)
        if stripped is not None:
            return Rendition(stripped, 0, 0, "image/jpeg", "jpg")
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        stripped = _png_without_metadata(data)
        if stripped is not None:
            return Rendition(stripped, 0, 0, "image/png", "png")
    picture = load(io.BytesIO(data), max_pixels=Image.MAX_IMAGE_PIXELS or 10**9)
    return upright_jpeg(picture)


def upright_jpeg(picture: Image.Image, quality: int = 95) -> Rendition:
    """A full-size JPEG of a decoded picture, in sRGB, with no metadata."""
    rgb = picture if picture.mode in ("RGB", "L") else picture.convert("RGB")
    if picture.info.get("icc_profile"):
        rgb.info["icc_profile"] = picture.info["icc_profile"]
    rgb = in_srgb(rgb)
    buffer = io.BytesIO()
    rgb.save(buffer, "JPEG", quality=quality, optimize=True)
    return Rendition(buffer.getvalue(), rgb.width, rgb.height)


def _jpeg_without_metadata(data: bytes) -> bytes | None:
    out = bytearray(b"\xff\xd8")
    position = 2
    length = len(data)
    while position + 4 <= length:
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is image data
            out += data[position:]
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out += data[position : position + 2]
            position += 2
            continue
        size = int.from_bytes(data[position + 2 : position + 4], "big")
        end = position + 2 + size
        if size < 2 or end > length:
            return None
        is_app = 0xE0 <= marker <= 0xEF
        if (is_app and marker in _JPEG_KEEP) or (not is_app and marker != 0xFE):
            out += data[position:end]
        position = end
    return None


def _png_without_metadata(data: bytes) -> bytes | None:
    out = bytearray(data[:8])
    position = 8
    while position + 12 <= len(data):
        size = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        end = position + 12 + size
        if end > len(data):
            return None
        if kind not in _PNG_DROP:
            out += data[position:end]
        position = end
        if kind == b"IEND":
            return bytes(out)
    return None
