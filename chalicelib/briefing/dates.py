"""Times of items: everything is stored as ISO 8601 in KST (+09:00), the time users read."""

from __future__ import annotations

import re
from datetime import datetime

from chalicelib.clock import KST, now_kst
from chalicelib.validation import MAX_YEAR, MIN_YEAR, plausible_datetime

__all__ = ["KST", "now_kst", "parse_any", "parse_iso", "parse_korean_date", "to_kst_iso"]
# 2024-05-01, 2024.05.01, 2024/5/1, 2024. 5. 1., 24.05.01, 2024년 5월 1일 — optional 14:30[:05]
_KOREAN_DATE = re.compile(
    r"(?P<y>\d{4}|\d{2})\s*[-./년]\s*(?P<m>\d{1,2})\s*[-./월]\s*(?P<d>\d{1,2})\s*[.일]?"
    r"(?:\s*\([^)]*\))?(?:\s*T?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?")


def to_kst_iso(moment: datetime) -> str:
    """ISO 8601 in KST, to the second; a naive datetime is taken as KST (Korean sites' habit)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=KST)
    return moment.astimezone(KST).replace(microsecond=0).isoformat()


def parse_iso(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if not plausible_datetime(moment):  # a feed's year 1 with +14:00 must not crash the round
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=KST)


def parse_korean_date(text: str) -> datetime | None:
    """The first date (and time) written the ways Korean public sites write them; KST."""
    match = _KOREAN_DATE.search(text or "")
    if not match:
        return None
    year = int(match.group("y"))
    year += 2000 if year < 100 else 0
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return datetime(year, int(match.group("m")), int(match.group("d")), int(match.group("H") or 0),
                        int(match.group("M") or 0), int(match.group("S") or 0), tzinfo=KST)
    except ValueError:
        return None


def parse_any(value: str | None) -> datetime | None:
    if not value:
        return None
    return parse_iso(value) or parse_korean_date(value)
