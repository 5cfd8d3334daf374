"""Issue 15 (17): what 다운로드 and 보내기 deliver is the full-resolution image without location (unless
kept): a JPEG keeps its compressed pixels byte for byte with every metadata segment replaced; other
kinds are encoded as JPEG at full size. (The draft decode of the web variant stays as it was:
test_photos_imaging's draft test runs ``process`` with the full variant on.)"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from chalicelib.photos.imaging import process, read_metadata, strip_jpeg_metadata
from tests import photo_samples as ps


def _pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return bytes(image.convert("RGB").tobytes())


def test_the_full_jpeg_has_every_pixel_and_no_location_xmp_or_trailer() -> None:
    original = ps.jpeg(ps.reference(1200, 900), orientation=6, gps=True, xmp_gps=True) + b"TRAILER-GPS"
    result = process(original)
    assert result.full is not None
    facts = read_metadata(result.full.data)
    assert not facts["has_gps"] and facts["gps"] is None and not facts["has_xmp"]
    assert facts["orientation"] == 6 and facts["size"] == (900, 1200)  # stored as shot, tagged to turn
    assert facts["taken_at"] == "2025-03-14T10:20:30" and facts["camera"] == "Samsung Galaxy S24"
    assert _pixels(result.full.data) == _pixels(original)  # lossless: the same compressed pixels
    assert b"TRAILER-GPS" not in result.full.data and b"35,13.68N" not in result.full.data
    assert (result.full.width, result.full.height) == (900, 1200)


def test_kept_location_stays_in_the_full_variant() -> None:
    result = process(ps.jpeg(gps=True), keep_gps=True)
    assert result.full is not None
    assert read_metadata(result.full.data)["gps"] == pytest.approx(result.metadata.gps, abs=1e-4)


def test_other_kinds_become_a_full_size_jpeg() -> None:
    result = process(ps.encode(ps.reference(1800, 1200), "PNG"))
    assert result.full is not None and result.full.data[:3] == b"\xff\xd8\xff"
    assert read_metadata(result.full.data)["size"] == (1800, 1200)


@pytest.mark.parametrize("data", [b"", b"\xff\xd8\xff\xe1\x00", b"\xff\xd8\x00\x00", b"GIF89a"])
def test_segments_that_cannot_be_walked_are_a_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        strip_jpeg_metadata(data, b"Exif\0\0")
