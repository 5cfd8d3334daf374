"""Draws the pages' icons once (they are committed under chalicelib/web/static): the favicon and,
for each app a person can add to the home screen, a 192 and a 512 px icon (maskable: the glyph
stays inside the safe circle). Run: ``python -m infra.web.icons`` after changing the design.

The font is Noto Sans CJK KR Bold (SIL OFL), only rasterised here; no font ships with the pages.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

STATIC = Path(__file__).resolve().parents[2] / "chalicelib" / "web" / "static"
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
FONT_INDEX_KR = 1  # Noto Sans CJK KR inside the collection
BRAND = (11, 92, 173)
ICONS = {"app": "G", "trip": "출장", "photo": "사진", "cafeteria": "식당"}


def draw(text: str, size: int) -> Image.Image:
    image = Image.new("RGB", (size, size), BRAND)
    pen = ImageDraw.Draw(image)
    font_size = int(size * (0.56 if len(text) == 1 else 0.30))
    font = ImageFont.truetype(FONT, font_size, index=FONT_INDEX_KR)
    left, top, right, bottom = pen.textbbox((0, 0), text, font=font)
    pen.text(((size - (right - left)) / 2 - left, (size - (bottom - top)) / 2 - top), text, font=font,
             fill=(255, 255, 255))
    return image


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def main() -> None:
    for name, text in ICONS.items():
        for size in (192, 512):
            (STATIC / f"icon-{name}-{size}.png").write_bytes(png(draw(text, size)))
    draw(ICONS["app"], 180).save(STATIC / "apple-touch-icon.png", "PNG", optimize=True)
    draw(ICONS["app"], 64).save(STATIC / "favicon.ico", "ICO", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
