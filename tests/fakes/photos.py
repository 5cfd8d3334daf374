"""An in-memory fake of My Photo's store port (``chalicelib/photos/ports.py``) for the unit tests of
every use case: records and objects in dictionaries, presigned URLs as plain strings."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from chalicelib.photos import domain
from chalicelib.photos.ports import PhoneSession
from chalicelib.photos.store import object_keys, original_key, thumb_key, web_key
from chalicelib.settings import PhotosSettings

SETTINGS = PhotosSettings(table="t", bucket="b", max_upload_bytes=25 * 1024 * 1024, upload_url_seconds=300,
                          view_url_seconds=600, retention_days=30, pairing_seconds=300,
                          max_image_pixels=60_000_000, webhook_url="", webhook_secret_id="")


class FakePhotoStore:
    """``PhotoStorePort`` in dictionaries; ``fail_reads`` makes reading an original fail like S3."""

    def __init__(self, settings: PhotosSettings = SETTINGS, secret: str = "webhook-key") -> None:
        self.settings = settings
        self.bucket = settings.bucket
        self.items: dict[tuple[str, str], dict[str, Any]] = {}
        self.objects: dict[str, tuple[bytes, str, str]] = {}  # key → (data, content type, etag)
        self.user_settings: dict[str, dict[str, Any]] = {}
        self.pairings: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.puts = 0
        self.fail_reads = False
        self.secret = secret

    def with_settings(self, **changes: Any) -> FakePhotoStore:
        self.settings = replace(self.settings, **changes)
        return self

    def add(self, prefix: str, photo_id: str, data: bytes | None, content_type: str = "image/jpeg",
            etag: str = "e1") -> None:
        self.items[(prefix, photo_id)] = {"photo_id": photo_id, "status": "uploading", "keep_gps": False}
        if data is not None:
            self.objects[original_key(prefix, photo_id)] = (data, content_type, etag)

    def webhook_secret(self) -> str:
        return self.secret

    # -- photos -----------------------------------------------------------------------------------

    def create_upload(self, user_id: str, request: domain.UploadRequest, *, keep_gps: bool,
                      session_id: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        prefix, photo_id = domain.user_segment(user_id), domain.new_photo_id()
        item = {"photo_id": photo_id, "user_id": user_id, "status": "uploading", "filename": request.filename,
                "declared_type": request.content_type, "declared_size": request.size,
                "created_at": "2026-12-01T00:00:00.000Z", "keep_gps": keep_gps}
        if session_id:
            item["session_id"] = session_id
        self.items[(prefix, photo_id)] = item
        key = original_key(prefix, photo_id)
        return dict(item), {"url": f"https://s3.test/{self.bucket}",
                            "fields": {"key": key, "Content-Type": request.content_type}}

    def get_photo(self, prefix: str, photo_id: str) -> dict[str, Any] | None:
        item = self.items.get((prefix, photo_id))
        return dict(item) if item else None

    def list_photos(self, prefix: str, limit: int,
                    cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        ids = sorted((pid for owner, pid in self.items if owner == prefix), reverse=True)
        if cursor:
            ids = [pid for pid in ids if pid < cursor]
        page = [dict(self.items[(prefix, pid)]) for pid in ids[:limit]]
        return page, (page[-1]["photo_id"] if len(page) == limit else None)

    def mark_ready(self, prefix: str, photo_id: str, meta: dict[str, Any], etag: str, size: int) -> bool:
        return self._finish(prefix, photo_id, status="ready", meta=meta, source_etag=etag,
                            web_key=web_key(prefix, photo_id), thumb_key=thumb_key(prefix, photo_id))

    def mark_rejected(self, prefix: str, photo_id: str, code: str, reason: str, etag: str) -> bool:
        return self._finish(prefix, photo_id, status="rejected", reason_code=code, reason=reason,
                            source_etag=etag)

    def _finish(self, prefix: str, photo_id: str, **values: Any) -> bool:
        if (prefix, photo_id) not in self.items:
            return False
        self.items[(prefix, photo_id)].update(values)
        return True

    def delete_objects(self, keys: list[str]) -> None:
        for key in keys:
            self.objects.pop(key, None)

    def delete_photo(self, prefix: str, photo_id: str) -> None:
        self.delete_objects(object_keys(prefix, photo_id))
        self.items.pop((prefix, photo_id), None)

    # -- objects ----------------------------------------------------------------------------------

    def head_original(self, prefix: str, photo_id: str) -> dict[str, Any] | None:
        found = self.objects.get(original_key(prefix, photo_id))
        return {"etag": found[2], "size": len(found[0]), "content_type": found[1]} if found else None

    def read_original(self, prefix: str, photo_id: str, limit: int) -> bytes:
        if self.fail_reads:
            raise ConnectionError("S3 unavailable")
        return self.objects[original_key(prefix, photo_id)][0][:limit + 1]

    def put_variant(self, key: str, data: bytes) -> None:
        self.puts += 1
        self.objects[key] = (data, "image/jpeg", str(self.puts))

    def view_urls(self, item: dict[str, Any]) -> dict[str, str]:
        if item.get("status") != "ready":
            return {}
        return {"web": self.presigned_get(item["web_key"]), "thumb": self.presigned_get(item["thumb_key"])}

    def presigned_get(self, key: str, download_name: str | None = None) -> str:
        url = f"https://s3.test/{self.bucket}/{key}"
        return f"{url}?download={download_name}" if download_name else url

    # -- settings ---------------------------------------------------------------------------------

    def get_settings(self, prefix: str) -> dict[str, Any]:
        return {"keep_location": bool(self.user_settings.get(prefix, {}).get("keep_location", False))}

    def put_settings(self, prefix: str, keep_location: bool) -> dict[str, Any]:
        self.user_settings[prefix] = {"keep_location": keep_location}
        return {"keep_location": keep_location}

    # -- pairing ----------------------------------------------------------------------------------

    def create_pairing(self, user_id: str, name: str, code_hash: str, expires_at: int) -> None:
        self.pairings[code_hash] = {"user_id": user_id, "name": name, "claimed": False,
                                    "expires_at": expires_at}

    def claim_pairing(self, code_hash: str, session_hash: str, session_id: str, now: int,
                      session_seconds: int) -> PhoneSession | None:
        pairing = self.pairings.get(code_hash)
        if pairing is None or pairing["claimed"] or pairing["expires_at"] <= now:
            return None
        expires = now + session_seconds
        pairing.update(claimed=True, session_id=session_id, session_expires_at=expires)
        self.sessions[session_hash] = {"user_id": pairing["user_id"], "name": pairing["name"],
                                       "session_id": session_id, "expires_at": expires}
        return self._session(session_hash)

    def phone_session(self, session_hash: str, now: int | None = None) -> PhoneSession | None:
        found = self.sessions.get(session_hash)
        if found is None or found["expires_at"] <= (int(time.time()) if now is None else now):
            return None
        return self._session(session_hash)

    def _session(self, session_hash: str) -> PhoneSession:
        found = self.sessions[session_hash]
        return PhoneSession(found["user_id"], domain.user_segment(found["user_id"]), found["session_id"],
                            found["name"], found["expires_at"])

    def pairing_state(self, code_hash: str) -> dict[str, Any] | None:
        found = self.pairings.get(code_hash)
        return dict(found) if found else None
