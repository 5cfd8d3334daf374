"""Upload processing: one SQS message's S3 ObjectCreated events → checked, oriented, resized photo
and its record. ``events.py`` feeds it every message of a batch through Powertools' BatchProcessor.

At least once, safely:
- The same event twice changes nothing: a record that is already ``ready``/``rejected`` for the
  object's current ETag is skipped. A new object under the same key (the presigned POST was used
  again before it expired) has a new ETag and is processed again; the last upload wins.
- A bad file is a result, not an error: the record becomes ``rejected`` with the reason, the
  original is deleted, and the message is consumed (no retry loop, nothing in the DLQ).
- Only infrastructure failures (S3/DynamoDB errors) fail the message (``handle_message`` raises),
  reported in ``batchItemFailures``: SQS redelivers it and after ``maxReceiveCount`` moves it to
  the DLQ.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote_plus

from chalicelib.observability import logger, metrics
from chalicelib.photos import imaging
from chalicelib.photos.ports import PhotoStorePort
from chalicelib.photos.store import object_keys, original_key, parse_original_key, thumb_key, web_key


def handle_message(body: str, store: PhotoStorePort, message_id: str = "") -> list[str]:
    """Every S3 record of one SQS message body; returns what happened to each. Raises (and logs)
    on infrastructure trouble, so that SQS redelivers this message."""
    try:
        return [handle_s3_record(s3_record, store) for s3_record in _s3_records(body or "")]
    except Exception:
        logger.exception("photo event failed; SQS will redeliver", extra={"message_id": message_id})
        raise


def _s3_records(body: str) -> list[dict[str, Any]]:
    try:
        document = json.loads(body)
    except ValueError:
        logger.warning("photo event: body is not JSON; dropped")
        return []
    if not isinstance(document, dict):
        return []
    if document.get("Event") == "s3:TestEvent":  # sent once when the notification is configured
        return []
    records = document.get("Records")
    return [r for r in records if isinstance(r, dict)] if isinstance(records, list) else []


def handle_s3_record(record: dict[str, Any], store: PhotoStorePort) -> str:
    """Process one S3 record; returns what happened (for logs and tests)."""
    if not str(record.get("eventName", "")).startswith("ObjectCreated"):
        return "ignored"
    s3 = record.get("s3") or {}
    if (s3.get("bucket") or {}).get("name") != store.bucket:
        logger.warning("photo event for another bucket ignored")
        return "ignored"
    parsed = parse_original_key(unquote_plus(str((s3.get("object") or {}).get("key", ""))))
    if parsed is None:
        logger.warning("photo event for a key outside originals/<user>/<id> ignored")
        return "ignored"
    prefix, photo_id = parsed
    outcome = _process(prefix, photo_id, store)
    logger.info("photo processed", extra={"photo_id": photo_id, "outcome": outcome})
    metrics.add_metric(name=f"Photo_{outcome}", unit="Count", value=1)
    return outcome


def _process(prefix: str, photo_id: str, store: PhotoStorePort) -> str:
    item = store.get_photo(prefix, photo_id)
    head = store.head_original(prefix, photo_id)
    if item is None:
        # No record: deleted (by its owner or the TTL) before the upload finished, or a key nobody
        # was given. Nobody could ever see this object; remove it.
        if head is not None:
            store.delete_objects([original_key(prefix, photo_id)])
        return "orphan_deleted"
    if head is None:
        return "gone"  # deleted since the event was sent; nothing to do
    if item["status"] in ("ready", "rejected") and item.get("source_etag") == head["etag"]:
        return "duplicate"
    limit = store.settings.max_upload_bytes
    if head["size"] > limit:
        too_large = imaging.rejected("too_large", limit=limit // (1024 * 1024))
        return _reject(store, prefix, photo_id, head, too_large)
    if not head["content_type"].lower().startswith("image/"):
        return _reject(store, prefix, photo_id, head, imaging.rejected("not_image", what=head["content_type"]
                                                                    or "알 수 없는 형식"))
    data = store.read_original(prefix, photo_id, limit)
    try:
        result = imaging.process(data, keep_gps=bool(item.get("keep_gps")), max_bytes=limit,
                                 max_pixels=store.settings.max_image_pixels)
    except imaging.ImageRejected as rejection:
        return _reject(store, prefix, photo_id, head, rejection)
    store.put_variant(web_key(prefix, photo_id), result.web.data)
    store.put_variant(thumb_key(prefix, photo_id), result.thumb.data)
    if not store.mark_ready(prefix, photo_id, result.metadata.to_dict(), head["etag"], head["size"]):
        store.delete_photo(prefix, photo_id)  # deleted while we worked: leave nothing behind
        return "deleted_meanwhile"
    metrics.add_metric(name="PhotoProcessingMs", unit="Milliseconds", value=result.timings_ms["total"])
    return "ready"


def _reject(store: PhotoStorePort, prefix: str, photo_id: str, head: dict[str, Any],
            rejection: imaging.ImageRejected) -> str:
    """Record the reason, then delete the file: a rejected upload is never served to anyone."""
    if store.mark_rejected(prefix, photo_id, rejection.code, rejection.reason, head["etag"]):
        store.delete_objects(object_keys(prefix, photo_id))
        return "rejected"
    store.delete_photo(prefix, photo_id)
    return "deleted_meanwhile"
