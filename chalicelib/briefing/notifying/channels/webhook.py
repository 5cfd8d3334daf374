"""Generic JSON webhook, signed with HMAC-SHA256.

Headers: ``X-GDesk-Timestamp`` (Unix seconds), ``X-GDesk-Signature: sha256=<hex>`` where the hex is
HMAC-SHA256(secret, "<timestamp>." + raw body), and ``X-GDesk-Delivery`` (the same id on every
retry of one (user, item): receivers drop repeats by it). Receivers should reject timestamps more
than five minutes off (replay) — ``verify`` does all of this.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

from chalicelib.briefing.notifying.channels.base import Message

SIGNATURE_HEADER = "X-GDesk-Signature"
TIMESTAMP_HEADER = "X-GDesk-Timestamp"
DELIVERY_HEADER = "X-GDesk-Delivery"
TOLERANCE_SECONDS = 300


def payload(message: Message, delivery_id: str) -> dict[str, Any]:
    return {"type": f"briefing.{message.kind}", "delivery_id": delivery_id, **message.to_dict()}


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def request(message: Message, delivery_id: str, secret: str, now: float | None = None
            ) -> tuple[bytes, dict[str, str]]:
    """The exact body and headers to POST."""
    timestamp = int(time.time() if now is None else now)
    body = json.dumps(payload(message, delivery_id), ensure_ascii=False, sort_keys=True).encode("utf-8")
    return body, {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body),
                  DELIVERY_HEADER: delivery_id}


def verify(secret: str, headers: Any, body: bytes, now: float | None = None) -> bool:
    """A receiver's check: signature over timestamp + body, timestamp within the tolerance."""
    try:
        timestamp = int(headers.get(TIMESTAMP_HEADER, ""))
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), str(headers.get(SIGNATURE_HEADER, "")))
