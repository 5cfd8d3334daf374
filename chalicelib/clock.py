"""Korean Standard Time, defined once: what users read, and what quiet hours and digests follow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")


def now_utc() -> datetime:
    return datetime.now(UTC)


def now_kst() -> datetime:
    return now_utc().astimezone(KST)
