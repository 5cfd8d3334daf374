"""The one HMAC signer of outgoing webhooks (briefing channels, the photos "보내기" webhook).

``X-GDesk-Signature: sha256=<hex>`` where the hex is HMAC-SHA256(secret, "<timestamp>." + raw
body) and ``X-GDesk-Timestamp`` is Unix seconds: the receiver recomputes it and rejects old
timestamps (``verify``), so a captured request cannot be replayed later.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-GDesk-Signature"
TIMESTAMP_HEADER = "X-GDesk-Timestamp"
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The timestamp and signature headers of one request."""
    timestamp = int(time.time() if now is None else now)
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


def verify(secret: str, timestamp: str | int, body: bytes, signature: str, now: float | None = None,
           tolerance: int = TOLERANCE_SECONDS) -> bool:
    """A receiver's check: the signature over timestamp + body, the timestamp within the tolerance."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, ts, body), str(signature))
