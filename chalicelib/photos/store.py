"""The only module of My Photo that talks to DynamoDB, S3 and Secrets Manager: table keys and bucket
layout. ``PhotoStore`` implements ``ports.PhotoStorePort``.

Table (pk, sk; TTL ``expires_at``):
  USER#<prefix>   PHOTO#<photo_id>   one photo (status, labels, metadata, keys)
  USER#<prefix>   SETTINGS           the user's photo settings (keep location)
  PAIR#<hash>     PAIR               a desktop pairing code (hash only), single use, 5 minutes
  PSESS#<hash>    PSESS              the phone session a claimed pairing turned into
Bucket:
  originals/<prefix>/<photo_id>      the upload, exactly as the phone sent it (private)
  web/<prefix>/<photo_id>.jpg        long side 1600, upright, without GPS unless kept
  thumbs/<prefix>/<photo_id>.jpg     long side 320
``<prefix>`` is ``domain.user_segment(user_id)``: the user's own key prefix, under which every
key of theirs is.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from chalicelib import aws
from chalicelib.aws import plain
from chalicelib.photos import domain
from chalicelib.photos.ports import PhoneSession
from chalicelib.settings import PhotosSettings

__all__ = ["PhoneSession", "PhotoStore", "object_keys", "original_key", "parse_original_key", "thumb_key",
           "web_key"]

_ORIGINAL_KEY = re.compile(r"^originals/([A-Za-z0-9_.@-]{1,64})/([0-9a-f]{22})$")
UPLOADING_TTL_SECONDS = 24 * 3600  # an upload that never arrives is forgotten after a day


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def original_key(prefix: str, photo_id: str) -> str:
    return f"originals/{prefix}/{photo_id}"


def web_key(prefix: str, photo_id: str) -> str:
    return f"web/{prefix}/{photo_id}.jpg"


def thumb_key(prefix: str, photo_id: str) -> str:
    return f"thumbs/{prefix}/{photo_id}.jpg"


def object_keys(prefix: str, photo_id: str) -> list[str]:
    """Every object a photo may have: the original and its two variants."""
    return [original_key(prefix, photo_id), web_key(prefix, photo_id), thumb_key(prefix, photo_id)]


def parse_original_key(key: str) -> tuple[str, str] | None:
    """(user segment, photo id) of an original's key, or None for anything else."""
    match = _ORIGINAL_KEY.match(key)
    return (match.group(1), match.group(2)) if match else None




def _dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_dynamo(v) for v in value]
    return value


class PhotoStore:
    """Clients come in from ``chalicelib.wiring`` (built once per container); by default from
    ``chalicelib.aws``. Secrets Manager's is taken only when the webhook key is first needed (a
    client costs 20-50 ms to build, and only "보내기" ever uses it)."""

    def __init__(self, settings: PhotosSettings, ddb: Any = None, s3: Any = None,
                 secrets: Any = None) -> None:
        self.settings = settings
        self.table = (ddb if ddb is not None else aws.resource("dynamodb")).Table(settings.table)
        self.s3 = s3 if s3 is not None else aws.client("s3")
        self._secrets = secrets
        self._webhook_secret: str | None = None

    @property
    def bucket(self) -> str:
        return self.settings.bucket

    def webhook_secret(self) -> str:
        """The "보내기" webhook's HMAC key from Secrets Manager: a JSON ``{"key": ...}`` or the
        plain string. Read once per store (once per container)."""
        if self._webhook_secret is None:
            secret_id = self.settings.webhook_secret_id
            secrets = self._secrets if self._secrets is not None else aws.client("secretsmanager")
            value = str(secrets.get_secret_value(SecretId=secret_id)["SecretString"])
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            self._webhook_secret = parsed["key"] if isinstance(parsed, dict) and \
                isinstance(parsed.get("key"), str) else value
        return self._webhook_secret

    # -- photos ---------------------------------------------------------------------------------

    def create_upload(self, user_id: str, request: domain.UploadRequest, *, keep_gps: bool,
                      session_id: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """A new ``uploading`` record and the presigned POST for its original (key by the server)."""
        prefix = domain.user_segment(user_id)
        photo_id = domain.new_photo_id()
        key = original_key(prefix, photo_id)
        now = now_iso()
        item = {
            "pk": f"USER#{prefix}", "sk": f"PHOTO#{photo_id}", "photo_id": photo_id, "user_id": user_id,
            "status": "uploading", "filename": request.filename, "declared_type": request.content_type,
            "declared_size": request.size, "created_at": now, "updated_at": now, "keep_gps": keep_gps,
            "expires_at": int(time.time()) + UPLOADING_TTL_SECONDS,
        }
        if session_id:
            item["session_id"] = session_id
        self.table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        post = self.s3.generate_presigned_post(
            Bucket=self.bucket, Key=key,
            Fields={"Content-Type": request.content_type},
            Conditions=[
                ["content-length-range", 1, self.settings.max_upload_bytes],
                ["starts-with", "$Content-Type", "image/"],
            ],
            ExpiresIn=self.settings.upload_url_seconds,
        )
        return item, post

    def get_photo(self, prefix: str, photo_id: str) -> dict[str, Any] | None:
        found = self.table.get_item(Key={"pk": f"USER#{prefix}", "sk": f"PHOTO#{photo_id}"},
                                    ConsistentRead=True).get("Item")
        return plain(found) if found else None

    def list_photos(self, prefix: str, limit: int,
                    cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first (ids sort by time); ``cursor`` is the last photo id of the previous page."""
        args: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :photo)",
            "ExpressionAttributeValues": {":pk": f"USER#{prefix}", ":photo": "PHOTO#"},
            "ScanIndexForward": False, "Limit": limit,
        }
        if cursor:
            args["ExclusiveStartKey"] = {"pk": f"USER#{prefix}", "sk": f"PHOTO#{cursor}"}
        page = self.table.query(**args)
        items = [plain(i) for i in page.get("Items", [])]
        last = page.get("LastEvaluatedKey")
        next_cursor = str(last["sk"]).removeprefix("PHOTO#") if last and len(items) == limit else None
        return items, next_cursor

    def mark_ready(self, prefix: str, photo_id: str, meta: dict[str, Any], source_etag: str,
                   source_size: int) -> bool:
        """False when the record is gone (deleted while processing)."""
        expires = int(time.time()) + self.settings.retention_days * 86400
        return self._finish(prefix, photo_id, {
            "status": "ready", "meta": _dynamo(meta), "source_etag": source_etag,
            "source_size": source_size, "web_key": web_key(prefix, photo_id),
            "thumb_key": thumb_key(prefix, photo_id), "expires_at": expires,
        })

    def mark_rejected(self, prefix: str, photo_id: str, code: str, reason: str, source_etag: str) -> bool:
        expires = int(time.time()) + self.settings.retention_days * 86400
        return self._finish(prefix, photo_id, {"status": "rejected", "reason_code": code, "reason": reason,
                                            "source_etag": source_etag, "expires_at": expires})

    def _finish(self, prefix: str, photo_id: str, values: dict[str, Any]) -> bool:
        values = {**values, "updated_at": now_iso()}
        names = {f"#a{i}": k for i, k in enumerate(values)}
        expression = "SET " + ", ".join(f"#a{i} = :v{i}" for i in range(len(values)))
        try:
            self.table.update_item(
                Key={"pk": f"USER#{prefix}", "sk": f"PHOTO#{photo_id}"}, UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk)", ExpressionAttributeNames=names,
                ExpressionAttributeValues={f":v{i}": v for i, v in enumerate(values.values())})
        except self.table.meta.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def delete_photo(self, prefix: str, photo_id: str) -> None:
        """Every object of the photo, then the record (a retry after a failure finishes the job)."""
        self.delete_objects(object_keys(prefix, photo_id))
        self.table.delete_item(Key={"pk": f"USER#{prefix}", "sk": f"PHOTO#{photo_id}"})

    def delete_objects(self, keys: list[str]) -> None:
        self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in keys],
                                                           "Quiet": True})

    # -- objects ----------------------------------------------------------------------------------

    def head_original(self, prefix: str, photo_id: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            head = self.s3.head_object(Bucket=self.bucket, Key=original_key(prefix, photo_id))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return {"etag": str(head.get("ETag", "")).strip('"'), "size": int(head["ContentLength"]),
                "content_type": str(head.get("ContentType", ""))}

    def read_original(self, prefix: str, photo_id: str, limit: int) -> bytes:
        """At most ``limit`` + 1 bytes (enough to tell "too large" without reading a huge object)."""
        response = self.s3.get_object(Bucket=self.bucket, Key=original_key(prefix, photo_id),
                                      Range=f"bytes=0-{limit}")
        return bytes(response["Body"].read(limit + 1))

    def put_variant(self, key: str, data: bytes) -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType="image/jpeg",
                           CacheControl="private, max-age=600")

    def view_urls(self, item: dict[str, Any]) -> dict[str, str]:
        """Presigned GETs of the variants (at most 10 minutes)."""
        if item.get("status") != "ready":
            return {}
        return {"web": self.presigned_get(item["web_key"]), "thumb": self.presigned_get(item["thumb_key"])}

    def presigned_get(self, key: str, download_name: str | None = None) -> str:
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if download_name:
            params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quote(download_name)}"
        return str(self.s3.generate_presigned_url("get_object", Params=params,
                                                   ExpiresIn=self.settings.view_url_seconds))

    # -- settings -----------------------------------------------------------------------------------

    def get_settings(self, prefix: str) -> dict[str, Any]:
        item = self.table.get_item(Key={"pk": f"USER#{prefix}", "sk": "SETTINGS"}).get("Item") or {}
        return {"keep_location": bool(item.get("keep_location", False))}

    def put_settings(self, prefix: str, keep_location: bool) -> dict[str, Any]:
        self.table.put_item(Item={"pk": f"USER#{prefix}", "sk": "SETTINGS", "keep_location": keep_location,
                                  "updated_at": now_iso()})
        return {"keep_location": keep_location}

    # -- pairing ------------------------------------------------------------------------------------

    def create_pairing(self, user_id: str, name: str, code_hash: str, expires_at: int) -> None:
        self.table.put_item(Item={
            "pk": f"PAIR#{code_hash}", "sk": "PAIR", "user_id": user_id, "name": name,
            "claimed": False, "created_at": now_iso(), "expires_at": expires_at})

    def claim_pairing(self, code_hash: str, session_hash: str, session_id: str, now: int,
                      session_seconds: int) -> PhoneSession | None:
        """Mark the pairing used (once, before it expires) and create the phone session.
        None: unknown, expired or already claimed."""
        client_errors = self.table.meta.client.exceptions
        expires = now + session_seconds
        try:
            result = self.table.update_item(
                Key={"pk": f"PAIR#{code_hash}", "sk": "PAIR"},
                UpdateExpression="SET claimed = :yes, claimed_at = :at, session_id = :sid, "
                                 "session_expires_at = :until",
                ConditionExpression="attribute_exists(pk) AND claimed = :no AND expires_at > :now",
                ExpressionAttributeValues={":yes": True, ":no": False, ":now": now, ":at": now_iso(),
                                           ":sid": session_id, ":until": expires},
                ReturnValues="ALL_NEW")
        except client_errors.ConditionalCheckFailedException:
            return None
        pairing = plain(result["Attributes"])
        user_id = str(pairing["user_id"])
        self.table.put_item(Item={
            "pk": f"PSESS#{session_hash}", "sk": "PSESS", "user_id": user_id, "name": pairing.get("name", ""),
            "session_id": session_id, "created_at": now_iso(), "expires_at": expires})
        return PhoneSession(user_id, domain.user_segment(user_id), session_id, str(pairing.get("name", "")),
                            expires)

    def phone_session(self, session_hash: str, now: int) -> PhoneSession | None:
        item = self.table.get_item(Key={"pk": f"PSESS#{session_hash}", "sk": "PSESS"},
                                   ConsistentRead=True).get("Item")
        if not item or int(item["expires_at"]) <= now:  # TTL deletion lags; expiry is checked here
            return None
        user_id = str(item["user_id"])
        return PhoneSession(user_id, domain.user_segment(user_id), str(item["session_id"]),
                            str(item.get("name", "")), int(item["expires_at"]))

    def pairing_state(self, code_hash: str) -> dict[str, Any] | None:
        item = self.table.get_item(Key={"pk": f"PAIR#{code_hash}", "sk": "PAIR"}).get("Item")
        return plain(item) if item else None
