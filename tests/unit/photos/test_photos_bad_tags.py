"""Issue 15 (16): odd EXIF never raises inside the processor. An Orientation written as ASCII text
and GPS tags of the wrong type (with "keep location") are ignored and the photo is processed; any
other failure inside the pure processing is a rejection with a Korean reason, never an exception
that sends the SQS message round five more times."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image

from chalicelib.photos import imaging
from chalicelib.photos.imaging import ImageRejected, process, read_metadata

Entry = tuple[int, int, int, bytes]  # tag, TIFF type, count, value bytes
ASCII, SHORT, LONG, RATIONAL = 2, 3, 4, 5


def _ifd(entries: list[Entry], offset: int) -> bytes:
    data_at = offset + 2 + 12 * len(entries) + 4
    head, blob = struct.pack("<H", len(entries)), b""
    for tag, kind, count, value in entries:
        if len(value) <= 4:
            head += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\0")
        else:
            head += struct.pack("<HHII", tag, kind, count, data_at + len(blob))
            blob += value + b"\0" * (len(value) % 2)
    return head + struct.pack("<I", 0) + blob


def _exif(entries: list[Entry], gps: list[Entry] | None = None) -> bytes:
    """A hand-made little-endian TIFF block: tags of any type, as a broken camera or app writes them."""
    if gps is None:
        return b"Exif\0\0II*\0" + struct.pack("<I", 8) + _ifd(entries, 8)
    size = len(_ifd([*entries, (0x8825, LONG, 1, b"\0\0\0\0")], 8))
    first = _ifd([*entries, (0x8825, LONG, 1, struct.pack("<I", 8 + size))], 8)
    return b"Exif\0\0II*\0" + struct.pack("<I", 8) + first + _ifd(gps, 8 + size)


def _jpeg(exif: bytes, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "JPEG", exif=exif)
    return out.getvalue()


SHORT_1 = (0x0112, SHORT, 1, struct.pack("<H", 1))


@pytest.mark.parametrize(("text", "applied"), [(b"6\0", 6), (b"six\0", 1), (b"\0", 1), (b"99\0", 1)])
def test_an_ascii_orientation_is_read_when_it_is_a_number_and_ignored_otherwise(
        text: bytes, applied: int) -> None:
    result = process(_jpeg(_exif([(0x0112, ASCII, len(text), text)])))
    assert result.metadata.orientation == applied
    assert read_metadata(result.web.data)["orientation"] == 1


GPS_AS_TEXT = [(1, ASCII, 2, b"N\0"), (2, ASCII, 8, b"35.2280\0"), (3, ASCII, 2, b"E\0"),
               (4, ASCII, 9, b"128.6811\0")]
GPS_WRONG_NUMBERS = [(1, SHORT, 1, b"\x05\0"), (2, SHORT, 3, b"\1\0\2\0\3\0"), (3, ASCII, 2, b"E\0"),
                     (4, RATIONAL, 1, b"\1\0\0\0\0\0\0\0")]


@pytest.mark.parametrize("gps", [GPS_AS_TEXT, GPS_WRONG_NUMBERS], ids=["text", "wrong-numbers"])
@pytest.mark.parametrize("keep", [False, True])
def test_gps_tags_of_the_wrong_type_are_ignored_and_the_photo_processed(gps: list[Entry], keep: bool) -> None:
    result = process(_jpeg(_exif([SHORT_1], gps)), keep_gps=keep)
    assert result.metadata.gps is None
    for variant in (result.web, result.thumb):
        facts = read_metadata(variant.data)
        assert facts["gps"] is None and not facts["has_gps"]


def test_kept_gps_is_written_fresh_from_what_could_be_read() -> None:
    from tests import photo_samples as ps

    result = process(ps.jpeg(gps=True), keep_gps=True)
    assert read_metadata(result.web.data)["gps"] == pytest.approx(result.metadata.gps, abs=1e-4)


def test_any_other_failure_inside_processing_is_a_rejection(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise KeyError("something Pillow did not expect")

    monkeypatch.setattr(imaging, "_upright", broken)
    with pytest.raises(ImageRejected) as info:
        process(_jpeg(_exif([SHORT_1])))
    assert info.value.code == "unprocessable" and "처리할 수 없는" in info.value.reason


def test_a_zero_byte_file_is_rejected_as_empty() -> None:
    with pytest.raises(ImageRejected) as info:
        process(b"")
    assert info.value.code == "empty"
