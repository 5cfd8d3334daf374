"""Density logic: configuration, record validation, levels at every threshold edge, wait, trend,
idempotent aggregation, now/today views and the forecast from a known history."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chalicelib.cafeteria import density
from chalicelib.cafeteria.density import (
    BatchAggregate,
    CafeteriaConfig,
    ConfigError,
    MinuteRecord,
    Rejection,
    Sample,
    Zone,
    load_config,
    load_config_file,
    merge_cameras,
    parse_record,
)

ZONES_FILE = Path(density.__file__).with_name("zones.json")
KST = density.timezone(timedelta(hours=9))
NOW = datetime(2026, 11, 25, 12, 0, 30, tzinfo=KST)  # a Wednesday
NOW_MS = int(NOW.timestamp() * 1000)
MAX_AGE_MS = 3600 * 1000


@pytest.fixture
def config() -> CafeteriaConfig:
    return load_config({
        "utc_offset": "+09:00", "lunch": {"start": "11:30", "end": "13:30"},
        "zones": [
            {"id": "korean", "name": "한식", "capacity": 60, "service_rate": 6.0,
             "thresholds": {"보통": 10, "혼잡": 25, "매우혼잡": 40}, "cameras": ["k1", "k2"]},
            {"id": "salad", "name": "샐러드", "capacity": 30, "service_rate": 5.0,
             "thresholds": {"보통": 6, "혼잡": 12, "매우혼잡": 20}, "cameras": ["s1"]},
        ]})


def record(**fields: object) -> bytes:
    doc = {"camera_id": "k1", "zone": "korean", "count": 12, "ts": NOW.isoformat()}
    doc.update(fields)
    return json.dumps({k: v for k, v in doc.items() if v is not ...}).encode()


# -- configuration ---------------------------------------------------------------------------------


def test_the_checked_in_zones_file_is_valid() -> None:
    config = load_config_file(ZONES_FILE)
    assert len(config.zones) >= 3
    assert config.tz.utcoffset(None) == timedelta(hours=9)
    assert (config.lunch_start, config.lunch_end) == (690, 810)


@pytest.mark.parametrize("mutate, message", [
    (lambda c: c.update(zones=[]), "non-empty"),
    (lambda c: c["zones"][0].update(thresholds={"보통": 10, "혼잡": 5, "매우혼잡": 40}), "increase"),
    (lambda c: c["zones"][0].update(thresholds={"보통": 10, "혼잡": 25}), "exactly"),
    (lambda c: c["zones"][0].update(service_rate=0), "service_rate"),
    (lambda c: c["zones"][0].update(capacity=-1), "capacity"),
    (lambda c: c["zones"][0].update(id="Bad Id"), "id"),
    (lambda c: c["zones"].append(dict(c["zones"][0])), "unique"),
    (lambda c: c.update(utc_offset="KST"), "utc_offset"),
    (lambda c: c.update(lunch={"start": "13:30", "end": "11:30"}), "before"),
    (lambda c: c.update(lunch={"start": "11:30", "end": "13:35"}), "whole number"),
    (lambda c: c.update(lunch={"start": "25:00", "end": "26:00"}), "HH:MM"),
])
def test_a_malformed_configuration_is_refused(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    raw = json.loads(ZONES_FILE.read_text(encoding="utf-8"))
    mutate(raw)
    with pytest.raises(ConfigError, match=message):
        load_config(raw)


def test_an_unreadable_configuration_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        load_config_file(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(ConfigError):
        load_config_file(tmp_path / "bad.json")


# -- levels and wait --------------------------------------------------------------------------------


@pytest.mark.parametrize("count, expected", [
    (0, "여유"), (9, "여유"), (10, "보통"), (24, "보통"), (25, "혼잡"), (39, "혼잡"), (40, "매우혼잡"),
    (500, "매우혼잡"), (9.99, "여유"),
])
def test_levels_at_every_threshold_edge(count: float, expected: str) -> None:
    assert density.level(count, (10, 25, 40)) == expected


def test_level_codes_match_the_korean_labels() -> None:
    assert density.LEVELS == ("여유", "보통", "혼잡", "매우혼잡")
    assert density.level_index(40, (10, 25, 40)) == 3


@pytest.mark.parametrize("count, rate, expected", [
    (0, 6.0, 0.0), (1, 6.0, 0.2), (12, 6.0, 2.0), (13, 4.0, 3.2), (-3, 6.0, 0.0), (100, 3.0, 33.3),
])
def test_wait_is_queue_over_service_rate(count: int, rate: float, expected: float) -> None:
    assert density.wait_minutes(count, rate) == expected


# -- trend ---------------------------------------------------------------------------------------------


def test_trend_rising_falling_flat_and_unknown() -> None:
    up = [(600 + i, 10 + 2 * i) for i in range(5)]
    assert density.trend(up, 604, 5, 0.5) == {"direction": "up", "label": "증가", "per_minute": 2.0}
    down = [(600 + i, 20 - i) for i in range(5)]
    assert density.trend(down, 604, 5, 0.5)["direction"] == "down"
    flat = [(600, 10), (601, 11), (602, 10), (603, 11)]
    assert density.trend(flat, 603, 5, 0.5)["direction"] == "flat"
    assert density.trend([(600, 10)], 600, 5, 0.5)["direction"] == "unknown"
    assert density.trend([], 600, 5, 0.5)["per_minute"] is None


def test_trend_threshold_edge_is_inclusive_and_window_excludes_old_points() -> None:
    exactly = [(600, 10), (601, 10.5)]
    assert density.trend(exactly, 601, 5, 0.5)["direction"] == "up"
    assert density.trend([(600, 10), (601, 9.5)], 601, 5, 0.5)["direction"] == "down"
    just_below = [(600, 10), (601, 10.49)]
    assert density.trend(just_below, 601, 5, 0.5)["direction"] == "flat"
    # (now - window) is outside the window: minute 595 does not count at now=600
    assert density.trend([(595, 0), (600, 50)], 600, 5, 0.5)["direction"] == "unknown"
    assert density.trend([(596, 0), (600, 40)], 600, 5, 0.5)["per_minute"] == 10.0


# -- record validation ---------------------------------------------------------------------------------


def test_a_valid_record_parses(config: CafeteriaConfig) -> None:
    sample = parse_record(record(confidence=0.9), config, NOW_MS, MAX_AGE_MS)
    assert sample == Sample("k1", "korean", 12, NOW_MS // 1000 * 1000, 0.9)


def test_utc_z_and_other_offsets_are_accepted(config: CafeteriaConfig) -> None:
    utc = NOW.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert isinstance(parse_record(record(ts=utc), config, NOW_MS, MAX_AGE_MS), Sample)
    assert isinstance(parse_record(record(count=3.0), config, NOW_MS, MAX_AGE_MS), Sample)


@pytest.mark.parametrize("data, reason", [
    (b"{not json", "bad_json"),
    (b"\xff\xfe", "bad_json"),
    (b"[1, 2]", "not_an_object"),
    (b'"text"', "not_an_object"),
    (b"x" * 3000, "too_large"),
    (record(camera_id=...), "missing_field"),
    (record(zone=...), "missing_field"),
    (record(count=...), "missing_field"),
    (record(ts=...), "missing_field"),
    (record(count=None), "missing_field"),
    (record(camera_id=""), "bad_field"),
    (record(camera_id="cam with spaces"), "bad_field"),
    (record(camera_id=7), "bad_field"),
    (record(zone=["korean"]), "bad_field"),
    (record(zone="roof"), "unknown_zone"),
    (record(count="12"), "bad_field"),
    (record(count=True), "bad_field"),
    (record(count=1.5), "bad_field"),
    # NaN and Infinity are not JSON
    (b'{"camera_id": "k1", "zone": "korean", "count": NaN, "ts": "2026-11-25T12:00:30+09:00"}', "bad_json"),
    (b'{"camera_id": "k1", "zone": "korean", "count": Infinity, "ts": "2026-11-25T12:00:30+09:00"}',
     "bad_json"),
    (record(count=1e300), "absurd_count"),
    (record(count=-1), "negative_count"),
    (record(count=121), "absurd_count"),
    (record(count=10**30), "absurd_count"),
    (record(ts="yesterday noon"), "bad_field"),
    (record(ts=1764039630), "bad_field"),
    (record(ts="2026-11-25T12:00:30"), "ts_without_offset"),
    (record(ts="2026-11-25"), "ts_without_offset"),
    (record(ts=(NOW + timedelta(minutes=10, seconds=1)).isoformat()), "ts_in_future"),
    (record(ts=(NOW - timedelta(seconds=3601)).isoformat()), "ts_too_old"),
    (record(confidence=1.5), "bad_field"),
    (record(confidence="high"), "bad_field"),
    (record(confidence=-0.1), "bad_field"),
])
def test_every_malformed_case_is_rejected_with_a_reason(config: CafeteriaConfig, data: bytes,
                                                        reason: str) -> None:
    result = parse_record(data, config, NOW_MS, MAX_AGE_MS)
    assert isinstance(result, Rejection)
    assert result.reason == reason


def test_validation_edges_are_inclusive(config: CafeteriaConfig) -> None:
    at_limit = NOW + timedelta(minutes=10)
    assert isinstance(parse_record(record(ts=at_limit.isoformat()), config, NOW_MS, MAX_AGE_MS), Sample)
    oldest = NOW - timedelta(seconds=3600)
    assert isinstance(parse_record(record(ts=oldest.isoformat()), config, NOW_MS, MAX_AGE_MS), Sample)
    assert isinstance(parse_record(record(count=120), config, NOW_MS, MAX_AGE_MS), Sample)  # 2 × capacity
    assert isinstance(parse_record(record(count=0), config, NOW_MS, MAX_AGE_MS), Sample)
    assert isinstance(parse_record(record(confidence=0), config, NOW_MS, MAX_AGE_MS), Sample)
    assert isinstance(parse_record(record(confidence=1), config, NOW_MS, MAX_AGE_MS), Sample)


# -- aggregation ---------------------------------------------------------------------------------------------


def sample(camera: str, count: int, at: datetime, zone: str = "korean") -> Sample:
    return Sample(camera, zone, count, int(at.timestamp() * 1000))


def test_the_batch_keeps_the_latest_sample_per_camera_per_minute(config: CafeteriaConfig) -> None:
    agg = BatchAggregate(config.tz)
    t = datetime(2026, 11, 25, 12, 0, 10, tzinfo=KST)
    agg.add(sample("k1", 5, t))
    agg.add(sample("k1", 9, t + timedelta(seconds=30)))
    agg.add(sample("k1", 7, t + timedelta(seconds=20)))  # older: ignored
    agg.add(sample("k2", 4, t))
    agg.add(sample("k1", 3, t + timedelta(seconds=60)))  # next minute
    key = ("korean", "2026-11-25", "12:00")
    assert agg.minutes[key] == {"k1": (int((t + timedelta(seconds=30)).timestamp() * 1000), 9),
                                "k2": (int(t.timestamp() * 1000), 4)}
    assert ("korean", "2026-11-25", "12:01") in agg.minutes
    assert len(agg.minutes) == 2


def test_minutes_are_local_days_and_times(config: CafeteriaConfig) -> None:
    agg = BatchAggregate(config.tz)
    key = agg.add(sample("k1", 1, datetime(2026, 11, 24, 15, 5, 0, tzinfo=UTC)))  # 00:05 KST next day
    assert key == ("korean", "2026-11-25", "00:05")


def test_merge_is_idempotent_commutative_and_reports_changes() -> None:
    stored = {"k1": (1000, 5), "k2": (2000, 3)}
    merged, changed = merge_cameras(stored, {"k1": (1000, 5)})
    assert (merged, changed) == (stored, False)
    merged, changed = merge_cameras(stored, {"k1": (500, 99)})  # out of order: older ignored
    assert (merged, changed) == (stored, False)
    merged, changed = merge_cameras(stored, {"k1": (1500, 2), "k3": (100, 1)})
    assert changed and merged == {"k1": (1500, 2), "k2": (2000, 3), "k3": (100, 1)}
    a = {"k1": (1, 1), "k2": (5, 2)}
    b = {"k1": (3, 0), "k2": (4, 9)}
    assert merge_cameras(a, b)[0] == merge_cameras(b, a)[0] == {"k1": (3, 0), "k2": (5, 2)}
    # same ts, different count (producer bug): the larger count wins whatever the order
    one, other = {"k1": (7, 2)}, {"k1": (7, 5)}
    assert merge_cameras(one, other)[0] == merge_cameras(other, one)[0] == other


def test_summary_of_a_minute(config: CafeteriaConfig) -> None:
    zone = config.zone("korean")
    assert zone is not None
    summary = density.summarize_minute(zone, {"k1": (1000, 20), "k2": (3000, 6)}, config)
    assert summary == {"count": 26, "level": "혼잡", "wait_minutes": 4.3, "cameras": 2, "last_ts": 3000}


# -- now / today views ---------------------------------------------------------------------------


def minute_record(zone: str, at: datetime, cameras: dict[str, tuple[int, int]]) -> MinuteRecord:
    local = at.astimezone(KST)
    return MinuteRecord(zone, local.strftime("%Y-%m-%d"), local.strftime("%H:%M"), cameras)


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def test_now_sums_live_cameras_and_marks_a_silent_zone_stale(config: CafeteriaConfig) -> None:
    records = []
    for i in range(5):
        at = NOW - timedelta(minutes=4 - i)
        records.append(minute_record("korean", at, {"k1": (ms(at), 10 + 3 * i), "k2": (ms(at), 5)}))
    old = NOW - timedelta(minutes=3)
    records.append(minute_record("salad", old, {"s1": (ms(old), 7)}))
    view = density.now_view(config, records, NOW)
    korean, salad = view["zones"]
    assert korean["count"] == 22 + 5 and korean["level"] == "혼잡" and korean["wait_minutes"] == 4.5
    assert korean["trend"]["direction"] == "up" and korean["stale"] is False
    assert korean["cameras_reporting"] == 2 and korean["cameras_expected"] == 2
    assert salad["stale"] is True and salad["count"] == 7  # last known value, flagged
    overall = view["overall"]
    assert overall["count"] == 27 and overall["stale"] is False  # only live zones
    assert overall["level"] == "혼잡" and overall["shortest_zone"] == "korean"
    assert view["now"] == "2026-11-25T12:00:30+09:00"


def test_stale_edge_is_two_minutes(config: CafeteriaConfig) -> None:
    def view_at(age: timedelta) -> dict:  # type: ignore[type-arg]
        at = NOW - age
        return density.now_view(config, [minute_record("korean", at, {"k1": (ms(at), 3)})], NOW)["zones"][0]

    assert view_at(timedelta(seconds=119, milliseconds=999))["stale"] is False
    assert view_at(timedelta(seconds=120))["stale"] is True


def test_a_camera_that_drops_out_leaves_the_sum(config: CafeteriaConfig) -> None:
    early = NOW - timedelta(minutes=3)
    late = NOW - timedelta(seconds=10)
    records = [minute_record("korean", early, {"k1": (ms(early), 10), "k2": (ms(early), 10)}),
               minute_record("korean", late, {"k1": (ms(late), 12)})]
    korean = density.now_view(config, records, NOW)["zones"][0]
    assert (korean["count"], korean["cameras_reporting"], korean["stale"]) == (12, 1, False)


def test_no_data_at_all(config: CafeteriaConfig) -> None:
    view = density.now_view(config, [], NOW)
    assert all(z["stale"] and z["count"] is None for z in view["zones"])
    assert view["overall"] == {"count": None, "level": None, "level_code": None, "wait_minutes": None,
                               "stale": True, "updated_at": None, "shortest_zone": None}


def test_today_series_per_zone_and_overall(config: CafeteriaConfig) -> None:
    t1 = NOW.replace(minute=1, second=0)
    records = [minute_record("korean", t1, {"k1": (ms(t1), 30)}),
               minute_record("salad", t1, {"s1": (ms(t1), 5)}),
               minute_record("korean", NOW, {"k1": (ms(NOW), 12), "k2": (ms(NOW), 3)}),
               minute_record("korean", NOW - timedelta(days=1), {"k1": (0, 99)})]  # not today
    view = density.today_view(config, records, NOW)
    korean = view["zones"][0]["points"]
    assert [p["minute"] for p in korean] == ["12:00", "12:01"]
    assert korean[0] == {"minute": "12:00", "count": 15, "level": "보통", "wait_minutes": 2.5, "cameras": 2}
    assert view["overall"][1] == {"minute": "12:01", "count": 35, "level": "보통", "wait_minutes": 3.2}
    assert view["lunch"] == {"start": "11:30", "end": "13:30"}


# -- forecast ------------------------------------------------------------------------------------


def history_day(day: str, korean_by_slot: dict[str, int], salad: int = 0) -> list[MinuteRecord]:
    out = []
    for start, count in korean_by_slot.items():
        hh, mm = int(start[:2]), int(start[3:])
        for i in range(10):
            minute = f"{hh:02d}:{mm + i:02d}"
            out.append(MinuteRecord("korean", day, minute, {"k1": (0, count)}))
            if salad:
                out.append(MinuteRecord("salad", day, minute, {"s1": (0, salad)}))
    return out


def test_forecast_is_the_median_of_the_last_four_same_weekdays(config: CafeteriaConfig) -> None:
    history = {
        "2026-11-18": history_day("2026-11-18", {"11:30": 6, "12:00": 40, "13:20": 2}),
        "2026-11-11": history_day("2026-11-11", {"11:30": 12, "12:00": 30, "13:20": 4}),
        "2026-11-04": history_day("2026-11-04", {"11:30": 18, "12:00": 60, "13:20": 0}),
        "2026-10-28": history_day("2026-10-28", {"11:30": 24, "12:00": 36, "13:20": 8}),
        "2026-10-21": history_day("2026-10-21", {"11:30": 600, "12:00": 600, "13:20": 600}),  # 5th: unused
        "2026-10-14": [],
        "2026-11-19": [MinuteRecord("other", "2026-11-19", "12:00", {"x": (0, 500)})],  # unknown zone only
    }
    history["2026-11-18"].append(MinuteRecord("other", "2026-11-18", "12:00", {"x": (0, 500)}))
    at = datetime(2026, 11, 25, 11, 45, tzinfo=KST)
    view = density.forecast_view(config, {d: density.slot_means(r, config) for d, r in history.items()}, at)
    assert view["history_days"] == ["2026-11-18", "2026-11-11", "2026-11-04", "2026-10-28"]
    slots = {s["start"]: s for s in view["slots"]}
    assert len(view["slots"]) == 12 and slots["11:30"]["end"] == "11:40"
    korean_1130 = slots["11:30"]["zones"][0]
    assert korean_1130["count"] == 15.0 and korean_1130["wait_minutes"] == 2.5
    assert (korean_1130["low"], korean_1130["high"], korean_1130["days"]) == (1.0, 4.0, 4)
    assert slots["12:00"]["count"] == 38.0  # median of 40, 30, 60, 36
    assert slots["11:30"]["remaining"] is False and slots["11:40"]["remaining"] is True
    assert slots["11:50"]["wait_minutes"] is None  # no history there
    assert view["best"] == {"start": "13:20", "end": "13:30", "wait_minutes": 0.3}


def test_the_best_slot_ignores_slots_that_are_over_and_breaks_ties_early(config: CafeteriaConfig) -> None:
    history = {d: density.slot_means(history_day(d, {"11:30": 1, "12:00": 5, "12:30": 5}), config)
               for d in ("2026-11-18", "2026-11-11")}
    view = density.forecast_view(config, history, datetime(2026, 11, 25, 11, 50, tzinfo=KST))
    assert view["best"]["start"] == "12:00"
    late = density.forecast_view(config, history, datetime(2026, 11, 25, 14, 0, tzinfo=KST))
    assert late["best"] is None and not any(s["remaining"] for s in late["slots"])


def test_forecast_without_history(config: CafeteriaConfig) -> None:
    view = density.forecast_view(config, {}, NOW)
    assert view["history_days"] == [] and view["best"] is None
    assert all(s["wait_minutes"] is None for s in view["slots"])


def test_slot_means_roll_up_a_day(config: CafeteriaConfig) -> None:
    records = [MinuteRecord("korean", "d", "11:30", {"k1": (0, 4), "k2": (0, 2)}),
               MinuteRecord("korean", "d", "11:39", {"k1": (0, 10)}),
               MinuteRecord("korean", "d", "11:40", {"k1": (0, 7)}),
               MinuteRecord("korean", "d", "11:29", {"k1": (0, 99)}),  # before lunch
               MinuteRecord("korean", "d", "13:30", {"k1": (0, 99)}),  # lunch is over
               MinuteRecord("other", "d", "12:00", {"x": (0, 99)})]  # not a configured zone
    assert density.slot_means(records, config) == {"korean": {690: 8.0, 700: 7.0}}


def test_recent_keys_cover_the_window_per_zone(config: CafeteriaConfig) -> None:
    keys = density.recent_keys(config, datetime(2026, 11, 25, 0, 1, 30, tzinfo=KST), 3)
    korean = [k for k in keys if k[0] == "korean"]
    assert korean == [("korean", "2026-11-25", "00:02"), ("korean", "2026-11-25", "00:01"),
                      ("korean", "2026-11-25", "00:00"), ("korean", "2026-11-24", "23:59"),
                      ("korean", "2026-11-24", "23:58")]
    assert len(keys) == 2 * 5


def test_history_dates_are_the_same_weekday(config: CafeteriaConfig) -> None:
    dates = density.history_dates(NOW.date(), config)
    assert len(dates) == config.lookback_weeks
    assert all(d.weekday() == NOW.weekday() for d in dates) and dates[0] == NOW.date() - timedelta(days=7)


def test_zone_lookup(config: CafeteriaConfig) -> None:
    assert isinstance(config.zone("korean"), Zone) and config.zone("nope") is None


# -- issue 15: invented cameras cannot fill a zone ---------------------------------------------------------


def test_a_camera_that_is_not_configured_for_the_zone_is_rejected(config: CafeteriaConfig) -> None:
    now_ms = int(NOW.timestamp() * 1000)
    for camera in ("invented-7", "s1"):  # unknown anywhere; configured, but for another zone
        result = parse_record(record(camera_id=camera), config, now_ms, 3600_000)
        assert isinstance(result, Rejection) and result.reason == "unknown_camera", camera
        assert camera in result.detail


def test_a_zone_minute_never_holds_more_than_the_zone_can(config: CafeteriaConfig) -> None:
    zone = config.zone("korean")
    assert zone is not None
    at = ms(NOW)
    full = {"k1": (at, 120), "k2": (at, 120)}  # each within the per-record limit, together not
    assert config.people(zone, full) == config.absurd_limit(zone) == 120
    stored_before = {**full, **{f"fake-{i}": (at, 55) for i in range(12)}}  # written before the fix
    assert config.people(zone, {"fake-1": (at, 55)}) == 0
    assert density.summarize_minute(zone, stored_before, config)["count"] == 120
    view = density.now_view(config, [minute_record("korean", NOW, stored_before)], NOW)
    assert view["zones"][0]["count"] == 120
    today = density.today_view(config, [minute_record("korean", NOW, stored_before)], NOW)
    assert today["zones"][0]["points"][0]["count"] == 120
