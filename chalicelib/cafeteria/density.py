"""Cafeteria crowding: camera counts → per zone per minute density, levels, waits, trend, forecast.

Pure: plain values in, plain values out; no boto3, no Chalice, no clock (``now`` is passed in).

The counting model
------------------
A camera reports the number of people queueing in its zone (``count``) at time ``ts``. Per zone
and local minute we keep, for each camera, only its *latest* sample in that minute, ordered by
``(ts, count)``. The minute's count is the sum over its cameras (each camera watches its own part
of the queue). Because "keep the larger ``(ts, count)``" is commutative, associative and
idempotent, applying the same records twice, in any order or in any split into batches, gives
the same aggregate: Kinesis redelivery and out-of-order records change nothing.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, NamedTuple

import orjson

LEVELS = ("여유", "보통", "혼잡", "매우혼잡")
LEVEL_CODES = ("free", "normal", "busy", "very_busy")
TRENDS = {"up": "증가", "down": "감소", "flat": "유지", "unknown": "알 수 없음"}

MAX_RECORD_BYTES = 2048  # a count record is ~120 bytes; anything far larger is not one
_CAMERA_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


class ConfigError(ValueError):
    """The zones configuration is malformed (raised at start-up, never per record)."""


# -- configuration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Zone:
    id: str
    name: str
    capacity: int
    service_rate: float  # people served per minute
    thresholds: tuple[int, int, int]  # queue length at which 보통, 혼잡, 매우혼잡 start
    cameras: tuple[str, ...] = ()  # the cameras of this zone: the only ones whose counts are taken



@dataclass(frozen=True)
class CafeteriaConfig:
    zones: tuple[Zone, ...]
    utc_offset_minutes: int = 540
    lunch_start: int = 11 * 60 + 30  # minute of the local day
    lunch_end: int = 13 * 60 + 30
    slot_minutes: int = 10
    trend_window_minutes: int = 5
    trend_threshold_per_minute: float = 0.5
    stale_seconds: int = 120
    future_tolerance_seconds: int = 600
    absurd_factor: float = 2.0
    history_weeks: int = 4
    lookback_weeks: int = 6
    retention_days: int = 60
    # Configured cameras the demo simulator leaves to someone else (a test's own camera).
    demo_silent_cameras: tuple[str, ...] = ()
    _by_id: dict[str, Zone] = field(default_factory=dict, compare=False, repr=False)

    _limits: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({z.id: z for z in self.zones})
        self._limits.update({z.id: int(z.capacity * self.absurd_factor) for z in self.zones})

    @property
    def tz(self) -> timezone:
        return timezone(timedelta(minutes=self.utc_offset_minutes))

    def zone(self, zone_id: str) -> Zone | None:
        return self._by_id.get(zone_id)

    def absurd_limit(self, zone: Zone) -> int:
        return self._limits[zone.id]

    def people(self, zone: Zone, cameras: Mapping[str, CameraSample]) -> int:
        """A zone-minute's total: the zone's own cameras only, and never more than the zone can
        physically hold (``capacity × absurd_factor``), whatever was stored before."""
        total = sum(count for camera, (_, count) in cameras.items() if camera in zone.cameras)
        return min(total, self._limits[zone.id])


def _minute_of_day(text: Any, name: str) -> int:
    match = _HHMM.match(str(text))
    if not match:
        raise ConfigError(f"{name} must be HH:MM, got {text!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def _positive(value: Any, name: str, kind: type = float) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}")
    if kind is int and value != int(value):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    return kind(value)


def _zone(raw: Any, index: int) -> Zone:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"zones[{index}] must be an object")
    zone_id = raw.get("id")
    if not isinstance(zone_id, str) or not re.match(r"^[a-z0-9_-]{1,32}$", zone_id):
        raise ConfigError(f"zones[{index}].id must be 1-32 of a-z 0-9 _ -, got {zone_id!r}")
    thresholds_raw = raw.get("thresholds")
    if not isinstance(thresholds_raw, Mapping) or set(thresholds_raw) != set(LEVELS[1:]):
        raise ConfigError(f"zones[{index}].thresholds must give exactly {', '.join(LEVELS[1:])}")
    thresholds = tuple(_positive(thresholds_raw[name], f"{zone_id}.thresholds.{name}", int)
                       for name in LEVELS[1:])
    if not thresholds[0] < thresholds[1] < thresholds[2]:
        raise ConfigError(f"{zone_id}.thresholds must increase: {thresholds}")
    cameras = raw.get("cameras", [])
    if not isinstance(cameras, list) or not all(isinstance(c, str) and _CAMERA_ID.match(c) for c in cameras):
        raise ConfigError(f"{zone_id}.cameras must be a list of camera ids")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{zone_id}.name is required")
    return Zone(id=zone_id, name=name, capacity=_positive(raw.get("capacity"), f"{zone_id}.capacity", int),
                service_rate=_positive(raw.get("service_rate"), f"{zone_id}.service_rate"),
                thresholds=(thresholds[0], thresholds[1], thresholds[2]), cameras=tuple(cameras))


def load_config(raw: Mapping[str, Any]) -> CafeteriaConfig:
    """Validate a zones configuration document (see ``zones.json``)."""
    zones_raw = raw.get("zones")
    if not isinstance(zones_raw, list) or not zones_raw:
        raise ConfigError("zones must be a non-empty list")
    zones = tuple(_zone(z, i) for i, z in enumerate(zones_raw))
    if len({z.id for z in zones}) != len(zones):
        raise ConfigError("zone ids must be unique")
    offset = _OFFSET.match(str(raw.get("utc_offset", "+09:00")))
    if not offset:
        raise ConfigError("utc_offset must be ±HH:MM")
    sign = -1 if offset.group(1) == "-" else 1
    lunch = raw.get("lunch") or {"start": "11:30", "end": "13:30"}
    start = _minute_of_day(lunch.get("start"), "lunch.start")
    end = _minute_of_day(lunch.get("end"), "lunch.end")
    if start >= end:
        raise ConfigError("lunch.start must be before lunch.end")
    slot = _positive(raw.get("slot_minutes", 10), "slot_minutes", int)
    if (end - start) % slot:
        raise ConfigError("the lunch window must be a whole number of slots")
    return CafeteriaConfig(
        zones=zones,
        utc_offset_minutes=sign * (int(offset.group(2)) * 60 + int(offset.group(3))),
        lunch_start=start, lunch_end=end, slot_minutes=slot,
        trend_window_minutes=_positive(raw.get("trend_window_minutes", 5), "trend_window_minutes", int),
        trend_threshold_per_minute=_positive(raw.get("trend_threshold_per_minute", 0.5),
                                             "trend_threshold_per_minute"),
        stale_seconds=_positive(raw.get("stale_seconds", 120), "stale_seconds", int),
        future_tolerance_seconds=_positive(raw.get("future_tolerance_seconds", 600),
                                           "future_tolerance_seconds", int),
        absurd_factor=_positive(raw.get("absurd_factor", 2.0), "absurd_factor"),
        history_weeks=_positive(raw.get("history_weeks", 4), "history_weeks", int),
        lookback_weeks=_positive(raw.get("lookback_weeks", 6), "lookback_weeks", int),
        retention_days=_positive(raw.get("retention_days", 60), "retention_days", int),
        demo_silent_cameras=tuple(str(c) for c in raw.get("demo_silent_cameras") or ()),
    )


DEFAULT_ZONES_FILE = Path(__file__).with_name("zones.json")


@dataclass(frozen=True)
class ReplayClock:
    """A clock that runs ``speed`` times faster than the wall clock from a simulated start (the
    demo's lunch hour in minutes); the real time is read from ``time.time`` at every call. Its
    type says that what it tells is a replay, so the pages can say so."""

    real_anchor: float
    simulated_anchor: float
    speed: float

    def __call__(self) -> datetime:
        elapsed = time.time() - self.real_anchor
        return datetime.fromtimestamp(self.simulated_anchor + elapsed * self.speed, UTC)


def scaled_clock(real_anchor: float, simulated_anchor: float, speed: float) -> Callable[[], datetime]:
    return ReplayClock(real_anchor, simulated_anchor, speed)


def replay_note(clock: Callable[[], datetime], real_now: datetime,
                config: CafeteriaConfig) -> dict[str, Any] | None:
    """What the page needs to say that it shows a replay (speed, the real time); None on the
    wall clock, i.e. in every deployment."""
    if not isinstance(clock, ReplayClock):
        return None
    return {"speed": clock.speed, "real_now": real_now.astimezone(config.tz).isoformat(timespec="seconds")}


def load_config_file(path: str | Path) -> CafeteriaConfig:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read zones configuration {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a JSON object")
    return load_config(raw)


# -- levels, waits, trend ---------------------------------------------------------------------------


def level_index(count: float, thresholds: Sequence[float]) -> int:
    """0 (여유) … 3 (매우혼잡): how many thresholds the count has reached (a threshold is inclusive)."""
    return sum(1 for limit in thresholds if count >= limit)


def level(count: float, thresholds: Sequence[float]) -> str:
    return LEVELS[level_index(count, thresholds)]


def wait_minutes(count: float, service_rate: float) -> float:
    """Expected wait for someone joining the queue now: queue length ÷ service rate, 0.1 min steps."""
    if count <= 0:
        return 0.0
    return round(count / service_rate, 1)


def trend(points: Iterable[tuple[int, float]], now_minute: int, window: int,
          threshold: float) -> dict[str, Any]:
    """Least-squares slope (people per minute) over the points in ``(now - window, now]``.

    ``points`` are ``(minute index, count)``; fewer than two in the window → ``unknown``.
    """
    recent = [(m, c) for m, c in points if now_minute - window < m <= now_minute]
    if len(recent) < 2:
        return {"direction": "unknown", "label": TRENDS["unknown"], "per_minute": None}
    mean_m = sum(m for m, _ in recent) / len(recent)
    mean_c = sum(c for _, c in recent) / len(recent)
    var = sum((m - mean_m) ** 2 for m, _ in recent)
    slope = sum((m - mean_m) * (c - mean_c) for m, c in recent) / var
    slope = round(slope, 2)
    direction = "up" if slope >= threshold else "down" if slope <= -threshold else "flat"
    return {"direction": direction, "label": TRENDS[direction], "per_minute": slope}


# -- records ------------------------------------------------------------------------------------------


class Sample(NamedTuple):
    """A valid count (a NamedTuple: 10,000 of them are built per batch, and tuples are cheap)."""

    camera_id: str
    zone: str
    queue: int  # the record's ``count`` (a tuple already has a ``count`` method)
    ts_ms: int  # epoch milliseconds
    confidence: float | None = None


class Rejection(NamedTuple):
    reason: str  # a stable code: bad_json, missing_field, ts_in_future, …
    detail: str


_REQUIRED = ("camera_id", "zone", "count", "ts")


def parse_record(data: bytes, config: CafeteriaConfig, now_ms: int, max_age_ms: int) -> Sample | Rejection:
    """Validate one record of the ingest contract ``{camera_id, zone, count, ts, confidence?}``."""
    doc = _decode(data)
    if isinstance(doc, Rejection):
        return doc
    camera_id, zone_id, ts = doc["camera_id"], doc["zone"], doc["ts"]
    if not isinstance(camera_id, str) or not _CAMERA_ID.match(camera_id):
        return Rejection("bad_field", "camera_id")
    if not isinstance(zone_id, str):
        return Rejection("bad_field", "zone")
    zone = config.zone(zone_id)
    if zone is None:
        return Rejection("unknown_zone", zone_id[:64])
    if camera_id not in zone.cameras:  # invented cameras cannot fill a zone (issue 15)
        return Rejection("unknown_camera", f"{camera_id[:64]} is not a camera of {zone_id}")
    count = _check_count(doc["count"], config.absurd_limit(zone))
    if isinstance(count, Rejection):
        return count
    ts_ms = _parse_ts(ts)
    if isinstance(ts_ms, Rejection):
        return ts_ms
    if ts_ms > now_ms + config.future_tolerance_seconds * 1000:
        return Rejection("ts_in_future", ts)
    if ts_ms < now_ms - max_age_ms:
        return Rejection("ts_too_old", ts)
    confidence = doc.get("confidence")
    if confidence is not None and not _is_number(confidence, 0, 1):
        return Rejection("bad_field", "confidence")
    return Sample(camera_id, zone_id, count, ts_ms, None if confidence is None else float(confidence))


def _decode(data: bytes) -> dict[str, Any] | Rejection:
    if len(data) > MAX_RECORD_BYTES:
        return Rejection("too_large", f"{len(data)} bytes (at most {MAX_RECORD_BYTES})")
    try:
        doc = orjson.loads(data)  # 4-5x the standard library's speed; rejects NaN, Infinity, bad UTF-8
    except orjson.JSONDecodeError as exc:
        return Rejection("bad_json", str(exc)[:200])
    if not isinstance(doc, dict):
        return Rejection("not_an_object", type(doc).__name__)
    for name in _REQUIRED:
        if doc.get(name) is None:
            return Rejection("missing_field", name)
    return doc


def _is_number(value: Any, low: float, high: float) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) and low <= value <= high


def _check_count(count: Any, limit: int) -> int | Rejection:
    if (isinstance(count, bool) or not isinstance(count, (int, float)) or not math.isfinite(count)
            or count != int(count)):
        return Rejection("bad_field", "count")
    if count < 0:
        return Rejection("negative_count", str(count))
    if count > limit:
        return Rejection("absurd_count", f"{count} > {limit}")
    return int(count)


def _parse_ts(ts: Any) -> int | Rejection:
    if not isinstance(ts, str) or not 10 <= len(ts) <= 40:
        return Rejection("bad_field", "ts")
    try:
        parsed = datetime.fromisoformat(ts)
    except ValueError:
        return Rejection("bad_field", "ts")
    if parsed.tzinfo is None:
        return Rejection("ts_without_offset", ts)
    return int(parsed.timestamp() * 1000)


# -- aggregation ------------------------------------------------------------------------------------

MinuteKey = tuple[str, str, str]  # (zone id, local date YYYY-MM-DD, local minute HH:MM)
CameraSample = tuple[int, int]  # (ts_ms, count): ordered, the larger wins


def minute_key(zone_id: str, ts_ms: int, tz: timezone) -> MinuteKey:
    local = datetime.fromtimestamp(ts_ms // 1000, tz)
    return zone_id, local.strftime("%Y-%m-%d"), local.strftime("%H:%M")


class BatchAggregate:
    """The batch's samples reduced to the latest per camera per zone-minute (before any store I/O)."""

    def __init__(self, tz: timezone) -> None:
        self.tz = tz
        self.minutes: dict[MinuteKey, dict[str, CameraSample]] = {}
        self._key_cache: dict[tuple[str, int], MinuteKey] = {}

    def add(self, sample: Sample) -> MinuteKey:
        bucket = sample.ts_ms // 60000
        cache_key = (sample.zone, bucket)
        key = self._key_cache.get(cache_key)
        if key is None:
            key = self._key_cache[cache_key] = minute_key(sample.zone, bucket * 60000, self.tz)
        cameras = self.minutes.setdefault(key, {})
        new = (sample.ts_ms, sample.queue)
        old = cameras.get(sample.camera_id)
        if old is None or new > old:
            cameras[sample.camera_id] = new
        return key


def merge_cameras(stored: Mapping[str, CameraSample],
                  incoming: Mapping[str, CameraSample]) -> tuple[dict[str, CameraSample], bool]:
    """Stored ⊔ incoming (latest per camera); ``changed`` is False when incoming adds nothing."""
    merged = dict(stored)
    changed = False
    for camera, sample in incoming.items():
        old = merged.get(camera)
        if old is None or sample > old:
            merged[camera] = sample
            changed = True
    return merged, changed


def summarize_minute(zone: Zone, cameras: Mapping[str, CameraSample], config: CafeteriaConfig
                     ) -> dict[str, Any]:
    """The derived fields of one zone-minute (stored with it so reads need no recomputation)."""
    count = config.people(zone, cameras)
    return {"count": count, "level": level(count, zone.thresholds),
            "wait_minutes": wait_minutes(count, zone.service_rate), "cameras": len(cameras),
            "last_ts": max((t for t, _ in cameras.values()), default=0)}


# -- reading: now, today, forecast -------------------------------------------------------------------


@dataclass(frozen=True)
class MinuteRecord:
    """One stored zone-minute as the store returns it."""

    zone: str
    date: str
    minute: str
    cameras: Mapping[str, CameraSample]

    @property
    def minute_index(self) -> int:
        return int(self.minute[:2]) * 60 + int(self.minute[3:])

    @property
    def count(self) -> int:
        return sum(c for _, c in self.cameras.values())


def local_now(now: datetime, config: CafeteriaConfig) -> datetime:
    return now.astimezone(config.tz)


def _iso(ts_ms: int, config: CafeteriaConfig) -> str:
    return datetime.fromtimestamp(ts_ms / 1000, config.tz).isoformat(timespec="seconds")


def zone_now(zone: Zone, records: Sequence[MinuteRecord], now: datetime,
             config: CafeteriaConfig) -> dict[str, Any]:
    """The zone as it is now: each camera's latest sample within the staleness window, summed.

    A camera silent for longer than ``stale_seconds`` drops out of the sum (``cameras_reporting``
    says so); a zone with no live camera is ``stale`` and keeps its last known values.
    """
    now_ms = int(now.timestamp() * 1000)
    latest: dict[str, CameraSample] = {}
    for record in records:
        for camera, sample in record.cameras.items():
            if sample[0] <= now_ms + config.future_tolerance_seconds * 1000:
                old = latest.get(camera)
                if old is None or sample > old:
                    latest[camera] = sample
    live = {c: s for c, s in latest.items() if now_ms - s[0] < config.stale_seconds * 1000}
    base = {"zone": zone.id, "name": zone.name, "capacity": zone.capacity,
            "cameras_expected": len(zone.cameras) or None}
    if not latest:
        return {**base, "count": None, "level": None, "level_code": None, "wait_minutes": None,
                "trend": trend([], 0, 1, 1), "updated_at": None, "stale": True, "cameras_reporting": 0}
    newest = max(t for t, _ in latest.values())
    chosen = live or {c: s for c, s in latest.items() if newest - s[0] < config.stale_seconds * 1000}
    count = config.people(zone, chosen)
    index = level_index(count, zone.thresholds)
    now_minute = local_now(now, config)
    points = [(r.minute_index, config.people(zone, r.cameras)) for r in records
              if r.date == now_minute.strftime("%Y-%m-%d")]
    return {**base, "count": count, "level": LEVELS[index], "level_code": LEVEL_CODES[index],
            "wait_minutes": wait_minutes(count, zone.service_rate),
            "occupancy": round(count / zone.capacity, 2),
            "trend": trend(points, now_minute.hour * 60 + now_minute.minute, config.trend_window_minutes,
                           config.trend_threshold_per_minute),
            "updated_at": _iso(newest, config),
            "stale": not live, "cameras_reporting": len(live)}


def overall_now(config: CafeteriaConfig, zones: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """All live zones together: total queue, level against the summed thresholds, average wait."""
    live = [(config.zone(z["zone"]), z) for z in zones if not z["stale"]]
    if not live:
        return {"count": None, "level": None, "level_code": None, "wait_minutes": None, "stale": True,
                "updated_at": max((z["updated_at"] for z in zones if z["updated_at"]), default=None),
                "shortest_zone": None}
    count = sum(z["count"] for _, z in live)
    thresholds = [sum(zone.thresholds[i] for zone, _ in live if zone) for i in range(3)]
    rate = sum(zone.service_rate for zone, _ in live if zone)
    index = level_index(count, thresholds)
    shortest = min(live, key=lambda pair: (pair[1]["wait_minutes"], pair[1]["zone"]))[1]
    return {"count": count, "level": LEVELS[index], "level_code": LEVEL_CODES[index],
            "wait_minutes": wait_minutes(count, rate), "stale": False,
            "updated_at": max(z["updated_at"] for _, z in live), "shortest_zone": shortest["zone"]}


def now_view(config: CafeteriaConfig, records: Sequence[MinuteRecord], now: datetime) -> dict[str, Any]:
    by_zone: dict[str, list[MinuteRecord]] = {z.id: [] for z in config.zones}
    for record in records:
        by_zone.setdefault(record.zone, []).append(record)
    zones = [zone_now(zone, by_zone[zone.id], now, config) for zone in config.zones]
    return {"now": local_now(now, config).isoformat(timespec="seconds"),
            "overall": overall_now(config, zones), "zones": zones}


def today_view(config: CafeteriaConfig, records: Sequence[MinuteRecord], now: datetime) -> dict[str, Any]:
    """Today's per-minute series, per zone and overall (the sum of the zones in that minute)."""
    today = local_now(now, config).strftime("%Y-%m-%d")
    series: dict[str, list[dict[str, Any]]] = {z.id: [] for z in config.zones}
    totals: dict[str, int] = {}
    for record in sorted(records, key=lambda r: (r.zone, r.minute)):
        zone = config.zone(record.zone)
        if zone is None or record.date != today:
            continue
        count = config.people(zone, record.cameras)
        series[zone.id].append({"minute": record.minute, "count": count,
                                "level": level(count, zone.thresholds),
                                "wait_minutes": wait_minutes(count, zone.service_rate),
                                "cameras": len(record.cameras)})
        totals[record.minute] = totals.get(record.minute, 0) + count
    rate = sum(z.service_rate for z in config.zones)
    thresholds = [sum(z.thresholds[i] for z in config.zones) for i in range(3)]
    overall = [{"minute": m, "count": c, "level": level(c, thresholds), "wait_minutes": wait_minutes(c, rate)}
               for m, c in sorted(totals.items())]
    return {"date": today, "now": local_now(now, config).isoformat(timespec="seconds"),
            "lunch": {"start": _hhmm(config.lunch_start), "end": _hhmm(config.lunch_end)},
            "overall": overall,
            "zones": [{"zone": z.id, "name": z.name, "points": series[z.id]} for z in config.zones]}


def _hhmm(minute_of_day: int) -> str:
    return f"{minute_of_day // 60:02d}:{minute_of_day % 60:02d}"


def history_dates(today: date, config: CafeteriaConfig) -> list[date]:
    """The same weekday in the previous ``lookback_weeks`` weeks, newest first."""
    return [today - timedelta(weeks=w) for w in range(1, config.lookback_weeks + 1)]


SlotMeans = dict[str, dict[int, float]]  # zone → slot start (minute of day) → mean queue


def slot_means(records: Iterable[MinuteRecord], config: CafeteriaConfig) -> SlotMeans:
    """A day rolled up for the forecast: per configured zone and lunch slot, the mean per-minute
    count over the slot's minutes that have data. Past days never change, so this is stored."""
    sums: dict[tuple[str, int], list[int]] = {}
    for record in records:
        m = record.minute_index
        zone = config.zone(record.zone)
        if zone is None or not config.lunch_start <= m < config.lunch_end:
            continue
        start = config.lunch_start + (m - config.lunch_start) // config.slot_minutes * config.slot_minutes
        acc = sums.setdefault((record.zone, start), [0, 0])
        acc[0] += config.people(zone, record.cameras)
        acc[1] += 1
    out: SlotMeans = {}
    for (zone_id, start), (total, n) in sums.items():
        out.setdefault(zone_id, {})[start] = round(total / n, 2)
    return out


def forecast_view(config: CafeteriaConfig, history: Mapping[str, Mapping[str, Mapping[int, float]]],
                  now: datetime) -> dict[str, Any]:
    """Expected queue and wait per slot of the lunch window from the same weekday's history.

    ``history`` maps a past date (YYYY-MM-DD) to its ``slot_means``. The newest ``history_weeks``
    days with data for the configured zones are used; each slot's expectation is the median over
    those days of the slot's mean queue, and the band is their minimum and maximum. The best slot
    is the remaining slot (not yet over) with the shortest expected overall wait, earliest on a tie.
    """
    local = local_now(now, config)
    now_minute = local.hour * 60 + local.minute
    known = {d: {z: dict(means) for z, means in day.items() if config.zone(z) is not None and means}
             for d, day in history.items()}
    days = [d for d in sorted(known, reverse=True) if known[d]][:config.history_weeks]
    rate_total = sum(z.service_rate for z in config.zones)
    slots = []
    for start in range(config.lunch_start, config.lunch_end, config.slot_minutes):
        zones_out = []
        for zone in config.zones:
            values = [known[d][zone.id][start] for d in days if start in known[d].get(zone.id, {})]
            zones_out.append({"zone": zone.id, **_expectation(values, zone.service_rate)})
        totals = [sum(means[start] for means in known[d].values() if start in means) for d in days
                  if any(start in means for means in known[d].values())]
        slots.append({"start": _hhmm(start), "end": _hhmm(start + config.slot_minutes),
                      "remaining": start + config.slot_minutes > now_minute,
                      **_expectation(totals, rate_total), "zones": zones_out})
    candidates = [s for s in slots if s["remaining"] and s["wait_minutes"] is not None]
    best = min(candidates, key=lambda s: (s["wait_minutes"], s["start"])) if candidates else None
    return {"date": local.strftime("%Y-%m-%d"), "now": local.isoformat(timespec="seconds"),
            "weekday": local.weekday(), "history_days": days, "slot_minutes": config.slot_minutes,
            "slots": slots, "best": {"start": best["start"], "end": best["end"],
                                     "wait_minutes": best["wait_minutes"]} if best else None}


def recent_keys(config: CafeteriaConfig, now: datetime, minutes: int) -> list[MinuteKey]:
    """Every zone's minute keys from ``minutes`` ago up to the next minute (clock skew)."""
    local = local_now(now, config).replace(second=0, microsecond=0)
    moments = [local - timedelta(minutes=m) for m in range(-1, minutes + 1)]
    return [(zone.id, m.strftime("%Y-%m-%d"), m.strftime("%H:%M")) for zone in config.zones for m in moments]


def _expectation(values: Sequence[float], rate: float) -> dict[str, Any]:
    if not values:
        return {"count": None, "wait_minutes": None, "low": None, "high": None, "days": 0}
    median = statistics.median(values)
    return {"count": round(median, 1), "wait_minutes": wait_minutes(median, rate),
            "low": wait_minutes(min(values), rate), "high": wait_minutes(max(values), rate),
            "days": len(values)}


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
