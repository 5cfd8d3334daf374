"""Image processing: type sniffing, orientation, GPS removal, bombs and broken files, on generated
pictures and on the real camera files of the shared sample set."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from chalicelib.photos import imaging
from chalicelib.photos.imaging import ImageRejected, process, read_metadata, sniff
from tests import photo_samples as ps

# -- sniffing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "kind"), [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "png"),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 ", "webp"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "heif"),
    (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1heicmiaf", "heif"),
    (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "avif"),
    (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf", "avif"),
    (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2", "video"),
    (b"GIF89a\x01\x00", "gif"),
    (b"%PDF-1.7\n", "pdf"),
    (ps.HTML_AS_JPG, "html"),
    (b"\xef\xbb\xbf  <html lang=ko>", "html"),
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">', "svg"),
    (b"PK\x03\x04\x14\x00", "zip"),
    (b"just some words", "text"),
    (b"\x00\x01\x02\xfe\xff\xfa", "unknown"),
    (b"", "empty"),
])
def test_sniff_reads_the_bytes_not_the_name(data: bytes, kind: str) -> None:
    assert sniff(data) == kind


def test_sniff_recognises_what_pillow_writes() -> None:
    image = ps.reference(64, 48)
    assert sniff(ps.encode(image, "JPEG")) == "jpeg"
    assert sniff(ps.encode(image, "PNG")) == "png"
    assert sniff(ps.encode(image, "WEBP")) == "webp"
    assert sniff(ps.encode(image, "HEIF")) == "heif"
    assert sniff(ps.encode(image, "GIF")) == "gif"


@pytest.mark.parametrize(("data", "code", "words"), [
    (ps.HTML_AS_JPG, "not_image", "HTML"),
    (b"%PDF-1.4 ...", "not_image", "PDF"),
    (b"", "empty", "빈 파일"),
    (b"GIF89a" + b"\x00" * 40, "unsupported", "GIF"),
    (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "unsupported", "AVIF"),
])
def test_files_that_are_not_accepted_images_are_rejected_with_a_korean_reason(
        data: bytes, code: str, words: str) -> None:
    with pytest.raises(ImageRejected) as info:
        process(data)
    assert info.value.code == code
    assert words in info.value.reason


# -- orientation --------------------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation: int) -> None:
    data = ps.jpeg(orientation=orientation)
    stored = Image.open(io.BytesIO(data))
    assert stored.getexif()[0x0112] == orientation
    if orientation >= 5:
        assert stored.size == (300, 400)  # stored on its side

    result = process(data)

    assert result.metadata.orientation == orientation
    assert (result.metadata.width, result.metadata.height) == (400, 300)
    for variant in (result.web, result.thumb):
        assert variant.width > variant.height
        assert ps.marker_is_red(variant.data), f"orientation {orientation}: red block not top-left"
        assert not ps.marker_is_red(variant.data, (0.85, 0.85))
        assert read_metadata(variant.data)["orientation"] == 1  # viewers must not rotate it again


def _grey_diff(a: Image.Image, b: Image.Image) -> float:
    a, b = a.convert("L"), b.convert("L").resize(a.size)
    return sum(abs(x - y) for x, y in zip(a.get_flattened_data(), b.get_flattened_data(), strict=True)) \
        / (a.width * a.height)


@pytest.mark.parametrize("shape", ["landscape", "portrait"])
@pytest.mark.parametrize("orientation", range(2, 9))
def test_real_orientation_samples_match_the_upright_one(shape: str, orientation: int) -> None:
    """Each sample shows the same scene (with its own number drawn on it, hence ~15 grey levels of
    difference); read without its orientation it differs by 40-75."""
    upright = process(ps.sample(f"jpg/orientation/{shape}_1.jpg").read_bytes())
    path = ps.sample(f"jpg/orientation/{shape}_{orientation}.jpg")
    result = process(path.read_bytes())
    expected = (600, 450) if shape == "landscape" else (450, 600)
    assert (result.metadata.width, result.metadata.height) == expected
    assert (result.web.width, result.web.height) == expected
    assert result.metadata.orientation == orientation
    reference = Image.open(io.BytesIO(upright.thumb.data))
    assert _grey_diff(reference, Image.open(io.BytesIO(result.thumb.data))) < 20
    assert _grey_diff(reference, Image.open(path)) > 35  # the check can fail


# -- sizes and draft ----------------------------------------------------------------------------------


def test_web_variant_long_side_1600_and_thumbnail_320() -> None:
    result = process(ps.jpeg(ps.reference(4000, 3000), orientation=6))
    assert (result.metadata.width, result.metadata.height) == (4000, 3000)
    assert (result.web.width, result.web.height) == (1600, 1200)
    assert (result.thumb.width, result.thumb.height) == (320, 240)
    assert ps.marker_is_red(result.web.data) and ps.marker_is_red(result.thumb.data)


def test_small_images_are_not_enlarged() -> None:
    result = process(ps.jpeg(ps.reference(200, 100)))
    assert (result.web.width, result.web.height) == (200, 100)
    assert (result.thumb.width, result.thumb.height) == (200, 100)


def test_draft_decodes_a_12_megapixel_jpeg_at_half_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded: list[tuple[int, int]] = []
    real_load = imaging._load

    def spy(image, kind, long_side, use_draft):  # type: ignore[no-untyped-def]
        loaded = real_load(image, kind, long_side, use_draft)
        decoded.append(loaded.size)
        return loaded

    monkeypatch.setattr(imaging, "_load", spy)
    data = ps.jpeg(ps.reference(4000, 3000))
    drafted = process(data)
    full = process(data, use_draft=False)
    assert decoded == [(2000, 1500), (4000, 3000)]
    assert (drafted.web.width, drafted.web.height) == (full.web.width, full.web.height) == (1600, 1200)
    assert _grey_diff(Image.open(io.BytesIO(drafted.web.data)), Image.open(io.BytesIO(full.web.data))) < 3


def test_draft_size_covers_the_web_variant_in_stored_orientation() -> None:
    assert imaging._draft_size((4000, 3000), 1600) == (1600, 1200)
    assert imaging._draft_size((3000, 4000), 1600) == (1200, 1600)


# -- GPS and metadata -----------------------------------------------------------------------------------


def test_gps_is_removed_from_both_variants_by_default() -> None:
    data = ps.jpeg(orientation=6, gps=True, xmp_gps=True)
    assert read_metadata(data)["has_gps"] and read_metadata(data)["has_xmp"]
    result = process(data)
    assert result.metadata.has_gps is True
    assert result.metadata.gps is None
    for variant in (result.web, result.thumb):
        facts = read_metadata(variant.data)
        assert facts["has_gps"] is False and facts["gps"] is None
        assert facts["has_xmp"] is False  # XMP can carry a location too
        assert b"GPS" not in variant.data and b"13.68N" not in variant.data
        # what stays: when and with what the photo was taken
        assert facts["taken_at"] == "2025-03-14T10:20:30"
        assert facts["camera"] == "Samsung Galaxy S24"


def test_gps_is_kept_when_the_user_asks() -> None:
    result = process(ps.jpeg(gps=True), keep_gps=True)
    assert result.metadata.gps == pytest.approx((35.2280, 128.6811), abs=1e-4)
    facts = read_metadata(result.web.data)
    assert facts["has_gps"] and facts["gps"] == pytest.approx((35.2280, 128.6811), abs=1e-4)


def test_metadata_taken_at_camera_and_dimensions() -> None:
    meta = process(ps.jpeg(ps.reference(640, 480), orientation=8)).metadata
    assert meta.to_dict() == {
        "kind": "jpeg", "content_type": "image/jpeg", "width": 640, "height": 480, "orientation": 8,
        "taken_at": "2025-03-14T10:20:30", "camera": "Samsung Galaxy S24", "has_gps": False}


@pytest.mark.parametrize(("name", "lat", "lon", "taken_at", "camera"), [
    ("jpg/gps/DSCN0010.jpg", 43.467448, 11.885127, "2008-10-22T16:28:39", "NIKON COOLPIX P6000"),
    ("jpg/gps/DSCN0042.jpg", None, None, "2008-10-22T17:00:07", "NIKON COOLPIX P6000"),
    # odd encoding: 0 degrees and all the minutes in the second slot, southern hemisphere
    ("jpg/Kodak_CX7530.jpg", -0.3713, 36.056417, "2005-08-13T09:47:23", None),
])
def test_real_gps_files(name: str, lat: float | None, lon: float | None, taken_at: str,
                        camera: str | None) -> None:
    data = ps.sample(name).read_bytes()
    stripped = process(data)
    assert stripped.metadata.has_gps is True
    assert stripped.metadata.taken_at == taken_at
    if camera:
        assert stripped.metadata.camera == camera
    assert not read_metadata(stripped.web.data)["has_gps"]
    assert not read_metadata(stripped.thumb.data)["has_gps"]
    kept = process(data, keep_gps=True)
    assert kept.metadata.gps is not None
    if lat is not None:
        assert kept.metadata.gps == pytest.approx((lat, lon), abs=1e-5)
    assert read_metadata(kept.web.data)["has_gps"]


# -- other formats --------------------------------------------------------------------------------------


def test_png_with_alpha_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (100, 80), (0, 0, 0, 0))
    image.paste((220, 20, 20, 255), (0, 0, 40, 32))
    result = process(ps.encode(image, "PNG"))
    assert result.metadata.kind == "png"
    web = Image.open(io.BytesIO(result.web.data))
    assert web.format == "JPEG" and web.getpixel((90, 70)) == pytest.approx((255, 255, 255), abs=3)
    assert ps.marker_is_red(result.web.data, (0.1, 0.1))


def test_webp_and_heic_are_accepted() -> None:
    webp = process(ps.encode(ps.reference(), "WEBP"))
    heic = process(ps.encode(ps.reference(), "HEIF", quality=90))
    assert (webp.metadata.kind, heic.metadata.kind) == ("webp", "heif")
    assert ps.marker_is_red(webp.web.data) and ps.marker_is_red(heic.web.data)


def test_real_iphone_heic_is_upright_and_portrait() -> None:
    result = process(ps.sample("heic/mobile/iphone_13_pro_max.heic").read_bytes())
    meta = result.metadata
    assert (meta.kind, meta.width, meta.height) == ("heif", 3024, 4032)  # stored landscape, rotated
    assert meta.camera == "Apple iPhone 13 Pro Max"
    assert meta.taken_at is not None and meta.taken_at.startswith("2022-02-16T12:55:41")
    assert (result.web.width, result.web.height) == (1200, 1600)
    assert read_metadata(result.web.data)["orientation"] == 1


def test_real_nokia_heif_loses_its_gps() -> None:
    result = process(ps.sample("heic/mobile/HMD_Nokia_8.3_5G.heif").read_bytes())
    assert result.metadata.has_gps is True
    assert result.metadata.taken_at == "2022-02-03T14:44:07"
    assert not read_metadata(result.web.data)["has_gps"]
    assert not read_metadata(result.thumb.data)["has_gps"]


# -- broken files and bombs ----------------------------------------------------------------------------


def test_truncated_jpeg_is_rejected() -> None:
    data = ps.jpeg(ps.reference(800, 600))
    with pytest.raises(ImageRejected) as info:
        process(data[: len(data) * 2 // 3])
    assert info.value.code == "truncated"
    assert "손상" in info.value.reason


def test_truncated_real_photo_is_rejected() -> None:
    data = ps.sample("jpg/gps/DSCN0021.jpg").read_bytes()
    with pytest.raises(ImageRejected) as info:
        process(data[:len(data) // 2])
    assert info.value.code == "truncated"


@pytest.mark.parametrize("cut", [20, 200])
def test_header_only_files_are_rejected(cut: int) -> None:
    with pytest.raises(ImageRejected) as info:
        process(ps.jpeg()[:cut])
    assert info.value.code in {"corrupt", "truncated"}


def test_garbage_after_a_jpeg_signature_is_rejected() -> None:
    with pytest.raises(ImageRejected) as info:
        process(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8)
    assert info.value.code in {"corrupt", "truncated"}


def test_png_bomb_is_rejected_before_decoding() -> None:
    data = ps.png_bomb(12_000, 12_000)  # 144 MP in 18 kB
    assert len(data) < 50_000
    with pytest.raises(ImageRejected) as info:
        process(data)
    assert info.value.code == "bomb"
    assert "144,000,000" in info.value.reason


def test_pixel_limit_is_configurable() -> None:
    with pytest.raises(ImageRejected) as info:
        process(ps.jpeg(ps.reference(1200, 1000)), max_pixels=1_000_000)
    assert info.value.code == "bomb"
    assert process(ps.jpeg(ps.reference(1000, 1000)), max_pixels=1_000_000).web.width == 1000


def test_over_the_size_limit_is_rejected() -> None:
    data = ps.jpeg()
    with pytest.raises(ImageRejected) as info:
        process(data, max_bytes=len(data) - 1)
    assert info.value.code == "too_large"


def test_real_invalid_samples_either_decode_or_are_rejected_cleanly() -> None:
    """The sample set's "invalid" JPEGs have broken EXIF; their pixels are fine and must decode."""
    for path in sorted(ps.sample("jpg/invalid/image00971.jpg").parent.glob("*.jpg")):
        result = process(path.read_bytes())
        assert result.web.width > 0, path.name
    corrupted = process(ps.sample("jpg/corrupted.jpg").read_bytes())
    assert (corrupted.metadata.width, corrupted.metadata.height) == (3648, 2736)


def test_a_bomb_beyond_pillows_own_hard_limit_is_rejected_too() -> None:
    with pytest.raises(ImageRejected) as info:
        process(ps.png_bomb(20_000, 20_000))  # 400 MP: Pillow refuses to even open it
    assert info.value.code == "bomb"
