"""The core path over real parts: POST /photos/uploads → presigned POST to the moto server →
S3 ObjectCreated → SQS → PhotoProcessorFunction (the template's function, run by the local
runtime) → GET /photos/{id}; idempotent redelivery; rejected files; expiry."""

from __future__ import annotations

import base64
import io
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from PIL import Image

from chalicelib.photos.imaging import read_metadata
from tests import photo_samples as ps

pytestmark = pytest.mark.integration


def test_presigned_post_policy_has_every_condition(photos: Any) -> None:
    data = ps.jpeg()
    before = time.time()
    started = photos.start(data, filename="../../etc/passwd.jpg")
    photo, upload = started["photo"], started["upload"]
    assert photo["status"] == "uploading" and photo["filename"] == ".._.._etc_passwd.jpg"
    fields = upload["fields"]
    key = fields["key"]
    assert key == f"originals/E1001/{photo['photo_id']}"  # chosen by the server, the user's prefix
    policy = json.loads(base64.b64decode(fields["policy"]))
    expiration = datetime.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert 0 < expiration.timestamp() - before <= 300 + 1
    conditions = policy["conditions"]
    assert ["content-length-range", 1, 25 * 1024 * 1024] in conditions
    assert ["starts-with", "$Content-Type", "image/"] in conditions
    assert {"key": key} in conditions
    assert {"bucket": photos.bucket} in conditions
    assert fields["Content-Type"] == "image/jpeg"
    assert upload["max_bytes"] == 25 * 1024 * 1024 and upload["expires_in"] == 300
    assert "x-amz-signature" in fields and "x-amz-credential" in fields


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"filename": "a.jpg", "content_type": "text/html", "size": 10}, 422, "content_type"),
    ({"filename": "a.jpg", "content_type": "image/jpeg", "size": 25 * 1024 * 1024 + 1}, 413, "size"),
    ({"filename": "a.jpg", "content_type": "image/jpeg", "size": 0}, 422, "size"),
    ({"filename": "", "content_type": "image/jpeg", "size": 10}, 422, "filename"),
    ({"content_type": "image/jpeg", "size": 10}, 422, "filename"),
])
def test_bad_upload_requests_are_4xx(photos: Any, body: dict[str, Any], status: int, field: str) -> None:
    response = requests.post(f"{photos.api}/photos/uploads", headers=photos.headers(), json=body, timeout=10)
    assert response.status_code == status, response.text
    assert response.json()["error"]["field"] == field


def test_photo_from_the_phone_becomes_ready_upright_without_gps(photos: Any) -> None:
    data = ps.jpeg(ps.reference(4000, 3000), orientation=6, gps=True)
    photo = photos.upload(data)
    assert photo["status"] == "ready", photo
    assert (photo["width"], photo["height"]) == (4000, 3000)
    assert photo["taken_at"] == "2025-03-14T10:20:30" and photo["camera"] == "Samsung Galaxy S24"
    assert photo["has_location"] is True and photo["location_kept"] is False and "location" not in photo
    assert photo["size"] == len(data)
    web = photos.fetch(photo["urls"]["web"])
    facts = read_metadata(web)
    assert facts["size"] == (1600, 1200) and facts["orientation"] == 1 and not facts["has_gps"]
    assert ps.marker_is_red(web)
    thumb = photos.fetch(photo["urls"]["thumb"])
    assert Image.open(io.BytesIO(thumb)).size == (320, 240) and not read_metadata(thumb)["has_gps"]
    # presigned GETs live at most 10 minutes
    assert "X-Amz-Expires=600" in photo["urls"]["web"]
    # the original is kept as it was (private), GPS and all
    assert photos.s3.get_object(Bucket=photos.bucket, Key=f"originals/E1001/{photo['photo_id']}")[
        "Body"].read() == data
    assert photos.queue_counts() == (0, 0) and photos.queue_counts(photos.dlq) == (0, 0)


def test_real_camera_photo_with_gps(photos: Any) -> None:
    photo = photos.upload(ps.sample("jpg/gps/DSCN0010.jpg").read_bytes())
    assert photo["status"] == "ready" and photo["camera"] == "NIKON COOLPIX P6000"
    assert not read_metadata(photos.fetch(photo["urls"]["web"]))["has_gps"]


def test_real_iphone_heic(photos: Any) -> None:
    data = ps.sample("heic/mobile/iphone_13_pro_max.heic").read_bytes()
    photo = photos.upload(data, filename="IMG_0001.HEIC", content_type="image/heic")
    assert photo["status"] == "ready", photo
    assert (photo["width"], photo["height"]) == (3024, 4032)
    assert read_metadata(photos.fetch(photo["urls"]["web"]))["size"] == (1200, 1600)


def test_keeping_the_location_is_a_user_setting(photos: Any) -> None:
    url = f"{photos.api}/photos/settings"
    assert requests.get(url, headers=photos.headers("E1003"), timeout=10).json() == {"keep_location": False}
    response = requests.put(url, headers=photos.headers("E1003"), json={"keep_location": True}, timeout=10)
    assert response.status_code == 200 and response.json() == {"keep_location": True}
    try:
        photo = photos.upload(ps.jpeg(gps=True), "E1003")
        assert photo["location_kept"] is True
        assert photo["location"] == pytest.approx({"lat": 35.228, "lon": 128.6811}, abs=1e-4)
        assert read_metadata(photos.fetch(photo["urls"]["web"]))["has_gps"]
    finally:
        requests.put(url, headers=photos.headers("E1003"), json={"keep_location": False}, timeout=10)
    bad = requests.put(url, headers=photos.headers("E1003"), json={"keep_location": "yes"}, timeout=10)
    assert bad.status_code == 422


def _peek_bodies(photos: Any) -> list[str]:
    """The S3 event documents waiting in the queue (received with visibility 0: still there)."""
    messages = photos.sqs.receive_message(QueueUrl=photos.queue, MaxNumberOfMessages=10,
                                          VisibilityTimeout=0).get("Messages", [])
    return [m["Body"] for m in messages]


def test_the_same_event_twice_changes_nothing(photos: Any) -> None:
    data = ps.jpeg(orientation=3)
    started = photos.start(data)
    photo_id = started["photo"]["photo_id"]
    photos.post_file(started, data)
    bodies = _peek_bodies(photos)
    assert any(photo_id in body for body in bodies)
    photos.drain()
    first = photos.get(photo_id)
    assert first["status"] == "ready"
    web_key = f"web/E1001/{photo_id}.jpg"
    web_before = photos.s3.head_object(Bucket=photos.bucket, Key=web_key)
    record_before = photos.ddb.get_item(TableName=photos.table, Key={
        "pk": {"S": "USER#E1001"}, "sk": {"S": f"PHOTO#{photo_id}"}})["Item"]

    for body in bodies:  # S3 delivers at least once: the very same event again
        photos.sqs.send_message(QueueUrl=photos.queue, MessageBody=body)
    assert photos.drain() >= 1

    record_after = photos.ddb.get_item(TableName=photos.table, Key={
        "pk": {"S": "USER#E1001"}, "sk": {"S": f"PHOTO#{photo_id}"}})["Item"]
    assert record_after == record_before
    web_after = photos.s3.head_object(Bucket=photos.bucket, Key=web_key)
    assert (web_after["ETag"], web_after["LastModified"]) == (web_before["ETag"], web_before["LastModified"])
    assert photos.queue_counts() == (0, 0) and photos.queue_counts(photos.dlq) == (0, 0)


BAD_FILES = [
    ("html_named_jpg", lambda: ps.HTML_AS_JPG, "not_image", "HTML"),
    ("truncated", lambda: ps.jpeg(ps.reference(800, 600))[:9000], "truncated", "손상"),
    ("bomb", lambda: ps.png_bomb(12_000, 12_000), "bomb", "해상도"),
    ("gif", lambda: ps.encode(ps.reference(40, 30), "GIF"), "unsupported", "GIF"),
]


@pytest.mark.parametrize(("name", "make", "code", "words"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_are_rejected_with_a_reason_and_removed(photos: Any, name: str, make: Any, code: str,
                                                          words: str) -> None:
    data = make()
    photo = photos.upload(data, filename=f"{name}.jpg")
    assert photo["status"] == "rejected", photo
    assert photo["reason_code"] == code and words in photo["reason"]
    assert "urls" not in photo
    assert not photos.keys(f"originals/E1001/{photo['photo_id']}")  # deleted, never served
    assert not photos.keys(f"web/E1001/{photo['photo_id']}")
    assert photos.queue_counts() == (0, 0) and photos.queue_counts(photos.dlq) == (0, 0)  # no retry loop


def test_real_truncated_and_broken_samples(photos: Any) -> None:
    data = ps.sample("jpg/gps/DSCN0025.jpg").read_bytes()
    photo = photos.upload(data[: len(data) // 3])
    assert photo["status"] == "rejected" and photo["reason_code"] == "truncated"


def test_oversize_and_non_image_objects_are_rejected_by_the_processor(photos: Any) -> None:
    """moto does not enforce POST policies, so the processor re-checks size and type itself."""
    big = ps.jpeg()
    started = photos.start(big)
    key = started["upload"]["fields"]["key"]
    photos.s3.put_object(Bucket=photos.bucket, Key=key, Body=big + b"\0" * (25 * 1024 * 1024),
                         ContentType="image/jpeg")
    photos.drain()
    photo = photos.get(started["photo"]["photo_id"])
    assert photo["status"] == "rejected" and photo["reason_code"] == "too_large"
    assert not photos.keys(key)

    started = photos.start(big)
    key = started["upload"]["fields"]["key"]
    photos.s3.put_object(Bucket=photos.bucket, Key=key, Body=big, ContentType="text/html")
    photos.drain()
    photo = photos.get(started["photo"]["photo_id"])
    assert photo["status"] == "rejected" and photo["reason_code"] == "not_image"


def test_an_object_without_a_record_is_deleted(photos: Any) -> None:
    key = "originals/E1001/0000000000000000000000"
    photos.s3.put_object(Bucket=photos.bucket, Key=key, Body=ps.jpeg(), ContentType="image/jpeg")
    photos.drain()
    assert not photos.keys(key)


def test_objects_outside_originals_do_not_trigger_processing(photos: Any) -> None:
    photos.s3.put_object(Bucket=photos.bucket, Key="web/E1001/x.jpg", Body=b"x")
    assert photos.queue_counts() == (0, 0)
    photos.s3.delete_object(Bucket=photos.bucket, Key="web/E1001/x.jpg")


def test_expired_records_are_swept(photos: Any) -> None:
    photo = photos.upload(ps.jpeg())
    assert photo["status"] == "ready"
    assert photo["expires_at"] > time.time() + 29 * 86400  # retention: 30 days
    photos.ddb.update_item(TableName=photos.table, Key={
        "pk": {"S": "USER#E1001"}, "sk": {"S": f"PHOTO#{photo['photo_id']}"}},
        UpdateExpression="SET expires_at = :past", ExpressionAttributeValues={":past": {"N": "1"}})
    assert photos.runtime.sweep_ttl() >= 1
    gone = requests.get(f"{photos.api}/photos/{photo['photo_id']}", headers=photos.headers(), timeout=10)
    assert gone.status_code == 404


def test_bucket_lifecycle_expires_objects_after_the_retention(photos: Any) -> None:
    rules = photos.s3.get_bucket_lifecycle_configuration(Bucket=photos.bucket)["Rules"]
    assert any(r.get("Expiration", {}).get("Days") == 30 and r["Status"] == "Enabled" for r in rules)
    cors = photos.s3.get_bucket_cors(Bucket=photos.bucket)["CORSRules"]
    assert "POST" in cors[0]["AllowedMethods"] and cors[0]["AllowedOrigins"] == [photos.api]


def test_an_infrastructure_failure_is_retried_not_rejected(photos: Any,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.exceptions import ClientError

    from chalicelib import wiring

    data = ps.jpeg()
    started = photos.start(data)
    photos.post_file(started, data)

    def broken(*args: Any, **kwargs: Any) -> bytes:
        raise ClientError({"Error": {"Code": "SlowDown", "Message": "slow down"}}, "GetObject")

    monkeypatch.setattr(wiring.photos_store(), "read_original", broken)
    photos.sqs.set_queue_attributes(QueueUrl=photos.queue, Attributes={"VisibilityTimeout": "1"})
    try:
        photos.runtime.drive_sqs_once("PhotoProcessorFunction")
        assert photos.get(started["photo"]["photo_id"])["status"] == "uploading"
        assert photos.queue_counts()[1] == 1  # reported as a batch item failure: back after the timeout
        monkeypatch.undo()
        time.sleep(1.5)
        photos.drain()
    finally:
        photos.sqs.set_queue_attributes(QueueUrl=photos.queue, Attributes={"VisibilityTimeout": "360"})
    assert photos.get(started["photo"]["photo_id"])["status"] == "ready"
    assert photos.queue_counts() == (0, 0) and photos.queue_counts(photos.dlq) == (0, 0)
