"""My Photo rules: ids, upload requests, what a photo looks like to its owner, list ETags,
pairing codes and webhook signatures. Pure: plain values in and out, no AWS, no Chalice."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from chalicelib import signing
from chalicelib.errors import InvalidField, PayloadTooLarge

STATUSES = ("uploading", "ready", "rejected")
_PHOTO_ID = re.compile(r"^[0-9a-f]{22}$")
_SAFE_USER = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_CURSOR = re.compile(r"^[0-9a-f]{22}$")


def new_photo_id(now: float | None = None) -> str:
    """12 hex digits of milliseconds then 10 random: ids sort by upload time (newest-first lists)
    and cannot be guessed."""
    millis = int((time.time() if now is None else now) * 1000)
    return f"{millis:012x}{secrets.token_hex(5)}"


def valid_photo_id(value: str) -> bool:
    return bool(_PHOTO_ID.match(value or ""))


def valid_cursor(value: str) -> bool:
    return bool(_CURSOR.match(value or ""))


def user_segment(user_id: str) -> str:
    """The user's own key prefix segment: the id itself when it is a safe key component, otherwise
    a hash of it; never anything a client chose (no "../", no "/")."""
    if _SAFE_USER.match(user_id) and user_id not in {".", ".."}:
        return user_id
    return "u" + hashlib.sha256(user_id.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class UploadRequest:
    filename: str
    content_type: str
    size: int


_FILENAME_BAD = re.compile(r"[\x00-\x1f\x7f/\\\\]")


def upload_request(body: dict[str, Any], max_bytes: int) -> UploadRequest:
    """Validate ``{filename, content_type, size}``. The file name is only a label (never part of
    the key); the type must be an image type; the size must fit the limit."""
    filename = body.get("filename")
    if not isinstance(filename, str) or not filename.strip() or len(filename) > 200:
        raise InvalidField("filename", "'filename' 은(는) 1~200자 문자열이어야 합니다.")
    filename = _FILENAME_BAD.sub("_", filename.strip())
    content_type = body.get("content_type")
    if not isinstance(content_type, str) or not re.match(r"^image/[a-z0-9.+-]{1,40}$", content_type.lower()):
        raise InvalidField("content_type",
                           "사진(image/*) 파일만 올릴 수 있습니다. (content_type must be image/*)")
    size = body.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise InvalidField("size", "'size' 은(는) 1 이상의 정수(바이트)여야 합니다.")
    if size > max_bytes:
        raise PayloadTooLarge(
            f"사진은 {max_bytes // (1024 * 1024)}MB 이하만 올릴 수 있습니다. (file too large)", field="size")
    return UploadRequest(filename, content_type.lower(), size)


def public_photo(item: dict[str, Any], urls: dict[str, str] | None = None) -> dict[str, Any]:
    """What the owner sees of a record: never keys, bucket names or the other users' data."""
    out: dict[str, Any] = {
        "photo_id": item["photo_id"],
        "status": item["status"],
        "filename": item.get("filename", ""),
        "created_at": item.get("created_at"),
        "updated_at": item.get("updated_at"),
        "expires_at": int(item["expires_at"]) if item.get("expires_at") is not None else None,
    }
    if item["status"] == "rejected":
        out["reason"] = item.get("reason", "")
        out["reason_code"] = item.get("reason_code", "")
    if item["status"] == "ready":
        meta = item.get("meta") or {}
        out.update({
            "taken_at": meta.get("taken_at"), "camera": meta.get("camera"),
            "width": _int(meta.get("width")), "height": _int(meta.get("height")),
            "size": _int(item.get("source_size")), "content_type": meta.get("content_type"),
            "has_location": bool(meta.get("has_gps")), "location_kept": bool(item.get("keep_gps")),
        })
        if meta.get("gps"):
            out["location"] = {"lat": float(meta["gps"]["lat"]), "lon": float(meta["gps"]["lon"])}
    if urls:
        out["urls"] = urls
    return out


def _int(value: Any) -> int | None:
    return int(value) if value is not None else None


def list_etag(items: list[dict[str, Any]], cursor: str | None) -> str:
    """A strong ETag of a page of photos from what can change (status, update time), not from the
    presigned URLs (new on every response): the desktop's poll gets 304 until something changes."""
    state = [(i["photo_id"], i["status"], i.get("updated_at")) for i in items]
    digest = hashlib.sha256(json.dumps([state, cursor]).encode()).hexdigest()[:32]
    return f'"{digest}"'


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in candidates or "*" in candidates


# -- pairing ---------------------------------------------------------------------------------------


def new_secret() -> str:
    """256 random bits, URL-safe: pairing codes and phone session tokens."""
    return secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """Only hashes are stored: a leaked table does not hand out live pairing codes or sessions."""
    return hashlib.sha256(secret.encode()).hexdigest()


def valid_secret(value: Any) -> bool:
    return isinstance(value, str) and bool(re.match(r"^[A-Za-z0-9_-]{43}$", value))


def valid_pairing_id(value: str) -> bool:
    return bool(re.match(r"^[0-9a-f]{64}$", value or ""))


def pairing_status(item: dict[str, Any], now: int) -> dict[str, Any]:
    """What the desktop shows about its QR: waiting for a phone, paired (until when), expired."""
    if item.get("claimed"):
        until = int(item.get("session_expires_at") or 0)
        return {"status": "paired" if until > now else "ended", "expires_at": int(item["expires_at"]),
                "session_expires_at": until}
    status = "waiting" if int(item["expires_at"]) > now else "expired"
    return {"status": status, "expires_at": int(item["expires_at"]), "session_expires_at": None}


def pairing_link(public_url: str, code: str) -> str:
    """The phone page with the code in the fragment: browsers never send a fragment to a server,
    so the code stays out of access logs, proxies and Referer headers."""
    return f"{public_url.rstrip('/')}/photo#pair={code}"


# -- the "보내기" webhook ---------------------------------------------------------------------------


def webhook_body(item: dict[str, Any], user: dict[str, Any], image_url: str, sent_at: int) -> bytes:
    meta = item.get("meta") or {}
    payload = {
        "type": "gdesk.photo.sent",
        "photo_id": item["photo_id"],
        "sender": user,
        "filename": item.get("filename", ""),
        "taken_at": meta.get("taken_at"),
        "camera": meta.get("camera"),
        "width": _int(meta.get("width")),
        "height": _int(meta.get("height")),
        "image_url": image_url,
        "sent_at": sent_at,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def webhook_signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``"<timestamp>." + body`` (the one signer)."""
    return signing.sign(secret, timestamp, body)


def verify_webhook(secret: str, timestamp: str, body: bytes, signature: str, now: float,
                   tolerance: int = 300) -> bool:
    """What a receiving system does (and the tests do): signature and freshness."""
    return signing.verify(secret, timestamp, body, signature, now, tolerance)
