"""The cafeteria API over real HTTP on the local cloud: counts put on the stream show in
/cafeteria/now and /cafeteria/today; /cafeteria/forecast stands on the stored history."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.cafeteria import density

pytestmark = pytest.mark.integration


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.mark.parametrize("path", ["/cafeteria/now", "/cafeteria/today", "/cafeteria/forecast"])
def test_the_api_needs_a_signed_in_user(api_url: str, path: str) -> None:
    status, body = get(api_url + path)
    assert status == 401 and body["error"]["code"] == "unauthorized"


def test_now_and_today_reflect_what_was_put_on_the_stream(
        zones: dict[str, str], put: Callable[..., list[str]], drain: Callable[[], int], api_url: str,
        auth_headers: Callable[..., dict[str, str]]) -> None:
    korean, salad = zones["korean"], zones["salad"]
    now = datetime.now(UTC)
    old = now - timedelta(minutes=3)
    put([{"camera_id": "k1", "zone": korean, "count": 20, "ts": (now - timedelta(minutes=2)).isoformat()},
         {"camera_id": "k1", "zone": korean, "count": 26, "ts": now.isoformat()},
         {"camera_id": "k2", "zone": korean, "count": 4, "ts": now.isoformat()},
         {"camera_id": "s1", "zone": salad, "count": 9, "ts": old.isoformat()}])
    drain()
    status, body = get(api_url + "/cafeteria/now", auth_headers("E1002"))
    assert status == 200
    by_zone = {z["zone"]: z for z in body["zones"]}
    assert by_zone[korean]["count"] == 30 and by_zone[korean]["level"] == "혼잡"
    assert by_zone[korean]["wait_minutes"] == 5.0 and by_zone[korean]["stale"] is False
    assert by_zone[korean]["trend"]["direction"] == "up" and by_zone[korean]["cameras_reporting"] == 2
    assert by_zone[salad]["stale"] is True and by_zone[salad]["count"] == 9
    assert body["overall"]["count"] == 30 and body["overall"]["stale"] is False
    status, today = get(api_url + "/cafeteria/today", auth_headers("E1001"))
    assert status == 200
    points = {z["zone"]: z["points"] for z in today["zones"]}
    local = now.astimezone(wiring.cafeteria_config().tz)
    assert points[korean][-1] == {"minute": local.strftime("%H:%M"), "count": 30, "level": "혼잡",
                                  "wait_minutes": 5.0, "cameras": 2}
    earlier = (now - timedelta(minutes=2)).astimezone(wiring.cafeteria_config().tz).strftime("%H:%M")
    assert {p["minute"]: p["count"] for p in points[korean]} == {earlier: 20, local.strftime("%H:%M"): 30}


def test_forecast_from_four_same_weekdays_of_history(
        zones: dict[str, str], api_url: str, auth_headers: Callable[..., dict[str, str]]) -> None:
    korean = zones["korean"]
    cfg = wiring.cafeteria_config()
    zone = cfg.zone(korean)
    assert zone is not None
    today = datetime.now(UTC).astimezone(cfg.tz).date()
    # asked before the history is imported: an empty past day must not be cached as a roll-up
    assert get(api_url + "/cafeteria/forecast", auth_headers("E1003"))[0] == 200
    rows = []
    for weeks_ago, peak in ((1, 30), (2, 42), (3, 36), (4, 48), (5, 300)):  # the 5th week is not used
        day = today - timedelta(weeks=weeks_ago)
        for minute in range(cfg.lunch_start, cfg.lunch_end):
            count = peak if 12 * 60 <= minute < 12 * 60 + 10 else 6
            cams = {"k1": (0, count)}
            rows.append(((korean, day.isoformat(), f"{minute // 60:02d}:{minute % 60:02d}"), cams,
                         density.summarize_minute(zone, cams, cfg)))
    wiring.cafeteria_store().put_minutes(rows, expires_at=2_000_000_000)
    status, body = get(api_url + "/cafeteria/forecast", auth_headers("E1003"))
    assert status == 200
    assert body["history_days"] == [(today - timedelta(weeks=w)).isoformat() for w in (1, 2, 3, 4)]
    slots = {s["start"]: s for s in body["slots"]}
    noon = next(z for z in slots["12:00"]["zones"] if z["zone"] == korean)
    assert noon["count"] == 39.0 and noon["wait_minutes"] == 6.5  # median of 30, 42, 36, 48
    assert (noon["low"], noon["high"], noon["days"]) == (5.0, 8.0, 4)
    # the past days were rolled up once and stored: the next forecast reads four items
    rolled = wiring.cafeteria_store().summaries([(today - timedelta(weeks=1)).isoformat()])
    assert rolled[(today - timedelta(weeks=1)).isoformat()][korean][12 * 60] == 30.0
    assert get(api_url + "/cafeteria/forecast", auth_headers("E1003"))[1]["slots"] == body["slots"]
    remaining = [s for s in body["slots"] if s["remaining"] and s["wait_minutes"] is not None]
    if remaining:
        best = min(remaining, key=lambda s: (s["wait_minutes"], s["start"]))
        assert body["best"] == {"start": best["start"], "end": best["end"],
                                "wait_minutes": best["wait_minutes"]}
        assert body["best"]["start"] != "12:00"
    else:
        assert body["best"] is None


def test_a_store_outage_is_a_503_with_a_json_error(
        zones: dict[str, str], api_url: str, auth_headers: Callable[..., dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.settings import get_settings

    monkeypatch.setenv("GDESK_CAFETERIA_TABLE", "gdesk-missing-table")  # a real DynamoDB error
    get_settings.cache_clear()
    wiring.reset()
    for path in ("/cafeteria/now", "/cafeteria/today", "/cafeteria/forecast"):
        status, body = get(api_url + path, auth_headers("E1001"))
        assert status == 503 and body["error"]["code"] == "unavailable", (path, body)
