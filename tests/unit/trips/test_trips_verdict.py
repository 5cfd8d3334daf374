"""Haversine against known distances, every verdict flag, and the window edges in KST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.trips import verdict as v
from chalicelib.trips.geo import format_distance_ko, haversine_m

GYEONGNAM_OFFICE = (35.2383, 128.6925)  # 경남도청
CHANGWON_CITY_HALL = (35.2280, 128.6811)  # 창원시청


def test_haversine_known_distances() -> None:
    # 경남도청 → 창원시청: about 1.5 km in a straight line.
    assert 1450 < haversine_m(*GYEONGNAM_OFFICE, *CHANGWON_CITY_HALL) < 1650
    # 서울시청 → 부산시청: about 325 km.
    assert haversine_m(37.5663, 126.9779, 35.1798, 129.0750) == pytest.approx(325_000, rel=0.01)
    # One degree along the equator and along a meridian: 111.195 km on the mean sphere.
    assert haversine_m(0, 0, 0, 1) == pytest.approx(111_195, abs=1)
    assert haversine_m(0, 0, 1, 0) == pytest.approx(111_195, abs=1)
    assert haversine_m(*GYEONGNAM_OFFICE, *GYEONGNAM_OFFICE) == 0
    # Symmetric, and antipodes are half the circumference.
    assert haversine_m(10, 20, -5, 40) == pytest.approx(haversine_m(-5, 40, 10, 20))
    assert haversine_m(0, 0, 0, 180) == pytest.approx(20_015_115, rel=1e-4)


def test_distance_wording() -> None:
    assert format_distance_ko(0) == "0m"
    assert format_distance_ko(999.4) == "999m"
    assert format_distance_ko(2300) == "2.3km"
    assert format_distance_ko(154_000) == "154km"


def _kst(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=v.KST)


DEST = v.Destination(lat=GYEONGNAM_OFFICE[0], lon=GYEONGNAM_OFFICE[1], radius_m=300,
                     start=_kst("2025-05-20T09:00:00"), end=_kst("2025-05-20T18:00:00"))
NOON = _kst("2025-05-20T12:00:00")


def _fix(lat: float = 35.2390, lon: float = 128.6930, accuracy: float = 15.0,
         at: datetime = NOON, delayed: bool = False) -> v.Fix:
    return v.Fix(lat=lat, lon=lon, accuracy_m=accuracy, captured_at=at, delayed=delayed)


def test_a_good_fix_passes_with_no_flags() -> None:
    result = v.evaluate(DEST, _fix(), NOON)
    assert result.passed and result.within_window and result.within_radius and result.accuracy_ok
    assert result.flags == () and result.reasons == ()
    assert result.distance_m < 300
    assert result.message.startswith("출장지 확인")


@pytest.mark.parametrize(("when", "inside"), [
    ("2025-05-20T08:59:59", False), ("2025-05-20T09:00:00", True),
    ("2025-05-20T18:00:00", True), ("2025-05-20T18:00:01", False),
])
def test_window_edges_in_kst(when: str, inside: bool) -> None:
    at = _kst(when)
    result = v.evaluate(DEST, _fix(at=at), at)
    assert result.within_window is inside
    if not inside:
        assert "출장 시간 2025-05-20 09:00 ~ 18:00" in result.reasons[0]
        assert ("시작 전" in result.reasons[0]) is (at < DEST.start)


def test_window_is_judged_in_kst_not_utc() -> None:
    # 00:30 UTC is 09:30 in Seoul: inside the 09:00-18:00 KST window.
    at = datetime(2025, 5, 20, 0, 30, tzinfo=UTC)
    assert v.evaluate(DEST, _fix(at=at), at).within_window
    # 10:00 UTC is 19:00 KST: outside, although 10:00 is inside "09-18" on a UTC clock.
    late = datetime(2025, 5, 20, 10, 0, tzinfo=UTC)
    assert not v.evaluate(DEST, _fix(at=late), late).within_window


def test_the_server_clock_decides_not_the_phone() -> None:
    # The phone claims noon, the server received it at 20:00: outside, plus a clock-skew flag.
    server = _kst("2025-05-20T20:00:00")
    result = v.evaluate(DEST, _fix(at=NOON), server)
    assert not result.within_window
    assert v.FLAG_SKEW in result.flags
    assert any("8시간" in r for r in result.reasons)


def test_outside_the_radius_is_recorded_with_the_distance_in_korean() -> None:
    result = v.evaluate(DEST, _fix(*CHANGWON_CITY_HALL), NOON)
    assert not result.passed and not result.within_radius
    assert result.reasons[0] == "목적지에서 1.5km 떨어져 있습니다 (허용 반경 300m)"
    assert result.message == "출장지 미확인: " + result.reasons[0]


def test_radius_edge() -> None:
    # A point due north at ~299 m and ~301 m.
    metres_per_degree = 111_195.08
    near = v.evaluate(DEST, _fix(lat=DEST.lat + 299 / metres_per_degree, lon=DEST.lon), NOON)
    far = v.evaluate(DEST, _fix(lat=DEST.lat + 301 / metres_per_degree, lon=DEST.lon), NOON)
    assert near.within_radius and not far.within_radius


def test_accuracy_limit() -> None:
    assert v.evaluate(DEST, _fix(accuracy=100), NOON).accuracy_ok
    poor = v.evaluate(DEST, _fix(accuracy=150), NOON)
    assert not poor.accuracy_ok and not poor.passed
    assert "위치 정확도가 낮습니다 (150m, 기준 100m 이하)" in poor.reasons
    assert v.evaluate(DEST, _fix(accuracy=150), NOON, rules=v.Rules(accuracy_limit_m=200)).passed


@pytest.mark.parametrize("accuracy", [0.0, 0.4])
def test_suspicious_accuracy_flag_does_not_block(accuracy: float) -> None:
    result = v.evaluate(DEST, _fix(accuracy=accuracy), NOON)
    assert result.passed and result.flags == (v.FLAG_ACCURACY,)
    assert "비정상적으로 작습니다" in result.reasons[0]


def test_plausible_accuracy_is_not_flagged() -> None:
    assert v.evaluate(DEST, _fix(accuracy=3.0), NOON).flags == ()


def test_implausible_speed_since_previous_proof() -> None:
    # 325 km (Seoul) one hour ago: 325 km/h > 300 km/h.
    previous = [v.PreviousFix(37.5663, 126.9779, NOON - timedelta(hours=1)),
                v.PreviousFix(35.0, 128.0, NOON - timedelta(hours=5))]
    result = v.evaluate(DEST, _fix(), NOON, previous)
    assert v.FLAG_SPEED in result.flags and result.passed
    # Two hours ago: about 160 km/h, plausible (KTX).
    slow = [v.PreviousFix(37.5663, 126.9779, NOON - timedelta(hours=2))]
    assert v.FLAG_SPEED not in v.evaluate(DEST, _fix(), NOON, slow).flags


def test_speed_with_no_time_between_fixes_is_implausible_not_a_crash() -> None:
    previous = [v.PreviousFix(35.30, 128.70, NOON)]
    assert v.FLAG_SPEED in v.evaluate(DEST, _fix(), NOON, previous).flags


def test_clock_skew_flag_edges() -> None:
    assert v.FLAG_SKEW not in v.evaluate(DEST, _fix(at=NOON - timedelta(seconds=300)), NOON).flags
    skewed = v.evaluate(DEST, _fix(at=NOON + timedelta(seconds=301)), NOON)
    assert skewed.flags == (v.FLAG_SKEW,) and skewed.passed
    assert "5분 차이" in skewed.reasons[0]


def test_repeated_coordinates_flag() -> None:
    fix = _fix()
    previous = [v.PreviousFix(fix.lat, fix.lon, NOON - timedelta(days=1))]
    result = v.evaluate(DEST, fix, NOON, previous)
    assert v.FLAG_REPEATED in result.flags
    nearly = [v.PreviousFix(fix.lat + 1e-6, fix.lon, NOON - timedelta(days=1))]
    assert v.FLAG_REPEATED not in v.evaluate(DEST, fix, NOON, nearly).flags


def test_a_delayed_fix_is_judged_at_its_own_time_and_flagged() -> None:
    server = _kst("2025-05-20T19:30:00")  # back online after the window closed
    result = v.evaluate(DEST, _fix(at=_kst("2025-05-20T17:50:00"), delayed=True), server)
    assert result.within_window and result.passed
    assert result.flags == (v.FLAG_DELAYED,)
    assert "1시간 40분 뒤 전송" in result.reasons[0]
    assert result.judged_at == _kst("2025-05-20T17:50:00")


def test_several_failures_are_all_reported_failures_first() -> None:
    at = _kst("2025-05-20T07:00:00")
    result = v.evaluate(DEST, _fix(*CHANGWON_CITY_HALL, accuracy=0, at=at), at)
    assert not result.passed
    assert result.reasons[0].startswith("출장 시작 전")
    assert result.reasons[1].startswith("목적지에서 1.5km")
    assert result.reasons[2].startswith("위치 정확도 값(0m)")
    assert result.flags == (v.FLAG_ACCURACY,)
    assert result.summary()["distance_m"] == round(result.distance_m)
