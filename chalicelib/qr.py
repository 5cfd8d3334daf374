"""QR codes of links: PNG and SVG with ``qrcode``, error correction M - the one QR writer of the app
(trips' verify links; the photos pairing QR is meant to call ``svg`` as well).

The verify link must fit QR version 20 (97×97 modules; 666 bytes at level M) so a phone camera
reads it off another phone's screen; ``version_of`` reports it and the tests hold the line.

The mask pattern is fixed instead of scoring all eight: scoring costs ~75 ms in pure Python, and
the payload (base64url of signatures and ciphertext) is already random-looking, so the eight
masks score alike. Readability is checked by decoding with zxing-cpp in the tests.
"""

from __future__ import annotations

import io
from typing import Any

from chalicelib.errors import InvalidField, PayloadTooLarge

MAX_VERSION = 20
MASK = 2  # fixed; see the module docstring
# Byte-mode capacity at error correction M of versions 1..20 (ISO/IEC 18004, table 7). Picking
# the version from it skips the library's fit pass, which builds the data stream a second time.
BYTE_CAPACITY_M = (14, 26, 42, 62, 84, 106, 122, 152, 180, 213,
                   251, 287, 331, 362, 412, 450, 504, 560, 624, 666)


class QrTooLarge(ValueError):
    pass


def _matrix(text: str) -> Any:
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    data = text.encode("utf-8")
    version = next((v for v, cap in enumerate(BYTE_CAPACITY_M, start=1) if len(data) <= cap), None)
    if version is None:
        raise QrTooLarge(f"{len(data)} bytes need a QR version > {MAX_VERSION}")
    code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M, border=4, box_size=1,
                         mask_pattern=MASK)
    code.add_data(data, optimize=0)
    code.make(fit=False)
    return code


def version_of(text: str) -> int:
    return int(_matrix(text).version)


def png(text: str, scale: int = 6) -> bytes:
    """PNG of the QR (black on white, 1-bit). Drawn straight from the module matrix with Pillow:
    several times faster than the library's per-box image factory."""
    from PIL import Image

    modules = _matrix(text).get_matrix()  # includes the quiet zone
    size = len(modules)
    image = Image.new("1", (size, size), 1)
    image.putdata([0 if cell else 1 for row in modules for cell in row])
    image = image.resize((size * scale, size * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def svg(text: str, scale: int = 6, *, document: bool = False) -> str:
    """SVG of the QR: one path of unit squares, crisp at any print size. Inline in HTML by default;
    ``document=True`` adds the XML declaration of a standalone file (a ``data:`` URL, a download)."""
    modules = _matrix(text).get_matrix()
    size = len(modules)
    parts = []
    for y, row in enumerate(modules):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    declaration = '<?xml version="1.0" encoding="UTF-8"?>\n' if document else ""
    return (f'{declaration}<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
            f'width="{size * scale}" height="{size * scale}" shape-rendering="crispEdges">'
            f'<rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path d="{"".join(parts)}" fill="#000"/></svg>')


MAX_IMAGE_BYTES = 4 * 1024 * 1024
MAX_IMAGE_PIXELS = 24_000_000


def decode_image(data: bytes) -> str:
    """The text of the first QR code in an uploaded photo or screenshot (zxing-cpp)."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        raise InvalidField("image", "이미지가 비어 있습니다. (empty image)")
    if len(data) > MAX_IMAGE_BYTES:
        raise PayloadTooLarge("이미지는 4MB 이하여야 합니다. (image too large)")
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_IMAGE_PIXELS:
            raise PayloadTooLarge("이미지 해상도가 너무 큽니다. (too many pixels)")
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidField("image", "이미지를 읽을 수 없습니다 (PNG, JPEG, WebP).") from exc
    import zxingcpp

    results = [r for r in zxingcpp.read_barcodes(image.convert("L"))
               if r.format == zxingcpp.BarcodeFormat.QRCode]
    if not results:
        raise InvalidField("image", "이미지에서 QR 코드를 찾지 못했습니다. (no QR code found)")
    return str(results[0].text)
