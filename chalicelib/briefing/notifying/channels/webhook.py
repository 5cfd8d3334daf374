"""Generic JSON webhook, signed with HMAC-SHA256 by the one signer (``chalicelib/signing.py``).

Headers: ``X-GDesk-Timestamp`` (Unix seconds), ``X-GDesk-Signature: sha256=<hex>`` where the hex is
HMAC-SHA256(secret, "<timestamp>." + raw body), and ``X-GDesk-Delivery`` (the same id on every
retry of one (user, item): receivers drop repeats by it). Receivers should reject timestamps more
than five minutes off (replay) — ``verify`` does all of this.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib import signing
from chalicelib.briefing.notifying.channels.base import Message

SIGNATURE_HEADER = signing.SIGNATURE_HEADER
TIMESTAMP_HEADER = signing.TIMESTAMP_HEADER
DELIVERY_HEADER = "X-GDesk-Delivery"
TOLERANCE_SECONDS = signing.TOLERANCE_SECONDS
sign = signing.sign


def payload(message: Message, delivery_id: str) -> dict[str, Any]:
    return {"type": f"briefing.{message.kind}", "delivery_id": delivery_id, **message.to_dict()}


def request(message: Message, delivery_id: str, secret: str, now: float | None = None
            ) -> tuple[bytes, dict[str, str]]:
    """The exact body and headers to POST."""
    body = json.dumps(payload(message, delivery_id), ensure_ascii=False, sort_keys=True).encode("utf-8")
    return body, {**signing.signed_headers(secret, body, now), DELIVERY_HEADER: delivery_id}


def verify(secret: str, headers: Any, body: bytes, now: float | None = None) -> bool:
    """A receiver's check: signature over timestamp + body, timestamp within the tolerance."""
    return signing.verify(secret, headers.get(TIMESTAMP_HEADER, ""), body,
                          str(headers.get(SIGNATURE_HEADER, "")), now)
