"""Turning an uploaded camera file into the two images the desktop shows, safely.

Pure: bytes in, bytes and plain values out; no AWS, no Chalice. Pillow and pillow-heif are
imported inside the functions that decode (they cost ~100 ms of cold start for the API function,
which never decodes).

Safety, in the order it is applied:
1. ``sniff`` decides the type from the first bytes, never from the file name or the client's
   Content-Type: only JPEG, PNG, WebP and HEIC/HEIF are opened. An HTML page named ``.jpg`` is
   "not an image", an AVIF or GIF is "unsupported".
2. The pixel count is checked from the header before any pixel is decoded (decompression bombs),
   and Pillow's own bomb check is turned into an error for the whole decode.
3. A truncated file is an error (``LOAD_TRUNCATED_IMAGES`` stays off).

Speed: for JPEG, ``Image.draft()`` asks libjpeg to decode at 1/2, 1/4 or 1/8 scale when the web
variant is that much smaller, so a 12 MP photo never exists in memory at full size. The EXIF
orientation is applied after the draft and the resize (turning 1600×1200 pixels, not 4000×3000,
with the same table as ``ImageOps.exif_transpose``), and the variants carry a new, minimal
EXIF block (taken-at, camera, orientation 1, GPS only when the user keeps it): no maker notes, no
XMP, no embedded thumbnail, so no location leaks through a side door.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Kinds this tool accepts, with the Content-Type of the original.
ACCEPTED = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "heif": "image/heif"}

WEB_LONG_SIDE = 1600
THUMB_LONG_SIDE = 320
MAX_IMAGE_PIXELS = 60_000_000  # 60 MP: every phone camera at full resolution, and no bomb
JPEG_QUALITY = 85

# EXIF tag numbers (TIFF/EXIF 2.32).
_ORIENTATION = 0x0112
_MAKE, _MODEL, _DATETIME = 0x010F, 0x0110, 0x0132
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL = 0x9003, 0x9011

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1",
                b"msf1", b"heif"}
_AVIF_BRANDS = {b"avif", b"avis"}


class ImageRejected(ValueError):
    """The file cannot become a photo. ``code`` is stable; ``reason`` is the Korean text users see."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


REASONS = {
    "empty": "빈 파일입니다.",
    "too_large": "파일이 너무 큽니다 (최대 {limit}MB).",
    "not_image": "이미지 파일이 아닙니다 (파일 내용이 {what}입니다).",
    "unsupported": "지원하지 않는 이미지 형식입니다 ({what}). JPEG, PNG, WebP, HEIC만 올릴 수 있습니다.",
    "truncated": "파일이 손상되었거나 끝까지 전송되지 않았습니다.",
    "corrupt": "이미지를 해석할 수 없습니다 (손상된 파일).",
    "bomb": "이미지 해상도가 너무 큽니다 ({pixels} 화소, 최대 {limit} 화소).",
    "unprocessable": "이 사진은 처리할 수 없는 형식이나 메타데이터를 담고 있습니다. "
                     "다른 앱으로 다시 저장해 올려 주세요.",
}


def rejected(code: str, **values: Any) -> ImageRejected:
    return ImageRejected(code, REASONS[code].format(**values))


# -- type sniffing ---------------------------------------------------------------------------------


def sniff(head: bytes) -> str:
    """The real type of a file from its first bytes: one of ``ACCEPTED`` or a descriptive name
    of something else (``html``, ``pdf``, ``gif``, ``avif``, ``text``, ``unknown``, ``empty``)."""
    if not head:
        return "empty"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _isobmff_kind(head)
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"BM", b"II*\x00", b"MM\x00*")):
        return "bmp" if head.startswith(b"BM") else "tiff"
    text = head[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<?xml", b"<svg")):
        return "svg" if b"<svg" in text else "html"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    try:
        head[:512].decode("utf-8")
    except UnicodeDecodeError:
        return "unknown"
    return "text"


def _isobmff_kind(head: bytes) -> str:
    """HEIF vs AVIF vs video: the major brand, then the compatible brands of the ftyp box."""
    size = int.from_bytes(head[:4], "big")
    box = head[8:max(16, min(size, len(head)))]
    major, compatible = box[:4], {box[i:i + 4] for i in range(8, len(box) - 3, 4)}
    if major in _AVIF_BRANDS or (major == b"mif1" and compatible & _AVIF_BRANDS
                                 and not compatible & (_HEIF_BRANDS - {b"mif1", b"msf1"})):
        return "avif"
    if major in _HEIF_BRANDS or compatible & (_HEIF_BRANDS - {b"mif1", b"msf1"}):
        return "heif"
    return "video" if major in {b"isom", b"mp41", b"mp42", b"qt  ", b"3gp4", b"M4V "} else "unknown"


_NAMES = {"html": "HTML 문서", "svg": "SVG 문서", "pdf": "PDF 문서", "text": "텍스트", "zip": "압축 파일",
          "unknown": "알 수 없는 데이터", "video": "동영상", "gif": "GIF", "avif": "AVIF", "bmp": "BMP",
          "tiff": "TIFF"}


def check_kind(head: bytes) -> str:
    """``sniff`` that raises ``ImageRejected`` for anything this tool does not open."""
    kind = sniff(head)
    if kind in ACCEPTED:
        return kind
    if kind == "empty":
        raise rejected("empty")
    if kind in {"gif", "avif", "bmp", "tiff"}:
        raise rejected("unsupported", what=_NAMES[kind])
    raise rejected("not_image", what=_NAMES.get(kind, kind))


# -- results -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"


@dataclass(frozen=True)
class Metadata:
    kind: str
    content_type: str
    width: int  # of the original, the right way up
    height: int
    orientation: int  # the EXIF orientation that was applied (1 = none)
    taken_at: str | None  # ISO 8601, with the offset when the camera recorded one
    camera: str | None
    has_gps: bool
    gps: tuple[float, float] | None = None  # (lat, lon) when kept and readable

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind, "content_type": self.content_type, "width": self.width,
            "height": self.height, "orientation": self.orientation, "taken_at": self.taken_at,
            "camera": self.camera, "has_gps": self.has_gps}
        if self.gps:
            out["gps"] = {"lat": self.gps[0], "lon": self.gps[1]}
        return out


@dataclass(frozen=True)
class Processed:
    metadata: Metadata
    web: Variant
    thumb: Variant
    timings_ms: dict[str, float] = field(default_factory=dict)
    # What 다운로드 and 보내기 deliver: every pixel of the original, re-encoded with the fresh EXIF
    # (no GPS unless kept; the camera's orientation tag, since the pixels are stored as shot).
    full: Variant | None = None


# -- processing ---------------------------------------------------------------------------------------


def _register_heif() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()


def _open(data: bytes, kind: str, max_pixels: int) -> Any:
    from PIL import Image

    if kind == "heif":
        _register_heif()
    formats = {"jpeg": ["JPEG"], "png": ["PNG"], "webp": ["WEBP"], "heif": ["HEIF"]}[kind]
    try:
        with warnings.catch_warnings():
            # Our own limit is checked right below, with the real pixel count in the message.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=formats)
    except Image.DecompressionBombError as exc:
        raise rejected("bomb", pixels="1억 8천만 이상의", limit=f"{max_pixels:,}") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise rejected("corrupt") from exc
    width, height = image.size
    if width <= 0 or height <= 0 or width * height > max_pixels:
        raise rejected("bomb", pixels=f"{width * height:,}", limit=f"{max_pixels:,}")
    return image


def _draft_size(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """The smallest decode size (in the file's stored orientation) that still covers the web
    variant; ``draft`` picks the largest 1/2^n scale at or above it."""
    width, height = size
    scale = long_side / max(width, height)
    return max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale))


def _load(image: Any, kind: str, long_side: int, use_draft: bool) -> Any:
    from PIL import Image

    if use_draft and kind == "jpeg" and max(image.size) > long_side:
        image.draft(image.mode if image.mode in ("RGB", "L") else "RGB", _draft_size(image.size, long_side))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except OSError as exc:
        if "truncated" in str(exc).lower():
            raise rejected("truncated") from exc
        raise rejected("corrupt") from exc
    except (SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise rejected("corrupt") from exc
    return image


def _rgb(image: Any) -> Any:
    """JPEG-ready pixels: alpha flattened on white, palettes and 16-bit expanded."""
    from PIL import Image

    if image.mode in ("RGB", "L"):
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _fit(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    width, height = size
    if max(width, height) <= long_side:
        return width, height
    scale = long_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def process(data: bytes, *, keep_gps: bool = False, web_long_side: int = WEB_LONG_SIDE,
            thumb_long_side: int = THUMB_LONG_SIDE, max_pixels: int = MAX_IMAGE_PIXELS,
            max_bytes: int | None = None, use_draft: bool = True, full_variant: bool = True) -> Processed:
    """Check, decode, orient and resize one uploaded file; raises ``ImageRejected`` - and only that.

    This function is pure and deterministic: whatever else goes wrong inside it (an odd tag
    Pillow trips over, a mode it cannot convert) would go wrong on every retry too, so it is a
    rejection of this file with a reason, never an error that makes SQS redeliver the event."""
    try:
        return _process(data, keep_gps=keep_gps, web_long_side=web_long_side,
                        thumb_long_side=thumb_long_side, max_pixels=max_pixels, max_bytes=max_bytes,
                        use_draft=use_draft, full_variant=full_variant)
    except ImageRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - see the docstring: a property of the file, not of the run
        raise rejected("unprocessable") from exc


def _process(data: bytes, *, keep_gps: bool, web_long_side: int, thumb_long_side: int, max_pixels: int,
             max_bytes: int | None, use_draft: bool, full_variant: bool) -> Processed:
    import time

    started = time.perf_counter()
    if max_bytes is not None and len(data) > max_bytes:
        raise rejected("too_large", limit=max_bytes // (1024 * 1024))
    kind = check_kind(data[:64])
    image = _open(data, kind, max_pixels)
    exif = image.getexif()
    orientation = _orientation(exif, image)
    stored = image.size  # the file's own size; draft() shrinks image.size
    opened = time.perf_counter()
    image = _load(image, kind, web_long_side, use_draft)
    decoded = time.perf_counter()
    full_width, full_height = stored if orientation in (1, 2, 3, 4) else stored[::-1]
    # Resize first, in the stored orientation, then turn the (smaller) result upright.
    pixels = _rgb(image)
    web_img = _upright(_shrink(pixels, web_long_side), orientation)
    thumb_img = _shrink(web_img, thumb_long_side)
    resized = time.perf_counter()
    gps = _gps(exif) if keep_gps else None
    variant_exif = _variant_exif(exif, gps)
    icc = image.info.get("icc_profile")
    web = Variant(_jpeg(web_img, variant_exif, icc), *web_img.size)
    thumb = Variant(_jpeg(thumb_img, variant_exif, icc), *thumb_img.size)
    full = _full(data, kind, pixels, stored, _variant_exif(exif, gps, orientation), icc) \
        if full_variant else None
    done = time.perf_counter()
    metadata = Metadata(
        kind=kind, content_type=ACCEPTED[kind], width=full_width, height=full_height,
        orientation=orientation, taken_at=_taken_at(exif), camera=_camera(exif),
        has_gps=bool(exif.get_ifd(_GPS_IFD)), gps=gps)
    timings = {"open": (opened - started) * 1000, "decode": (decoded - opened) * 1000,
               "resize": (resized - decoded) * 1000, "encode": (done - resized) * 1000,
               "total": (done - started) * 1000}
    return Processed(metadata, web, thumb, timings, full)


def _full(data: bytes, kind: str, pixels: Any, stored: tuple[int, int], exif: bytes,
          icc: bytes | None) -> Variant | None:
    """The full-resolution download: a JPEG keeps its own compressed pixels (lossless, and the
    draft decode stays small) with every metadata segment replaced by ``exif``; other kinds were
    decoded at full size anyway and are encoded as JPEG. None if a JPEG's segments cannot be
    walked (the web variant stands in)."""
    if kind != "jpeg":
        return Variant(_jpeg(pixels, exif, icc), *pixels.size)
    try:
        return Variant(strip_jpeg_metadata(data, exif), *stored)
    except ValueError:
        return None


# JPEG segments a viewer needs besides the pixels: JFIF, the colour profile, Adobe's colour transform.
_KEEP_APP = ((0xE0, b"JFIF\0"), (0xE2, b"ICC_PROFILE\0"), (0xEE, b"Adobe"))


def strip_jpeg_metadata(data: bytes, exif: bytes) -> bytes:
    """``data`` with every APPn and COM segment dropped (EXIF with GPS, XMP, MPF with its second
    image, IPTC, maker notes, comments) except those in ``_KEEP_APP``, ``exif`` (``Exif\\0\\0…``)
    written in their place, and nothing after the end of the image. The compressed pixels are
    copied byte for byte. Raises ``ValueError`` when the segments cannot be walked."""
    if data[:2] != b"\xff\xd8" or len(exif) + 2 > 0xFFFF:
        raise ValueError("not a JPEG")
    kept: list[bytes] = []
    pos, size = 2, len(data)
    while True:
        while pos < size and data[pos] == 0xFF and pos + 1 < size and data[pos + 1] == 0xFF:
            pos += 1  # fill bytes
        if pos + 2 > size or data[pos] != 0xFF:
            raise ValueError("broken JPEG segment structure")
        marker = data[pos + 1]
        if marker == 0xD9:  # end of image: whatever follows (a second image, trailers) is dropped
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            kept.append(data[pos:pos + 2])
            pos += 2
            continue
        if pos + 4 > size:
            raise ValueError("truncated JPEG segment")
        end = pos + 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
        if end > size:
            raise ValueError("truncated JPEG segment")
        segment = data[pos:end]
        if marker == 0xDA:  # start of scan: the entropy-coded data runs to the next real marker
            end = _scan_end(data, end)
            segment = data[pos:end]
        elif _is_metadata(marker, segment):
            pos = end
            continue
        kept.append(segment)
        pos = end
    app1 = b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif
    at = 1 if kept and kept[0][:2] == b"\xff\xe0" else 0  # JFIF's APP0 stays first
    return b"\xff\xd8" + b"".join(kept[:at]) + app1 + b"".join(kept[at:]) + b"\xff\xd9"


_IN_SCAN = frozenset([0x00, *range(0xD0, 0xD8)])  # stuffed 0xFF and restart markers


def _scan_end(data: bytes, start: int) -> int:
    """Where the entropy-coded data that starts at ``start`` ends: the next 0xFF that is neither
    a stuffed byte nor a restart marker (found with ``find``, not byte by byte)."""
    scan = data.find(b"\xff", start)
    while scan != -1 and scan + 1 < len(data) and data[scan + 1] in _IN_SCAN:
        scan = data.find(b"\xff", scan + 2)
    if scan == -1 or scan + 1 >= len(data):
        raise ValueError("no end of image")
    return scan


def _is_metadata(marker: int, segment: bytes) -> bool:
    """An APPn or COM segment that is not one of ``_KEEP_APP``."""
    if not (0xE0 <= marker <= 0xEF or marker == 0xFE):
        return False
    return not any(marker == m and segment[4:4 + len(tag)] == tag for m, tag in _KEEP_APP)


def _shrink(image: Any, long_side: int) -> Any:
    """Fit ``long_side``, after a box reduction for big ratios (``reducing_gap``): ~2× faster than
    Lanczos with no visible difference at these sizes."""
    from PIL import Image

    if max(image.size) <= long_side:
        return image
    # A small ratio (a drafted JPEG: 2000 → 1600) needs no wide filter; bilinear is antialiased
    # in Pillow (its support scales with the ratio) and twice as fast as bicubic.
    ratio = max(image.size) / long_side
    method = Image.Resampling.BILINEAR if ratio < 1.5 else Image.Resampling.BICUBIC
    return image.resize(_fit(image.size, long_side), method, reducing_gap=2.0)


# What a viewer must do to show the stored pixels upright, per EXIF orientation (TIFF 6.0 / EXIF
# 2.32 §4.6.4); the same table as Pillow's ImageOps.exif_transpose.
_UPRIGHT = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE", 6: "ROTATE_270",
            7: "TRANSVERSE", 8: "ROTATE_90"}


def _upright(image: Any, orientation: int) -> Any:
    from PIL import Image

    method = _UPRIGHT.get(orientation)
    return image.transpose(getattr(Image.Transpose, method)) if method else image


def _orientation(exif: Any, image: Any) -> int:
    """1..8; anything else (ASCII text, a tuple, a number out of range) counts as 1 (as is)."""
    if image.format == "HEIF":  # pillow-heif applies the HEIF transform itself and keeps the tag
        return 1
    raw = exif.get(_ORIENTATION)
    if isinstance(raw, (str, bytes)):
        text = _clean(raw)
        raw = int(text) if text.isdigit() and len(text) == 1 else None
    return raw if isinstance(raw, int) and raw in range(1, 9) else 1


def _jpeg(image: Any, exif: bytes, icc: bytes | None) -> bytes:
    out = io.BytesIO()
    options: dict[str, Any] = {"quality": JPEG_QUALITY, "optimize": False, "progressive": False}
    if exif:
        options["exif"] = exif
    if icc:
        options["icc_profile"] = icc
    image.save(out, "JPEG", **options)
    return out.getvalue()


def _variant_exif(source: Any, gps: tuple[float, float] | None, orientation: int = 1) -> bytes:
    """A fresh EXIF block for the variants: taken-at, camera, orientation 1, and the position
    ``gps`` when the user keeps it - written anew from the values that could be read, never the
    camera's own GPS tags (of any type, with any extras)."""
    from PIL import Image

    out = Image.Exif()
    for tag in (_MAKE, _MODEL, _DATETIME):
        value = source.get(tag)
        if isinstance(value, str) and value.strip("\x00 "):
            out[tag] = value.strip("\x00 ")
    out[_ORIENTATION] = orientation
    original = source.get_ifd(_EXIF_IFD)
    exif_ifd = {t: original[t] for t in (_DATETIME_ORIGINAL, _OFFSET_TIME_ORIGINAL)
                if isinstance(original.get(t), str)}
    if exif_ifd:
        out.get_ifd(_EXIF_IFD).update(exif_ifd)
    if gps is not None:
        lat, lon = gps
        out.get_ifd(_GPS_IFD).update({0: b"\x02\x03\x00\x00", 1: "N" if lat >= 0 else "S", 2: _dms(lat),
                                      3: "E" if lon >= 0 else "W", 4: _dms(lon)})
    return bytes(out.tobytes())


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    return float(degrees), float(minutes), round(((value - degrees) * 60 - minutes) * 60, 4)


# -- metadata --------------------------------------------------------------------------------------


def _clean(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).replace("\x00", "").strip() if value is not None else ""


def _camera(exif: Any) -> str | None:
    make, model = _clean(exif.get(_MAKE)), _clean(exif.get(_MODEL))
    if make and model.lower().startswith(make.split()[0].lower()):
        return model[:100]
    return (f"{make} {model}".strip()[:100]) or None


def _taken_at(exif: Any) -> str | None:
    """DateTimeOriginal (else DateTime) as ISO 8601; with OffsetTimeOriginal when present."""
    sub = exif.get_ifd(_EXIF_IFD)
    for raw in (sub.get(_DATETIME_ORIGINAL), exif.get(_DATETIME)):
        text = _clean(raw)
        try:
            parsed = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
        except ValueError:
            continue
        offset = _clean(sub.get(_OFFSET_TIME_ORIGINAL))
        iso = parsed.isoformat()
        if len(offset) == 6 and offset[0] in "+-" and offset[3] == ":":
            iso += offset
        return iso
    return None


def _ratio(value: Any) -> float:
    if isinstance(value, (str, bytes)):  # GPS written as text: not a position we can trust
        raise TypeError("GPS value is not a number")
    if isinstance(value, tuple) and len(value) == 2:
        return float(value[0]) / float(value[1]) if value[1] else math.nan
    return float(value)


def _degrees(parts: Any, ref: Any) -> float | None:
    """Degrees/minutes/seconds as a signed float; tolerates the odd encodings cameras write
    (all in one slot, minutes with 0 degrees, missing seconds)."""
    try:
        values = [_ratio(p) for p in (parts if isinstance(parts, (tuple, list)) else [parts])]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    values = (values + [0.0, 0.0, 0.0])[:3]
    if any(math.isnan(v) for v in values):
        return None
    result = values[0] + values[1] / 60 + values[2] / 3600
    if _clean(ref).upper()[:1] in ("S", "W"):
        result = -result
    return round(result, 6)


def _gps(exif: Any) -> tuple[float, float] | None:
    gps = exif.get_ifd(_GPS_IFD)
    if not gps or 2 not in gps or 4 not in gps:
        return None
    lat, lon = _degrees(gps.get(2), gps.get(1)), _degrees(gps.get(4), gps.get(3))
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    return lat, lon


def read_metadata(data: bytes) -> dict[str, Any]:
    """The EXIF facts of a finished variant (tests, and checking a variant carries no GPS)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        return {"size": image.size, "orientation": int(exif.get(_ORIENTATION) or 1),
                "has_gps": bool(exif.get_ifd(_GPS_IFD)), "gps": _gps(exif),
                "taken_at": _taken_at(exif), "camera": _camera(exif),
                "has_xmp": "xmp" in image.info or b"http://ns.adobe.com/xap" in data}
