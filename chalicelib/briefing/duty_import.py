"""The duty-table import use case: an admin's CSV/XLSX (사무분장) → a working profile per employee.

Called by the admin route (POST /briefing/admin/duties) and `gdesk briefing import-duties FILE`.
Each listed employee gets (or keeps) a profile with department, team and duties from the table and
suggested keywords; fields the employee saved themselves are left alone (``duties.merge_duty_row``).
Re-importing the same file changes nothing. The first crawl round after the import computes the
profiles' meaning vectors (``round_scoring.refresh_meanings``), so a person with no keyword gets
items close to their duties from that round on.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from typing import Any, Protocol

from chalicelib.briefing import duties
from chalicelib.briefing.profiles import Profile
from chalicelib.errors import InvalidField, PayloadTooLarge

MAX_ATTEMPTS = 3
MAX_UPLOAD_BYTES = (duties.MAX_BYTES * 4) // 3 + 4096  # the JSON body around a base64 file


class ProfileStore(Protocol):
    def get_profile(self, user_id: str) -> Profile | None: ...
    def put_profile(self, profile: Profile, expected_version: int) -> Profile: ...


def decode_upload(body: dict[str, Any]) -> tuple[bytes, str]:
    """The admin route's JSON body: ``{"filename": "사무분장.xlsx", "content_base64": "..."}``."""
    filename = body.get("filename", "")
    content = body.get("content_base64")
    if not isinstance(filename, str) or len(filename) > 200:
        raise InvalidField("filename", "'filename' 은(는) 200자 이내 문자열이어야 합니다.")
    if not isinstance(content, str) or not content:
        raise InvalidField("content_base64", "'content_base64' 에 CSV 또는 XLSX 파일(base64)이 필요합니다.")
    if len(content) > (duties.MAX_BYTES * 4) // 3 + 4:
        raise PayloadTooLarge(f"파일이 너무 큽니다 (최대 {duties.MAX_BYTES // (1024 * 1024)} MB).")
    try:
        return base64.b64decode(content, validate=True), filename
    except (binascii.Error, ValueError) as exc:
        raise InvalidField("content_base64", "'content_base64' 가 올바른 base64가 아닙니다.") from exc


def _updated(base: Profile, updates: dict[str, Any]) -> Profile:
    changes = dict(updates)
    if "suggested_keywords" in changes:
        changes["suggested_keywords"] = tuple(changes["suggested_keywords"])
    return replace(base, **changes)


def import_duties(store: ProfileStore, data: bytes, filename: str = "", *, conflict: type[Exception],
                  default_hourly_cap: int = 5) -> dict[str, Any]:
    """Parse and apply a duty table; returns counts and the row errors (with line numbers).

    ``conflict``: the store's optimistic-lock exception (retried; after MAX_ATTEMPTS the row is
    reported as an error, the others still apply). A file that cannot be read at all raises
    ``InvalidField`` (nothing is applied)."""
    try:
        table = duties.parse(data, filename)
    except duties.DutyTableError as exc:
        raise InvalidField("content_base64", str(exc)) from exc
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    errors = list(table.errors)
    for row in table.rows:
        for _ in range(MAX_ATTEMPTS):
            current = store.get_profile(row.employee_id)
            updates = duties.merge_duty_row(row, current.to_record() if current else None)
            if not updates:
                counts["unchanged"] += 1
                break
            base = current or Profile(user_id=row.employee_id, hourly_cap=default_hourly_cap)
            try:
                store.put_profile(_updated(base, updates), base.version)
            except conflict:
                continue
            counts["updated" if current else "created"] += 1
            break
        else:
            errors.append(duties.RowError(row.line, "동시에 수정되어 저장하지 못했습니다. 다시 가져오세요."))
    errors.sort(key=lambda e: e.line)
    return {"rows": len(table.rows), **counts, "errors": [e.to_dict() for e in errors]}


def import_upload(store: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The admin route's use case: the JSON upload → ``import_duties`` on the notifier's store."""
    from chalicelib.briefing.store import ProfileChanged

    data, filename = decode_upload(body)
    return import_duties(store, data, filename, conflict=ProfileChanged,
                         default_hourly_cap=store.settings.notify.default_hourly_cap)
