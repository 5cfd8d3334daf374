"""The notifier's use cases: profile view/update, my items, feedback (the routes), the morning
digest run (the schedule), the duty-table import (the admin route and `gdesk briefing import-duties`).

Each takes the signed-in user and a store; the routes only parse and respond.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from chalicelib.auth import User
from chalicelib.briefing import duties, matching
from chalicelib.briefing.notifying.ports import NotifyStorePort, ProfileChanged
from chalicelib.briefing.notifying.profiles import Profile, default_profile, parse_profile
from chalicelib.clock import now_kst
from chalicelib.errors import Conflict, InvalidField, NotFound, PayloadTooLarge

FEEDBACK_VALUES = ("useful", "not_useful")
DUTY_IMPORT_ATTEMPTS = 3
# What the admin route takes: CSV (UTF-8 may go as text/csv; CP949 as octet-stream or CSV, which the
# template's BinaryMediaTypes keep as bytes) or XLSX.
DUTY_FILE_TYPES = ("text/csv", "application/octet-stream", "application/vnd.ms-excel",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_ITEM_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
ITEM_FIELDS = ("item_id", "title", "url", "agency", "published_at", "reason", "score", "tier",
               "keywords", "terms", "status", "feedback", "attachments", "source_id")


def _profile(store: NotifyStorePort, user: User) -> Profile:
    return store.get_profile(user.id) or default_profile(
        user.id, user.department, store.settings.notify.default_hourly_cap)


def profile_view(store: NotifyStorePort, user: User) -> dict[str, Any]:
    return _profile(store, user).public()


def update_profile(store: NotifyStorePort, user: User, body: dict[str, Any]) -> dict[str, Any]:
    current = _profile(store, user)
    needs_secrets = "channels" in body and any(c.has_secret for c in current.channels)
    current_secrets = store.get_channel_secrets(user.id) if needs_secrets else {}
    profile, secrets = parse_profile(body, current, current_secrets,
                                     allow_loopback=store.settings.notify.allow_loopback)
    changed = "channels" in body and secrets != current_secrets
    if changed:  # first the union: the stored profile keeps working if the save below fails
        store.put_channel_secrets(user.id, {**current_secrets, **secrets})
    try:
        saved = store.put_profile(profile, current.version)
    except ProfileChanged as exc:
        raise Conflict("다른 곳에서 프로필이 먼저 수정되었습니다. 새로고침 후 다시 저장하세요.",
                       code="profile_changed") from exc
    if changed and set(current_secrets) - set(secrets):  # then forget removed channels' secrets
        store.put_channel_secrets(user.id, secrets)
    return saved.public()


def list_items(store: NotifyStorePort, user: User, query: Mapping[str, str] | None) -> dict[str, Any]:
    from chalicelib.validation import query_int

    params = dict(query or {})
    limit = query_int(params, "limit", default=20, minimum=1, maximum=50)
    filters = {}
    tier = params.get("tier")
    if tier:
        if tier not in ("alert", "digest"):
            raise InvalidField("tier", "'tier' 는 alert 또는 digest 여야 합니다.")
        filters["tier"] = tier
    agency = params.get("agency")
    if agency:
        if len(agency) > 100:
            raise InvalidField("agency", "'agency' 가 너무 깁니다.")
        filters["agency"] = agency
    feedback = params.get("feedback")
    if feedback:
        if feedback not in FEEDBACK_VALUES:
            raise InvalidField("feedback", "'feedback' 은(는) useful 또는 not_useful 이어야 합니다.")
        filters["feedback"] = feedback
    cursor = params.get("cursor") or None
    if cursor and len(cursor) > 400:
        raise InvalidField("cursor", "'cursor' 값이 올바르지 않습니다.")
    rows, next_cursor = store.list_matches(user.id, limit=limit, cursor=cursor, filters=filters)
    items = [{k: row.get(k) for k in ITEM_FIELDS} for row in rows]
    return {"items": items, "next_cursor": next_cursor}


def give_feedback(store: NotifyStorePort, user: User, item_id: str, body: dict[str, Any]) -> dict[str, Any]:
    from chalicelib.validation import field_str

    if not _ITEM_ID.match(item_id):
        raise NotFound("해당 자료를 찾을 수 없습니다. (no such item)")
    value = field_str(body, "value", max_len=20)
    if value not in FEEDBACK_VALUES:
        raise InvalidField("value", "'value' 는 useful 또는 not_useful 이어야 합니다.")
    match = store.find_match(user.id, item_id)
    if match is None:  # not matched to this user (or another user's): the same answer
        raise NotFound("내게 배달된 자료가 아닙니다. (no such item for you)")
    previous = store.set_feedback(user.id, match["sk"], value)
    terms = list(match.get("keywords") or []) + list(match.get("terms") or [])
    if match.get("followed_agency"):
        terms.append(matching.agency_key(match["followed_agency"]))
    if previous != value and (terms or match.get("vector")):
        _adjust_weights(store, user, terms, previous, value, match.get("vector") or "")
    return {"item_id": item_id, "feedback": value, "terms": terms}


def _moved_meaning(meaning: dict[str, Any] | None, vector: str, previous: str | None,
                   value: str) -> dict[str, Any] | None:
    """Rocchio on the profile's meaning vector: towards a 👍 item, away from a 👎 one (an earlier
    opposite feedback on the same item is taken back first)."""
    if not meaning or not vector:
        return meaning
    from chalicelib.briefing.embedding import unpack_b64
    from chalicelib.briefing.relevance import MeaningProfile

    current, item_vector = MeaningProfile.from_record(meaning), unpack_b64(vector)
    if current is None or item_vector is None:
        return meaning
    if previous in FEEDBACK_VALUES:
        current = current.without_feedback(item_vector, previous == "useful")
    return current.with_feedback(item_vector, value == "useful").to_record()


def _adjust_weights(store: NotifyStorePort, user: User, terms: list[str], previous: str | None,
                    value: str, vector: str = "") -> None:
    for _ in range(5):  # optimistic lock: another tab may save the profile at the same moment
        profile = _profile(store, user)
        weights = dict(profile.term_weights)
        if previous in FEEDBACK_VALUES:
            weights = matching.undo_feedback(weights, terms, previous == "useful")
        weights = matching.apply_feedback(weights, terms, value == "useful")
        meaning = _moved_meaning(profile.meaning, vector, previous, value)
        try:
            store.put_profile(replace(profile, term_weights=weights, meaning=meaning), profile.version)
            return
        except ProfileChanged:
            continue
    raise Conflict("프로필이 동시에 수정되고 있습니다. 잠시 후 다시 시도하세요.", code="profile_changed")


def queue_digests(store: NotifyStorePort, moment: datetime | None = None) -> dict[str, Any]:
    """The morning digest run: one queue message per enabled profile with a channel."""
    from chalicelib.briefing.notifying.notify import digest_messages

    messages = digest_messages(store.iter_profiles(), moment or now_kst())
    if messages:
        store.enqueue(messages)
    return {"queued": len(messages)}


# -- the duty table (사무분장) -----------------------------------------------------------------------
# Each listed employee gets (or keeps) a profile with department, team and duties from the table and
# suggested keywords; fields the employee saved themselves are left alone (``duties.merge_duty_row``).
# Re-importing the same file changes nothing. The next crawl round computes the profiles' meaning
# vectors, so a person with no keyword gets items close to their duties from that round on.

def import_duty_table(store: NotifyStorePort, data: bytes, filename: str = "") -> dict[str, Any]:
    """POST /briefing/admin/duties: the uploaded file (its bytes are the request body) →
    ``import_duties``; ``filename`` (optional, from the query) only names the file in messages."""
    if len(data) > duties.MAX_BYTES:
        raise PayloadTooLarge(f"파일이 너무 큽니다 (최대 {duties.MAX_BYTES // (1024 * 1024)} MB).")
    if len(filename) > 200:
        raise InvalidField("filename", "'filename' 은(는) 200자 이내여야 합니다.")
    return import_duties(store, data, filename)


def import_duties(store: NotifyStorePort, data: bytes, filename: str = "") -> dict[str, Any]:
    """Parse and apply a duty table; returns counts and the row errors (with line numbers). A
    concurrent profile save is retried; after DUTY_IMPORT_ATTEMPTS the row is reported as an error
    and the others still apply. A file that cannot be read at all applies nothing (422)."""
    try:
        table = duties.parse(data, filename)
    except duties.DutyTableError as exc:
        raise InvalidField("file", str(exc)) from exc
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    errors = list(table.errors)
    for row in table.rows:
        for _ in range(DUTY_IMPORT_ATTEMPTS):
            current = store.get_profile(row.employee_id)
            updates = duties.merge_duty_row(row, current.to_record() if current else None)
            if not updates:
                counts["unchanged"] += 1
                break
            base = current or Profile(user_id=row.employee_id,
                                      hourly_cap=store.settings.notify.default_hourly_cap)
            if "suggested_keywords" in updates:
                updates["suggested_keywords"] = tuple(updates["suggested_keywords"])
            try:
                store.put_profile(replace(base, **updates), base.version)
            except ProfileChanged:
                continue
            counts["updated" if current else "created"] += 1
            break
        else:
            errors.append(duties.RowError(row.line, "동시에 수정되어 저장하지 못했습니다. 다시 가져오세요."))
    errors.sort(key=lambda e: e.line)
    return {"rows": len(table.rows), **counts, "errors": [e.to_dict() for e in errors]}
