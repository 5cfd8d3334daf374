"""Photo fixtures for the photos tests: generated images (always) and the shared real camera
files (``../shared/data/photos`` beside the repository, or ``GDESK_PHOTO_SAMPLES``) when present."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(os.environ.get("GDESK_PHOTO_SAMPLES") or ROOT.parent / "shared" / "data" / "photos")

# Where the reference picture's red marker is once the photo is the right way up.
MARKER = (0.2, 0.2)


def sample(relative: str) -> Path:
    """A real camera file; skips the test with a message when the shared data is absent."""
    path = SAMPLES / relative
    if not path.is_file():
        pytest.skip(f"real camera samples not present ({path}); set GDESK_PHOTO_SAMPLES")
    return path


def reference(width: int = 400, height: int = 300):  # type: ignore[no-untyped-def]
    """An upright landscape picture: grey, with a red block near the top-left corner and a blue
    one near the bottom-right, so every rotation and mirror gives a different picture."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (128, 128, 128))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width * 0.4, height * 0.4], fill=(220, 20, 20))
    draw.rectangle([width * 0.7, height * 0.7, width, height], fill=(20, 20, 220))
    return image


# How a camera stores an upright scene for each EXIF orientation: the inverse of what a viewer
# must do (EXIF 2.32 §4.6.4: 6 = "row 0 is the visual right-hand side" → stored rotated 90° CCW).
def stored_for(orientation: int, upright):  # type: ignore[no-untyped-def]
    from PIL import Image

    T = Image.Transpose
    ops = {1: [], 2: [T.FLIP_LEFT_RIGHT], 3: [T.ROTATE_180], 4: [T.FLIP_TOP_BOTTOM],
           5: [T.TRANSPOSE], 6: [T.ROTATE_90], 7: [T.TRANSVERSE], 8: [T.ROTATE_270]}[orientation]
    image = upright
    for op in ops:
        image = image.transpose(op)
    return image


def gps_ifd(lat: float = 35.2280, lon: float = 128.6811) -> dict[int, object]:
    """A GPS IFD for a point in Changwon (degrees, minutes, seconds as rationals)."""
    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60, 4)
        return (float(degrees), float(minutes), seconds)

    return {0: b"\x02\x03\x00\x00", 1: "N" if lat >= 0 else "S", 2: dms(lat),
            3: "E" if lon >= 0 else "W", 4: dms(lon)}


def jpeg(image=None, *, orientation: int = 1, gps: bool = False, quality: int = 90,  # type: ignore[no-untyped-def]
         taken_at: str = "2025:03:14 10:20:30", make: str = "Samsung", model: str = "Galaxy S24",
         xmp_gps: bool = False) -> bytes:
    """A camera-like JPEG: the upright ``image`` stored for ``orientation``, with EXIF."""
    from PIL import Image

    upright = image if image is not None else reference()
    stored = stored_for(orientation, upright)
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = make, model, orientation
    exif.get_ifd(0x8769)[0x9003] = taken_at
    if gps:
        exif.get_ifd(0x8825).update(gps_ifd())
    out = io.BytesIO()
    options: dict[str, object] = {"exif": exif.tobytes(), "quality": quality}
    if xmp_gps:
        options["xmp"] = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
                          b'02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/"'
                          b' exif:GPSLatitude="35,13.68N"/></rdf:RDF></x:xmpmeta>')
    stored.save(out, "JPEG", **options)
    return out.getvalue()


def encode(image, fmt: str, **options: object) -> bytes:  # type: ignore[no-untyped-def]
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png_bomb(width: int = 12_000, height: int = 12_000) -> bytes:
    """A valid 1-bit PNG of width × height that compresses to a few kilobytes."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    raw = zlib.compress(row * height, 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


HTML_AS_JPG = (b"<!DOCTYPE html>\n<html><head><title>login</title></head>"
               b"<body><script>alert(1)</script></body></html>\n")


def marker_is_red(data: bytes, where: tuple[float, float] = MARKER) -> bool:
    """The pixel at ``where`` (fractions of width/height) of an encoded image is the red block."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
        r, g, b = rgb.getpixel((int(rgb.width * where[0]), int(rgb.height * where[1])))  # type: ignore[misc]
        return bool(r > 150 and g < 90 and b < 90)
