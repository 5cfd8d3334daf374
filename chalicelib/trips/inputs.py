"""Typed inputs of the trips use cases, parsed from request bodies at the edge (pure).

Each parser raises ``InvalidField`` naming the first bad field, so routes reject bad input with a
422 before any use case runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chalicelib.clock import iso
from chalicelib.errors import InvalidField
from chalicelib.validation import field_bool, field_datetime, field_float, field_str

CONSENT_VERSION = "2025-05"
_NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_MONTH = re.compile(r"20\d\d-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Tap:
    """One tap: the phone's nonce and its GPS fix (``captured_at`` as stored, ISO UTC)."""

    nonce: str
    fix: dict[str, Any]


def parse_tap(body: dict[str, Any]) -> Tap:
    nonce = field_str(body, "nonce", max_len=64, min_len=8)
    if not nonce or not _NONCE.match(nonce):
        raise InvalidField("nonce", "'nonce' 는 8~64자의 영문·숫자·-_ 입니다. (invalid nonce)")
    captured = field_datetime(body, "captured_at")
    assert captured is not None
    fix: dict[str, Any] = {
        "lat": field_float(body, "lat", minimum=-90, maximum=90),
        "lon": field_float(body, "lon", minimum=-180, maximum=180),
        "accuracy_m": field_float(body, "accuracy_m", minimum=0, maximum=100_000),
        "captured_at": iso(captured),
        "delayed": bool(field_bool(body, "delayed", required=False, default=False)),
    }
    for name, lo, hi in (("altitude", -1000, 10_000), ("speed", 0, 400), ("heading", 0, 360)):
        value = field_float(body, name, required=False, minimum=lo, maximum=hi)
        if value is not None:
            fix[name] = value
    return Tap(nonce=nonce, fix=fix)


def parse_consent(body: dict[str, Any]) -> str:
    """The consent version agreed to (only the current version, only with ``agree: true``)."""
    version = field_str(body, "version", max_len=20, min_len=1)
    if version != CONSENT_VERSION:
        raise InvalidField("version", f"현재 동의서 버전은 {CONSENT_VERSION} 입니다. (stale consent version)")
    if field_bool(body, "agree") is not True:
        raise InvalidField("agree", "위치정보 수집·이용에 동의해야 증빙할 수 있습니다. (consent required)")
    return version


def parse_revocation(body: dict[str, Any]) -> str:
    """The reason an admin gives for revoking a proof."""
    reason = field_str(body, "reason", max_len=300, min_len=2)
    assert reason is not None
    return reason


def parse_token(body: dict[str, Any]) -> str:
    """The token to verify; a pasted verify link counts as its token (the part after ``#``)."""
    token = field_str(body, "token", max_len=4096, min_len=1)
    assert token is not None
    return token.rsplit("#", 1)[1] if "#" in token else token


def parse_month(params: dict[str, str] | None) -> str:
    month = (params or {}).get("month", "")
    if not _MONTH.fullmatch(month):
        raise InvalidField("month", "'month' 는 YYYY-MM 형식이어야 합니다. (month=YYYY-MM)")
    return month
