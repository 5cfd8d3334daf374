"""The one QR SVG writer: inline for HTML, a standalone document on request, and readable by a real
decoder (the path is drawn back into pixels and read with zxing-cpp)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from chalicelib import qr

LINK = "https://gdesk.example.kr/photo/pair#c0de-페어링"


def _pixels(svg: str, scale: int = 8) -> object:
    from PIL import Image, ImageDraw

    root = ET.fromstring(svg.split("?>", 1)[-1])
    size = int(root.get("viewBox", "").split()[-1])
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    path = root.find("{http://www.w3.org/2000/svg}path")
    assert path is not None
    for x, y, width in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path.get("d", "")):
        left, top = int(x) * scale, int(y) * scale
        draw.rectangle([left, top, left + int(width) * scale - 1, top + scale - 1], fill=0)
    return image


@pytest.mark.parametrize("document", [False, True])
def test_the_svg_decodes_to_its_text(document: bool) -> None:
    import zxingcpp

    svg = qr.svg(LINK, scale=10, document=document)
    assert svg.startswith("<?xml") is document and "<svg" in svg
    results = zxingcpp.read_barcodes(_pixels(svg))
    assert [r.text for r in results] == [LINK]


def test_the_document_form_is_the_inline_form_with_its_declaration() -> None:
    inline, document = qr.svg(LINK), qr.svg(LINK, document=True)
    assert document.endswith(inline)
    assert document.split("\n", 1)[0] == '<?xml version="1.0" encoding="UTF-8"?>'
    root = ET.fromstring(inline)
    assert root.get("width") == str(int(str(root.get("viewBox")).split()[-1]) * 6)
