"""Every cafeteria use case against the in-memory fakes, with an injected clock: the three read
views (now, today, forecast), the 503 on a store outage, and the stream ingest."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from chalicelib.cafeteria import density, service
from chalicelib.cafeteria.events import process_batch
from chalicelib.cafeteria.ingest import DensityIngest
from chalicelib.errors import AppError
from tests.fakes.cafeteria import FakeCafeteriaStore, FakeDeadLetters, kinesis_event

CONFIG = density.load_config_file(density.DEFAULT_ZONES_FILE)
NOW = datetime(2026, 11, 25, 12, 0, 30, tzinfo=CONFIG.tz)  # a Wednesday, lunch time


def clock() -> datetime:
    return NOW


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def key(zone: str, moment: datetime) -> density.MinuteKey:
    local = moment.astimezone(CONFIG.tz)
    return (zone, local.strftime("%Y-%m-%d"), local.strftime("%H:%M"))


@pytest.fixture
def store() -> FakeCafeteriaStore:
    return FakeCafeteriaStore()


def test_now_sums_the_live_cameras_of_each_zone(store: FakeCafeteriaStore) -> None:
    store.put(key("korean", NOW), {"cam-korean-1": (ms(NOW), 20), "cam-korean-2": (ms(NOW), 10)})
    stale = NOW - timedelta(minutes=10)
    store.put(key("salad", stale), {"cam-salad-1": (ms(stale), 9)})
    view = service.now_view(store, CONFIG, clock)
    zones = {z["zone"]: z for z in view["zones"]}
    assert zones["korean"]["count"] == 30 and zones["korean"]["level"] == "혼잡"
    assert zones["korean"]["wait_minutes"] == 5.0 and zones["korean"]["stale"] is False
    assert zones["salad"]["stale"] is True  # its camera fell silent ten minutes ago
    assert view["now"] == "2026-11-25T12:00:30+09:00"


def test_the_clock_decides_what_now_is(store: FakeCafeteriaStore) -> None:
    store.put(key("korean", NOW), {"cam-korean-1": (ms(NOW), 20)})
    later = NOW + timedelta(hours=1)
    zones = {z["zone"]: z for z in service.now_view(store, CONFIG, lambda: later)["zones"]}
    assert zones["korean"]["stale"] is True


def test_today_is_the_series_of_the_local_day(store: FakeCafeteriaStore) -> None:
    earlier = NOW - timedelta(minutes=2)
    store.put(key("korean", earlier), {"cam-korean-1": (ms(earlier), 12)})
    store.put(key("korean", NOW), {"cam-korean-1": (ms(NOW), 26)})
    yesterday = NOW - timedelta(days=1)
    store.put(key("korean", yesterday), {"cam-korean-1": (ms(yesterday), 40)})
    view = service.today_view(store, CONFIG, clock)
    points = {z["zone"]: z["points"] for z in view["zones"]}
    assert [(p["minute"], p["count"]) for p in points["korean"]] == [("11:58", 12), ("12:00", 26)]


def test_forecast_rolls_up_past_days_once_and_never_caches_an_empty_day(store: FakeCafeteriaStore) -> None:
    for weeks_ago, peak in ((1, 30), (2, 42), (3, 36), (4, 48)):
        day = NOW - timedelta(weeks=weeks_ago)
        for minute in range(CONFIG.lunch_start, CONFIG.lunch_end):
            moment = day.replace(hour=minute // 60, minute=minute % 60, second=0)
            count = peak if 12 * 60 <= minute < 12 * 60 + 10 else 6
            store.put(key("korean", moment), {"cam-korean-1": (ms(moment), count)})
    view = service.forecast_view(store, CONFIG, clock)
    slot = next(s for s in view["slots"] if s["start"] == "12:00")
    noon = next(z for z in slot["zones"] if z["zone"] == "korean")
    assert noon["count"] == 39.0 and noon["days"] == 4  # the median of 30, 42, 36, 48
    rolled = {(NOW - timedelta(weeks=w)).date().isoformat() for w in (1, 2, 3, 4)}
    assert set(store.rollups) == rolled  # weeks 5 and 6 had no data: not stored
    store.items.clear()  # the next forecast reads the roll-ups only
    assert service.forecast_view(store, CONFIG, clock)["slots"] == view["slots"]


@pytest.mark.parametrize("view", [service.now_view, service.today_view, service.forecast_view])
def test_a_store_outage_is_a_503(store: FakeCafeteriaStore, view: Any) -> None:
    store.down = True
    with pytest.raises(AppError) as raised:
        view(store, CONFIG, clock)
    assert raised.value.status == 503 and raised.value.code == "unavailable"


def test_ingest_merges_a_batch_into_one_write_per_zone_minute(store: FakeCafeteriaStore) -> None:
    dead = FakeDeadLetters()
    records = [{"camera_id": "cam-korean-1", "zone": "korean", "count": 5, "ts": NOW.isoformat()},
               {"camera_id": "cam-korean-2", "zone": "korean", "count": 7, "ts": NOW.isoformat()},
               b"not json"]
    ingest = DensityIngest(CONFIG, store, dead, now_ms=ms(NOW), max_age_ms=3600_000)
    assert process_batch(kinesis_event(records), ingest, None) == {"batchItemFailures": []}
    assert store.items[key("korean", NOW)].cameras == {"cam-korean-1": (ms(NOW), 5),
                                                       "cam-korean-2": (ms(NOW), 7)}
    assert store.saves == 1 and [m["reason"] for m in dead.messages] == ["bad_json"]
    zones = {z["zone"]: z for z in service.now_view(store, CONFIG, clock)["zones"]}
    assert zones["korean"]["count"] == 12
