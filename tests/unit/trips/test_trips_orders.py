"""Trip orders: field validation, Asia/Seoul times, and the HR CSV import's line-numbered errors."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.errors import InvalidField
from chalicelib.trips import orders
from chalicelib.trips.verdict import KST

HEADER = "employee_id,name,department,destination,address,lat,lon,start,end,purpose\n"
KEY = b"unit-test-import-id-key"
GOOD = ("E1001,김민준,도로관리과,경상남도청,창원시 의창구 중앙대로 300,35.2383,128.6925,"
        "2025-05-20 09:00,2025-05-20 18:00,현장 점검\n")


def _order(**overrides: object) -> orders.TripOrder:
    body = {"destination": "경상남도청", "lat": 35.2383, "lon": 128.6925, "start": "2025-05-20T09:00",
            "end": "2025-05-20T18:00", "purpose": "점검", **overrides}
    return orders.parse_order(body, employee_id="E1001", name="김민준", department="도로관리과")


def test_naive_times_are_seoul_time_and_offsets_are_kept() -> None:
    order = _order()
    assert order.start == datetime(2025, 5, 20, 9, 0, tzinfo=KST)
    assert order.start.astimezone(UTC).hour == 0
    utc = _order(start="2025-05-20T00:00:00Z", end="2025-05-20T09:00:00+00:00")
    assert utc.start.astimezone(KST).hour == 9 and utc.end.astimezone(KST).hour == 18
    whole_day = _order(start="2025-05-20", end="2025-05-21")
    assert (whole_day.start.hour, whole_day.end.hour, whole_day.end.minute) == (0, 23, 59)
    assert order.radius_m == 300 and order.trip_id.startswith("t") and len(order.trip_id) == 12


@pytest.mark.parametrize(("overrides", "field"), [
    ({"destination": ""}, "destination"), ({"destination": "x" * 101}, "destination"),
    ({"lat": 91}, "lat"), ({"lon": "동경"}, "lon"), ({"lat": 0, "lon": 0}, "lat"), ({"lat": True}, "lat"),
    ({"radius_m": 49}, "radius_m"), ({"radius_m": 5001}, "radius_m"), ({"radius_m": 100.5}, "radius_m"),
    ({"start": "내일"}, "start"), ({"end": "2025-05-20T08:00"}, "end"), ({"end": "2025-07-01"}, "end"),
    ({"purpose": None}, "purpose"), ({"start": None}, "start"),
])
def test_bad_orders_name_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidField) as info:
        _order(**overrides)
    assert info.value.field == field


def test_radius_bounds_are_inclusive() -> None:
    assert _order(radius_m=50).radius_m == 50 and _order(radius_m=5000).radius_m == 5000


def test_import_reports_errors_by_file_line_and_keeps_valid_rows() -> None:
    text = (HEADER + GOOD
            + "E1002,이서연,복지정책과,함안군청,,35.2722,128.4065,2025-05-20 10:00,2025-05-20 09:00,협의\n"
            + "\n"
            + "E1003,박지훈,기후환경정책과,김해시청,,위도,128.8890,2025-05-21 09:00,2025-05-21 17:00,회의\n"
            + "E1004,최,부서,진주시청,,35.18,128.10,2025-05-21 09:00,2025-05-21 17:00\n"
            + "E 1005,정,부서,통영시청,,34.85,128.43,2025-05-21,2025-05-21,회의\n"
            + GOOD
            + 'E1006,"한,지우",총무과,"거제시청, 본관",,34.88,128.62,2025-05-22,2025-05-22,"회의, 점검"\n')
    plan = orders.plan_import(text, created_by="M9001", id_key=KEY)
    assert [(line, o.employee_id) for line, o in plan.orders] == [(2, "E1001"), (9, "E1006")]
    assert plan.orders[1][1].name == "한,지우" and plan.orders[1][1].destination == "거제시청, 본관"
    assert [(e.line, e.field) for e in plan.errors] == [
        (3, "end"), (5, "lat"), (6, "row"), (7, "employee_id"), (8, "row")]
    assert "2행과 같은 출장" in plan.errors[-1].message
    assert plan.orders[0][1].source == "import" and plan.orders[0][1].created_by == "M9001"


def test_imported_ids_are_stable_so_a_reimport_adds_nothing() -> None:
    first = orders.plan_import(HEADER + GOOD, "M9001", id_key=KEY).orders[0][1].trip_id
    assert orders.plan_import(HEADER + GOOD, "someone", id_key=KEY).orders[0][1].trip_id == first


def test_korean_headers_bom_and_cp949() -> None:
    korean = "사번,성명,부서,출장지,주소,위도,경도,시작,종료,출장목적\n" + GOOD
    raw = korean.encode("cp949")
    plan = orders.plan_import(orders.decode_csv(raw), "M9001", id_key=KEY)
    assert len(plan.orders) == 1 and plan.orders[0][1].name == "김민준"
    bom = ("\ufeff" + HEADER + GOOD).encode("utf-8")
    assert len(orders.plan_import(orders.decode_csv(bom), "M9001", id_key=KEY).orders) == 1


@pytest.mark.parametrize("text", ["", "employee_id,name\nE1,x\n", "a,b,c\n1,2,3\n"])
def test_file_level_errors_import_nothing(text: str) -> None:
    with pytest.raises(InvalidField) as info:
        orders.plan_import(text, "M9001", id_key=KEY)
    assert info.value.field == "file"


def test_undecodable_bytes_are_a_file_error() -> None:
    with pytest.raises(InvalidField):
        orders.decode_csv(b"\xff\xfe\x00\x81\xff" * 10)


def test_covers_day() -> None:
    order = _order(start="2025-05-20T22:00", end="2025-05-21T02:00")
    assert order.covers_day(datetime(2025, 5, 21).date())
    assert not order.covers_day(datetime(2025, 5, 22).date())


# -- issue 15: keyed import ids, bounded numbers and dates, a sane window around today ------------------

def test_imported_ids_are_keyed_so_nobody_can_compute_them() -> None:
    start = datetime(2025, 5, 20, 9, tzinfo=KST)
    keyed = orders.imported_trip_id("E1001", start, "경상남도청", KEY)
    assert keyed == orders.imported_trip_id("E1001", start, "경상남도청", KEY)
    assert keyed != orders.imported_trip_id("E1001", start, "경상남도청", b"another deployment")
    digest = hashlib.sha256(f"E1001|{start.isoformat()}|경상남도청".encode()).digest()
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    assert keyed != "t" + "".join(alphabet[b % len(alphabet)] for b in digest[:11])
    with pytest.raises(ValueError):
        orders.imported_trip_id("E1001", start, "경상남도청", b"")


HUGE = int("1" + "0" * 400)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"lat": HUGE}, "lat"), ({"lon": -HUGE}, "lon"), ({"radius_m": HUGE}, "radius_m"),
    ({"lat": "1" + "0" * 400}, "lat"),
    ({"start": "0001-01-01T00:00:00+14:00"}, "start"), ({"end": "9999-12-31T23:59:59-14:00"}, "end"),
    ({"start": "2025-05-20T09:00:00+23:59"}, "start"),
])
def test_huge_numbers_and_extreme_dates_are_field_errors(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidField) as info:
        _order(**overrides)
    assert info.value.field == field


def test_a_trip_must_lie_in_a_window_around_today() -> None:
    now = datetime(2025, 5, 20, 12, tzinfo=KST)
    body = {"destination": "경상남도청", "lat": 35.2383, "lon": 128.6925, "purpose": "점검"}

    def order(start: datetime, end: datetime) -> orders.TripOrder:
        return orders.parse_order({**body, "start": start.isoformat(), "end": end.isoformat()},
                                  employee_id="E1001", name="김", department="과", now=now)

    assert order(now - timedelta(days=300), now - timedelta(days=299)).start < now
    assert order(now + timedelta(days=300), now + timedelta(days=301)).end > now
    for start, field in ((now - timedelta(days=400), "start"), (now + timedelta(days=400), "end")):
        with pytest.raises(InvalidField) as info:
            order(start, start + timedelta(hours=8))
        assert info.value.field == field and "이내" in info.value.message


def test_far_rows_of_the_import_are_line_errors() -> None:
    text = (HEADER + GOOD
            + "E1002,이서연,복지정책과,먼미래,,35.27,128.40,9999-12-30 09:00,9999-12-30 18:00,협의\n"
            + f"E1002,이서연,복지정책과,큰수,,{'9' * 400},128.40,2025-05-21 09:00,2025-05-21 18:00,협의\n")
    plan = orders.plan_import(text, "M9001", id_key=KEY, now=datetime(2025, 5, 20, tzinfo=KST))
    assert [line for line, _ in plan.orders] == [2]
    assert [(e.line, e.field) for e in plan.errors] == [(3, "start"), (4, "lat")]
