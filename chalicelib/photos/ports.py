"""My Photo's store port: what the use cases (``service.py``, ``processing.py``) need from storage,
typed as a Protocol. ``store.py`` implements it over DynamoDB, S3 and Secrets Manager;
``tests/fakes/photos.py`` in memory. Pure: no boto3, no Chalice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.photos.domain import UploadRequest
from chalicelib.settings import PhotosSettings


@dataclass(frozen=True)
class PhoneSession:
    user_id: str
    prefix: str
    session_id: str
    name: str
    expires_at: int


class PhotoStorePort(Protocol):
    settings: PhotosSettings

    @property
    def bucket(self) -> str: ...

    def webhook_secret(self) -> str: ...

    # photos
    def create_upload(self, user_id: str, request: UploadRequest, *, keep_gps: bool,
                      session_id: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]: ...

    def get_photo(self, prefix: str, photo_id: str) -> dict[str, Any] | None: ...

    def list_photos(self, prefix: str, limit: int,
                    cursor: str | None) -> tuple[list[dict[str, Any]], str | None]: ...

    def mark_ready(self, prefix: str, photo_id: str, meta: dict[str, Any], source_etag: str,
                   source_size: int) -> bool: ...

    def mark_rejected(self, prefix: str, photo_id: str, code: str, reason: str,
                      source_etag: str) -> bool: ...

    def delete_photo(self, prefix: str, photo_id: str) -> None: ...

    def delete_objects(self, keys: list[str]) -> None: ...

    # objects
    def head_original(self, prefix: str, photo_id: str) -> dict[str, Any] | None: ...

    def read_original(self, prefix: str, photo_id: str, limit: int) -> bytes: ...

    def put_variant(self, key: str, data: bytes) -> None: ...

    def view_urls(self, item: dict[str, Any]) -> dict[str, str]: ...

    def presigned_get(self, key: str, download_name: str | None = None) -> str: ...

    # settings
    def get_settings(self, prefix: str) -> dict[str, Any]: ...

    def put_settings(self, prefix: str, keep_location: bool) -> dict[str, Any]: ...

    # pairing
    def create_pairing(self, user_id: str, name: str, code_hash: str, expires_at: int) -> None: ...

    def claim_pairing(self, code_hash: str, session_hash: str, session_id: str, now: int,
                      session_seconds: int) -> PhoneSession | None: ...

    def phone_session(self, session_hash: str, now: int) -> PhoneSession | None: ...

    def pairing_state(self, code_hash: str) -> dict[str, Any] | None: ...
