"""Input parsing at the edge: JSON bodies and typed fields, rejected early with a named field.

Handlers call ``json_object(request)`` and then the ``field_*`` helpers; every failure raises
``InvalidField`` (422, naming the field) or ``BadRequest`` (400, malformed JSON). No pydantic:
it costs ~150 ms of cold start for what these few functions do.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from chalicelib.errors import AppError, BadRequest, InvalidField

MAX_BODY_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32  # our documents are 2-3 levels deep; the parser recurses once per level

# A JSON string token (escapes included), so brackets inside strings are not counted as nesting.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}

# Every number and date a user sends is bounded before it is converted or stored: a JSON number
# of hundreds of digits overflows float(), a year-1 date with +14:00 overflows astimezone().
MAX_INT_MAGNITUDE = 2**53  # exact in a float, in JavaScript and in a DynamoDB number
MIN_YEAR, MAX_YEAR = 1970, 2100
MAX_UTC_OFFSET = timedelta(hours=14)  # the widest offset in use (Kiribati); Python allows ±23:59

# Control characters other than tab and line breaks, and the bidi embedding/override/isolate
# marks: invisible in a form, they hide or reorder what the next reader (a colleague, an auditor)
# sees. Refused in every text field; emoji sequences (ZWJ) and line breaks stay.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class UnsafeJson(ValueError):
    """JSON refused before (size, depth, encoding) or after parsing (lone surrogates)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays/objects in ``raw``, found without parsing (linear time)."""
    brackets = _BRACKETS.findall(_JSON_STRING.sub(b'""', raw))
    return max(accumulate(_DEPTH_STEP[b[0]] for b in brackets), default=0)


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes | str, *, max_bytes: int = MAX_BODY_BYTES, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse untrusted JSON with its size and depth bounded before the parser sees it, strict UTF-8,
    no NaN/Infinity, and no lone surrogate (``"\\ud800"``) in any string or key afterwards: such
    text cannot be stored, logged or sent back, so it is refused here rather than fail later."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    if len(data) > max_bytes:
        raise UnsafeJson("body_too_large", "요청 본문이 너무 큽니다. (request body too large)", 413)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsafeJson("malformed_json", "요청 본문이 올바른 UTF-8 JSON이 아닙니다. "
                                           "(malformed JSON body: invalid UTF-8)") from exc
    if json_depth(data) > max_depth:
        raise UnsafeJson("json_too_deep", f"JSON 중첩이 너무 깊습니다(최대 {max_depth}단계). "
                                          f"(JSON nested deeper than {max_depth})")
    try:
        value = json.loads(text, parse_constant=_no_constants)
    except ValueError as exc:
        raise UnsafeJson("malformed_json",
                         "요청 본문이 올바른 JSON이 아닙니다. (malformed JSON body)") from exc
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise UnsafeJson("invalid_unicode", "문자열에 올바르지 않은 유니코드(짝 없는 서로게이트)가 있습니다. "
                                            "(invalid Unicode: lone surrogate)") from exc
    return value


def is_valid_text(value: str) -> bool:
    """True when ``value`` is encodable as UTF-8 (no lone surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _rejected(exc: UnsafeJson) -> AppError:
    return BadRequest(exc.message, code=exc.code, status=exc.status)


def json_value(raw: bytes | str | None, max_bytes: int = MAX_BODY_BYTES) -> Any:
    """The parsed JSON of a request body, every refusal a JSON 4xx (``parse_json``)."""
    if not raw or not raw.strip():
        raise BadRequest("요청 본문이 비어 있습니다. (empty request body)", code="malformed_json")
    try:
        return parse_json(raw, max_bytes=max_bytes)
    except UnsafeJson as exc:
        raise _rejected(exc) from exc


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def check_request(request: Any) -> None:
    """The edge check every HTTP request passes before any route: query, path and header values
    are valid Unicode, and a JSON body is bounded and well-formed (``json_value``). A route that
    reads the body parses it again with the same bounds (``json_object``)."""
    def values(mapping: Any) -> Iterable[str]:
        if not mapping:
            return ()
        if hasattr(mapping, "getlist"):
            return (v for key in mapping for v in [key, *mapping.getlist(key)])
        return (v for item in mapping.items() for v in item)

    for value in (*values(request.query_params), *values(request.uri_params), *values(request.headers)):
        if isinstance(value, str) and not is_valid_text(value):
            raise BadRequest("요청에 올바르지 않은 유니코드 문자가 있습니다. "
                             "(invalid Unicode in the request)", code="invalid_unicode")
    headers = request.headers or {}
    if request.raw_body and _is_json(str(headers.get("content-type") or "")):
        json_value(request.raw_body)


def json_object(request: Any) -> dict[str, Any]:
    """The request body as a JSON object; 4xx for malformed, oversized, too deep or invalid-Unicode
    JSON (``parse_json``), 422 for a non-object."""
    value = json_value(request.raw_body)
    if not isinstance(value, dict):
        raise InvalidField("body", "요청 본문은 JSON 객체여야 합니다. (body must be a JSON object)")
    return value


_MISSING = object()


def _get(body: dict[str, Any], name: str, required: bool) -> Any:
    value = body.get(name, _MISSING)
    if value is _MISSING or value is None:
        if required:
            raise InvalidField(name, f"'{name}' 값이 필요합니다. (required)")
        return _MISSING
    return value


def _visible(value: str, name: str) -> str:
    if _INVISIBLE.search(value):
        raise InvalidField(name, f"'{name}' 에 보이지 않는 제어 문자가 있습니다. "
                                 "(control or bidi override characters)")
    return value


def field_str(body: dict[str, Any], name: str, *, required: bool = True, default: str | None = None,
              max_len: int = 500, min_len: int = 0) -> str | None:
    value = _get(body, name, required)
    if value is _MISSING:
        return default
    if not isinstance(value, str):
        raise InvalidField(name, f"'{name}' 은(는) 문자열이어야 합니다. (must be a string)")
    value = _visible(value.strip(), name)
    if len(value) < min_len or len(value) > max_len:
        raise InvalidField(name, f"'{name}' 길이는 {min_len}~{max_len}자여야 합니다. "
                                 f"(length must be {min_len}..{max_len})")
    return value


def field_float(body: dict[str, Any], name: str, *, required: bool = True,
                default: float | None = None, minimum: float | None = None,
                maximum: float | None = None) -> float | None:
    value = _get(body, name, required)
    if value is _MISSING:
        return default
    value = finite_float(value, name)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InvalidField(name, f"'{name}' 은(는) {minimum}~{maximum} 범위여야 합니다. "
                                 f"(must be within {minimum}..{maximum})")
    return value


def field_int(body: dict[str, Any], name: str, *, required: bool = True, default: int | None = None,
              minimum: int | None = None, maximum: int | None = None) -> int | None:
    value = _get(body, name, required)
    if value is _MISSING:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidField(name, f"'{name}' 은(는) 정수여야 합니다. (must be an integer)")
    if abs(value) > MAX_INT_MAGNITUDE:
        raise InvalidField(name, f"'{name}' 값이 너무 큽니다. (number out of range)")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InvalidField(name, f"'{name}' 은(는) {minimum}~{maximum} 범위여야 합니다. "
                                 f"(must be within {minimum}..{maximum})")
    return value


def field_bool(body: dict[str, Any], name: str, *, required: bool = True,
               default: bool | None = None) -> bool | None:
    value = _get(body, name, required)
    if value is _MISSING:
        return default
    if not isinstance(value, bool):
        raise InvalidField(name, f"'{name}' 은(는) true/false 여야 합니다. (must be a boolean)")
    return value


def field_datetime(body: dict[str, Any], name: str, *, required: bool = True) -> datetime | None:
    """An ISO 8601 timestamp that must carry a UTC offset (naive times are ambiguous)."""
    value = _get(body, name, required)
    if value is _MISSING:
        return None
    if not isinstance(value, str):
        raise InvalidField(name, f"'{name}' 은(는) ISO 8601 시각 문자열이어야 합니다. (ISO 8601 string)")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidField(name, f"'{name}' 시각 형식이 올바르지 않습니다. (invalid ISO 8601)") from exc
    if parsed.tzinfo is None:
        raise InvalidField(name, f"'{name}' 에 시간대(+09:00 등)가 필요합니다. (offset required)")
    return bounded_datetime(parsed, name)


def finite_float(value: Any, name: str) -> float:
    """A JSON number as a finite float; a huge integer (hundreds of digits) is refused, not overflowed."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidField(name, f"'{name}' 은(는) 숫자여야 합니다. (must be a number)")
    if isinstance(value, int) and abs(value) > MAX_INT_MAGNITUDE:
        raise InvalidField(name, f"'{name}' 값이 너무 큽니다. (number out of range)")
    if not math.isfinite(value):
        raise InvalidField(name, f"'{name}' 은(는) 유한한 숫자여야 합니다. (must be a finite number)")
    return float(value)


def plausible_datetime(moment: datetime) -> bool:
    """Year within MIN_YEAR..MAX_YEAR and offset within ±14:00: converting it cannot overflow."""
    offset = moment.utcoffset()
    return MIN_YEAR <= moment.year <= MAX_YEAR and (offset is None or abs(offset) <= MAX_UTC_OFFSET)


def bounded_datetime(moment: datetime, name: str) -> datetime:
    """``moment`` if its year and UTC offset are plausible, so converting it cannot overflow."""
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise InvalidField(name, f"'{name}' 의 시간대가 올바르지 않습니다 (±14:00 이내). "
                                 "(offset out of range)")
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise InvalidField(name, f"'{name}' 은(는) {MIN_YEAR}~{MAX_YEAR}년 사이여야 합니다. "
                                 "(date out of range)")
    return moment


def field_str_list(body: dict[str, Any], name: str, *, required: bool = True, max_items: int = 50,
                   max_len: int = 100) -> list[str] | None:
    value = _get(body, name, required)
    if value is _MISSING:
        return None
    if not isinstance(value, list) or len(value) > max_items:
        raise InvalidField(name, f"'{name}' 은(는) 최대 {max_items}개의 문자열 목록이어야 합니다. "
                                 f"(list of at most {max_items} strings)")
    items = []
    for item in value:
        if not isinstance(item, str) or len(item.strip()) > max_len:
            raise InvalidField(name, f"'{name}' 의 항목은 {max_len}자 이하 문자열이어야 합니다.")
        if _visible(item.strip(), name):
            items.append(item.strip())
    return items


def query_int(params: dict[str, str] | None, name: str, *, default: int, minimum: int,
              maximum: int) -> int:
    raw = (params or {}).get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise InvalidField(name, f"'{name}' 은(는) 정수여야 합니다. (must be an integer)") from exc
    if value < minimum or value > maximum:
        raise InvalidField(name, f"'{name}' 은(는) {minimum}~{maximum} 범위여야 합니다.")
    return value
