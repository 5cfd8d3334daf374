"""The stream contract's record, built and encoded in one place (pure: no I/O, no clock).

``{"camera_id", "zone", "count", "ts", "confidence"}`` and nothing else: this is everything that
leaves the device (docs/cafeteria.md, "Ingest contract").
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

CAMERA_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
ZONE_ID = re.compile(r"^[a-z0-9_-]{1,32}$")
MAX_RECORD_BYTES = 2048


class RecordError(ValueError):
    """A record that the density function would reject; raised before anything is queued."""


def count_record(camera_id: str, zone: str, count: int, ts: datetime, confidence: float) -> dict[str, Any]:
    if not CAMERA_ID.match(camera_id):
        raise RecordError(f"camera id {camera_id!r} must match {CAMERA_ID.pattern}")
    if not ZONE_ID.match(zone):
        raise RecordError(f"zone {zone!r} must match {ZONE_ID.pattern}")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise RecordError(f"count must be an integer ≥ 0, got {count!r}")
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise RecordError("ts needs a UTC offset")
    return {"camera_id": camera_id, "zone": zone, "count": count,
            "ts": ts.isoformat(timespec="milliseconds"),
            "confidence": round(min(1.0, max(0.0, float(confidence))), 3)}


def encode(record: dict[str, Any]) -> bytes:
    data = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
    if len(data) > MAX_RECORD_BYTES:
        raise RecordError(f"record of {len(data)} bytes exceeds {MAX_RECORD_BYTES}")
    return data
