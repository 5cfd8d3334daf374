"""Pure rules: ids, key prefixes, upload requests, the owner's view, list ETags, pairing codes,
webhook signatures."""

from __future__ import annotations

import time

import pytest

from chalicelib.errors import InvalidField, PayloadTooLarge
from chalicelib.photos import domain

MB = 1024 * 1024


def test_photo_ids_sort_by_time_and_are_unguessable() -> None:
    a, b = domain.new_photo_id(1_700_000_000.0), domain.new_photo_id(1_700_000_000.5)
    assert a < b and domain.valid_photo_id(a) and len(a) == 22
    assert len({domain.new_photo_id(1.0) for _ in range(200)}) == 200
    for bad in ["", "../x", "A" * 22, "0" * 21, "0" * 23, "E1001"]:
        assert not domain.valid_photo_id(bad)


@pytest.mark.parametrize(("user_id", "expected"), [
    ("E1001", "E1001"), ("a.b@org", "a.b@org"),
])
def test_safe_user_ids_are_their_own_prefix(user_id: str, expected: str) -> None:
    assert domain.user_segment(user_id) == expected


@pytest.mark.parametrize("user_id", ["../E1002", "a/b", "..", "x" * 65, "김민준", "E1001/../E1002", ""])
def test_unsafe_user_ids_are_hashed_into_one_segment(user_id: str) -> None:
    segment = domain.user_segment(user_id)
    assert "/" not in segment and ".." not in segment and segment.startswith("u") and len(segment) == 41
    assert domain.user_segment(user_id) == segment  # stable


def test_upload_request_checks() -> None:
    body = {"filename": " 사진\x00/1.jpg ", "content_type": "IMAGE/JPEG", "size": 5}
    ok = domain.upload_request(body, 25 * MB)
    assert ok == domain.UploadRequest("사진__1.jpg", "image/jpeg", 5)
    cases = [
        ({"filename": "a", "content_type": "text/html", "size": 1}, InvalidField, "content_type"),
        ({"filename": "a", "content_type": "image/", "size": 1}, InvalidField, "content_type"),
        ({"filename": "a", "content_type": "image/jpeg", "size": True}, InvalidField, "size"),
        ({"filename": "a", "content_type": "image/jpeg", "size": 1.5}, InvalidField, "size"),
        ({"filename": "a", "content_type": "image/jpeg", "size": 25 * MB + 1}, PayloadTooLarge, "size"),
        ({"filename": 3, "content_type": "image/jpeg", "size": 1}, InvalidField, "filename"),
        ({"filename": "x" * 201, "content_type": "image/jpeg", "size": 1}, InvalidField, "filename"),
    ]
    for body, error, field in cases:
        with pytest.raises(error) as info:
            domain.upload_request(body, 25 * MB)
        assert info.value.field == field


def test_public_photo_never_shows_keys_or_internals() -> None:
    item = {"photo_id": "p", "status": "ready", "filename": "a.jpg", "created_at": "t", "updated_at": "u",
            "expires_at": 5, "web_key": "web/E1001/p.jpg", "thumb_key": "thumbs/x", "user_id": "E1001",
            "session_id": "s", "source_etag": "e", "source_size": 10, "keep_gps": False,
            "meta": {"width": 4, "height": 3, "has_gps": True, "taken_at": None, "camera": "C",
                     "content_type": "image/jpeg"}}
    view = domain.public_photo(item, {"web": "u1", "thumb": "u2"})
    assert view == {"photo_id": "p", "status": "ready", "filename": "a.jpg", "created_at": "t",
                    "updated_at": "u", "expires_at": 5, "taken_at": None, "camera": "C", "width": 4,
                    "height": 3, "size": 10, "content_type": "image/jpeg", "has_location": True,
                    "location_kept": False, "urls": {"web": "u1", "thumb": "u2"}}
    rejected = domain.public_photo({**item, "status": "rejected", "reason": "r", "reason_code": "bomb"})
    assert rejected["reason"] == "r" and "width" not in rejected


def test_list_etag_changes_with_status_not_with_urls() -> None:
    items = [{"photo_id": "b", "status": "uploading", "updated_at": "1"}]
    etag = domain.list_etag(items, None)
    assert etag == domain.list_etag([dict(items[0], urls="different")], None)
    assert etag != domain.list_etag([{**items[0], "status": "ready", "updated_at": "2"}], None)
    assert etag != domain.list_etag(items, "cursor")
    assert domain.etag_matches(etag, etag) and domain.etag_matches(f'W/{etag}, "x"', etag)
    assert not domain.etag_matches(None, etag) and not domain.etag_matches('"other"', etag)


def test_pairing_codes_are_random_hashed_and_in_the_fragment() -> None:
    code = domain.new_secret()
    assert domain.valid_secret(code) and code != domain.new_secret()
    assert domain.secret_hash(code) != code and len(domain.secret_hash(code)) == 64
    assert domain.pairing_link("https://gdesk.example/", code) == f"https://gdesk.example/photo#pair={code}"
    for bad in [None, 3, "", "short", code + "x", code[:-1] + "!"]:
        assert not domain.valid_secret(bad)


def test_webhook_signature_is_hmac_sha256_over_timestamp_and_body() -> None:
    import hashlib
    import hmac

    body = b'{"a":1}'
    expected = "sha256=" + hmac.new(b"k", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert domain.webhook_signature("k", 1_700_000_000, body) == expected
    now = time.time()
    signature = domain.webhook_signature("k", int(now), body)
    assert domain.verify_webhook("k", str(int(now)), body, signature, now)
    assert not domain.verify_webhook("k", str(int(now)), body + b" ", signature, now)
    assert not domain.verify_webhook("k", str(int(now)), body, signature, now + 301)
    assert not domain.verify_webhook("k", "soon", body, signature, now)


def test_pairing_status() -> None:
    waiting = {"expires_at": 200, "claimed": False}
    assert domain.pairing_status(waiting, 100) == {"status": "waiting", "expires_at": 200,
                                                   "session_expires_at": None}
    assert domain.pairing_status(waiting, 200)["status"] == "expired"
    paired = {"expires_at": 200, "claimed": True, "session_expires_at": 450}
    assert domain.pairing_status(paired, 300) == {"status": "paired", "expires_at": 200,
                                                  "session_expires_at": 450}
    assert domain.pairing_status(paired, 450)["status"] == "ended"
    assert domain.valid_pairing_id("a" * 64) and not domain.valid_pairing_id("claim")
