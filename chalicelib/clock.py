"""The one definition of Korean time and of "now" (users read KST; records are stored in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

# A fixed +09:00 offset (Korea has no daylight saving time): no tz database needed in the Lambda.
KST = timezone(timedelta(hours=9), "KST")


def now_utc() -> datetime:
    return datetime.now(UTC)


def now_kst() -> datetime:
    return datetime.now(KST)


def iso(moment: datetime) -> str:
    """The stored form of a moment: UTC, microseconds, ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
