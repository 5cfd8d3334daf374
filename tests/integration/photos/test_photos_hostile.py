"""Issue 15 (photos) on the local cloud: S3 → SQS → the processor, the download and "보내기" routes.

16. An ASCII Orientation, GPS tags of the wrong type with "keep location", and a zero-byte object
    each end in ONE pass (ready, or rejected with a Korean reason): nothing stays "uploading" and
    nothing goes back to the queue or on to the DLQ.
17. 다운로드 and 보내기 deliver the processed full-resolution image without location (unless the user
    keeps it), never the untouched original; the original only by an explicit, logged choice.
"""

from __future__ import annotations

import io
import json
import logging
import struct
from typing import Any

import pytest
import requests

from chalicelib.photos.imaging import read_metadata
from tests import photo_samples as ps
from tests.integration.photos.test_photos_access import webhook  # noqa: F401 - the receiver fixture

pytestmark = pytest.mark.integration


def _exif(entries: list[tuple[int, int, int, bytes]], gps: list[tuple[int, int, int, bytes]] | None = None
          ) -> bytes:
    from tests.unit.photos.test_photos_bad_tags import _exif as build

    return build(entries, gps)


def _jpeg(exif: bytes) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), "blue").save(out, "JPEG", exif=exif)
    return out.getvalue()


def _one_pass(photos: Any, data: bytes, user: str = "E1001") -> dict[str, Any]:
    """Upload, drive the processor exactly once, and check the queue and the DLQ are empty."""
    started = photos.start(data, user)
    photos.post_file(started, data)
    handled = photos.runtime.drive_sqs_once("PhotoProcessorFunction")
    assert handled >= 1
    assert photos.queue_counts() == (0, 0), "the message went back to the queue"
    assert photos.queue_counts(photos.dlq) == (0, 0)
    return photos.get(started["photo"]["photo_id"], user)


def test_an_ascii_orientation_is_processed_in_one_pass(photos: Any) -> None:
    photos.drain()
    photo = _one_pass(photos, _jpeg(_exif([(0x0112, 2, 4, b"six\0")])))
    assert photo["status"] == "ready", photo


def test_wrong_typed_gps_with_keep_location_is_processed_in_one_pass(photos: Any) -> None:
    photos.drain()
    url = f"{photos.api}/photos/settings"
    assert requests.put(url, headers=photos.headers("E1003"), json={"keep_location": True},
                        timeout=10).status_code == 200
    try:
        gps = [(1, 2, 2, b"N\0"), (2, 2, 8, b"35.2280\0"), (3, 2, 2, b"E\0"), (4, 2, 9, b"128.6811\0")]
        photo = _one_pass(photos, _jpeg(_exif([(0x0112, 3, 1, struct.pack("<H", 1))], gps)), "E1003")
    finally:
        requests.put(url, headers=photos.headers("E1003"), json={"keep_location": False}, timeout=10)
    assert photo["status"] == "ready", photo
    assert "location" not in photo


def test_a_zero_byte_object_is_rejected_in_one_pass(photos: Any) -> None:
    photos.drain()
    started = photos.start(ps.jpeg())
    photos.s3.put_object(Bucket=photos.bucket, Key=started["upload"]["fields"]["key"], Body=b"",
                         ContentType="image/jpeg")
    assert photos.runtime.drive_sqs_once("PhotoProcessorFunction") >= 1
    assert photos.queue_counts() == (0, 0) and photos.queue_counts(photos.dlq) == (0, 0)
    photo = photos.get(started["photo"]["photo_id"])
    assert photo["status"] == "rejected" and photo["reason_code"] == "empty"
    assert "빈 파일" in photo["reason"]


@pytest.fixture(scope="module")
def with_gps(photos: Any) -> tuple[dict[str, Any], bytes]:
    data = ps.jpeg(ps.reference(2400, 1800), orientation=6, gps=True)
    photo = photos.upload(data)
    assert photo["status"] == "ready", photo
    return photo, data


def test_download_is_the_processed_full_resolution_image_without_location(
        photos: Any, with_gps: tuple[dict[str, Any], bytes], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gdesk")
    photo, original = with_gps
    response = requests.get(f"{photos.api}/photos/{photo['photo_id']}/download", headers=photos.headers(),
                            timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    data = photos.fetch(body["url"])
    assert data != original
    facts = read_metadata(data)
    assert not facts["has_gps"] and facts["gps"] is None and not facts["has_xmp"]
    width, height = facts["size"]
    upright = (height, width) if facts["orientation"] in (5, 6, 7, 8) else (width, height)
    assert upright == (2400, 1800)  # full resolution, shown the right way up
    assert body["filename"].endswith(".jpg")
    audit = [r for r in caplog.records if getattr(r, "audit", None) == "photo_download"]
    assert audit and audit[-1].variant == "full"  # type: ignore[attr-defined]


def test_the_original_is_only_an_explicit_logged_choice(
        photos: Any, with_gps: tuple[dict[str, Any], bytes], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gdesk")
    photo, original = with_gps
    body = requests.get(f"{photos.api}/photos/{photo['photo_id']}/download", params={"variant": "original"},
                        headers=photos.headers(), timeout=10).json()
    assert photos.fetch(body["url"]) == original
    audit = [r for r in caplog.records if getattr(r, "audit", None) == "photo_download"]
    assert audit and audit[-1].variant == "original"  # type: ignore[attr-defined]


def test_send_points_at_the_processed_image_without_location(
        photos: Any, with_gps: tuple[dict[str, Any], bytes], webhook: Any) -> None:  # noqa: F811
    photo, original = with_gps
    response = requests.post(f"{photos.api}/photos/{photo['photo_id']}/send", headers=photos.headers(),
                             timeout=10)
    assert response.status_code == 200, response.text
    (_, body), = webhook.received
    sent = requests.get(json.loads(body)["image_url"], timeout=10).content
    assert sent != original and not read_metadata(sent)["has_gps"]
