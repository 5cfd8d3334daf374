"""Input helpers: every bad value is a 4xx naming the field, never an exception that becomes a 500."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta

import pytest

from chalicelib.errors import BadRequest, InvalidField
from chalicelib.validation import (
    MAX_BODY_BYTES,
    field_bool,
    field_datetime,
    field_float,
    field_int,
    field_str,
    field_str_list,
    json_object,
    query_int,
)


@dataclass
class FakeRequest:
    raw_body: bytes | None


def _field_error(fn, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidField) as info:
        fn(*args, **kwargs)
    assert info.value.status == 422
    return str(info.value.field)


def test_json_object() -> None:
    assert json_object(FakeRequest(b'{"a": 1}')) == {"a": 1}
    assert json_object(FakeRequest('{"이름": "김"}'.encode())) == {"이름": "김"}


@pytest.mark.parametrize("raw", [None, b"", b"   ", b"{", b"\xff\xfe", b"{'a': 1}"])
def test_malformed_bodies_are_400(raw: bytes | None) -> None:
    with pytest.raises(BadRequest) as info:
        json_object(FakeRequest(raw))
    assert info.value.status == 400 and info.value.code == "malformed_json"


@pytest.mark.parametrize("raw", [b"[]", b"1", b'"s"', b"null"])
def test_a_body_that_is_not_an_object_is_422(raw: bytes) -> None:
    assert _field_error(json_object, FakeRequest(raw)) == "body"


def test_a_huge_body_is_rejected() -> None:
    with pytest.raises(BadRequest) as info:
        json_object(FakeRequest(b'{"a": "' + b"x" * MAX_BODY_BYTES + b'"}'))
    assert info.value.code == "body_too_large"


def test_field_str() -> None:
    assert field_str({"a": "  hi "}, "a") == "hi"
    assert field_str({}, "a", required=False, default="d") == "d"
    assert field_str({"a": None}, "a", required=False) is None
    assert _field_error(field_str, {}, "a") == "a"
    assert _field_error(field_str, {"a": 3}, "a") == "a"
    assert _field_error(field_str, {"a": "x" * 11}, "a", max_len=10) == "a"
    assert _field_error(field_str, {"a": "  "}, "a", min_len=1) == "a"


def test_field_float() -> None:
    assert field_float({"lat": 35}, "lat") == 35.0
    assert field_float({"lat": 35.5}, "lat", minimum=-90, maximum=90) == 35.5
    for bad in (True, "35", float("nan"), float("inf"), [1], {"x": 1}):
        assert _field_error(field_float, {"lat": bad}, "lat") == "lat"
    assert _field_error(field_float, {"lat": 91}, "lat", minimum=-90, maximum=90) == "lat"
    assert field_float({}, "lat", required=False, default=1.5) == 1.5


def test_field_int() -> None:
    assert field_int({"n": 3}, "n", minimum=1, maximum=5) == 3
    for bad in (True, 3.0, "3", None):
        assert _field_error(field_int, {"n": bad}, "n") == "n"
    assert _field_error(field_int, {"n": 0}, "n", minimum=1) == "n"
    assert _field_error(field_int, {"n": 10**30}, "n", maximum=100) == "n"


def test_field_bool() -> None:
    assert field_bool({"b": False}, "b") is False
    for bad in (0, 1, "true", "yes"):
        assert _field_error(field_bool, {"b": bad}, "b") == "b"
    assert field_bool({}, "b", required=False, default=True) is True


def test_field_datetime_needs_an_offset() -> None:
    assert field_datetime({"t": "2026-11-25T09:00:00+09:00"}, "t").utcoffset() == timedelta(hours=9)  # type: ignore[union-attr]
    assert field_datetime({"t": "2026-11-25T00:00:00Z"}, "t").tzinfo == UTC  # type: ignore[union-attr]
    for bad in ("2026-11-25T09:00:00", "tomorrow", "", 1700000000, "2026-13-01T00:00:00Z"):
        assert _field_error(field_datetime, {"t": bad}, "t") == "t"
    assert field_datetime({}, "t", required=False) is None


def test_field_str_list() -> None:
    assert field_str_list({"k": [" 도로 ", "", "교량"]}, "k") == ["도로", "교량"]
    for bad in ("도로", [1], ["x" * 101], ["a"] * 51, {"a": 1}):
        assert _field_error(field_str_list, {"k": bad}, "k") == "k"


def test_query_int() -> None:
    assert query_int(None, "limit", default=20, minimum=1, maximum=100) == 20
    assert query_int({"limit": ""}, "limit", default=20, minimum=1, maximum=100) == 20
    assert query_int({"limit": "5"}, "limit", default=20, minimum=1, maximum=100) == 5
    for bad in ("x", "0", "101", "1.5", "٣٣٣"):
        assert _field_error(query_int, {"limit": bad}, "limit", default=20, minimum=1, maximum=100) == "limit"


# -- issue 15: numbers of hundreds of digits and dates at the ends of the calendar ----------------------

@pytest.mark.parametrize("value", [10**400, -(10**400), 2**53 + 1, float("inf"), float("nan")])
def test_huge_or_non_finite_numbers_are_field_errors(value: object) -> None:
    assert _field_error(field_float, {"lat": value}, "lat") == "lat"


def test_huge_integers_are_field_errors() -> None:
    assert _field_error(field_int, {"n": 10**400}, "n") == "n"
    assert field_int({"n": 2**53}, "n") == 2**53


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                                  "9999-12-31T23:59:59+00:00", "2025-05-20T09:00:00+23:59",
                                  "1969-12-31T23:59:59+00:00"])
def test_dates_outside_the_calendar_we_serve_are_field_errors(text: str) -> None:
    assert _field_error(field_datetime, {"at": text}, "at") == "at"


@pytest.mark.parametrize("text", ["a\x00b", "\u202e공연", "축제\u2066x\u2069", "제설\x1b[31m", "a\x7fb",
                                  "x\x85y"])
def test_invisible_control_and_bidi_override_characters_are_field_errors(text: str) -> None:
    # They reorder or hide what the next reader sees (a colleague, an auditor): "\u202e공연" shows
    # the rest of a keyword list backwards on /briefing.
    with pytest.raises(InvalidField) as caught:
        field_str({"f": text}, "f")
    assert caught.value.field == "f"
    with pytest.raises(InvalidField):
        field_str_list({"f": ["ok", text]}, "f")


def test_line_breaks_tabs_and_emoji_sequences_stay_allowed() -> None:
    text = "문화예술 진흥,\n공연·전시\t지원 👩\u200d👩\u200d👧"
    assert field_str({"f": text}, "f", max_len=100) == text
    assert field_str_list({"f": ["공연", "👩\u200d👩\u200d👧"]}, "f") == ["공연", "👩\u200d👩\u200d👧"]
