"""The counter's configuration: one small JSON file per camera, validated on load (pure).

Zone polygons are in *normalised* image coordinates (0..1 from the left/top edge), so the same
file works at any camera resolution. A zone without a polygon is the whole frame.

```json
{"camera_id": "cam-korean-1", "source": "rtsp://10.0.0.21/stream1",
 "stream": "gdesk-prod-DensityStream", "region": "ap-northeast-2",
 "zones": [{"id": "korean", "polygon": [[0.05, 0.30], [0.60, 0.25], [0.70, 0.95], [0.02, 0.98]]}]}
```
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from gdesk_counter.records import CAMERA_ID, ZONE_ID

METHODS = ("occupancy", "hog", "hybrid")
WHOLE_FRAME = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
Point = tuple[float, float]


class ConfigError(ValueError):
    """The configuration (file or command line) is wrong; the message says where."""


@dataclass(frozen=True)
class ZoneSpec:
    id: str
    polygon: tuple[Point, ...] = WHOLE_FRAME


@dataclass(frozen=True)
class CounterConfig:
    camera_id: str = "cam-1"
    source: str = "0"
    zones: tuple[ZoneSpec, ...] = (ZoneSpec("korean"),)
    stream: str = "gdesk-local-DensityStream"
    region: str = "ap-northeast-2"
    endpoint: str | None = None
    method: str = "occupancy"
    report_seconds: float = 10.0  # one record per zone this often (also the heartbeat)
    sample_fps: float = 2.0  # frames counted per second; the record carries their median
    background_seconds: float = 300.0  # the background is the median of this much recent video
    width: int = 640  # frames are scaled to this width before counting
    spool: str = "~/.gdesk-counter/spool.sqlite"
    spool_max_records: int = 50_000
    max_record_age_seconds: int = 3300  # the stream function rejects records older than 1 h


def parse_polygon(raw: Any, where: str) -> tuple[Point, ...]:
    if not isinstance(raw, list | tuple) or len(raw) < 3:
        raise ConfigError(f"{where}: a polygon needs at least 3 points")
    points: list[Point] = []
    for i, point in enumerate(raw):
        if (not isinstance(point, list | tuple) or len(point) != 2
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)):
            raise ConfigError(f"{where}[{i}]: a point is [x, y]")
        x, y = float(point[0]), float(point[1])
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            raise ConfigError(f"{where}[{i}]: coordinates are fractions of the image, 0..1; got {x}, {y}")
        points.append((x, y))
    if abs(polygon_area(points)) < 1e-4:
        raise ConfigError(f"{where}: the polygon has no area")
    return tuple(points)


def polygon_area(points: list[Point] | tuple[Point, ...]) -> float:
    following = [*points[1:], points[0]]
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, following, strict=True))


def parse_zone_arg(text: str) -> ZoneSpec:
    """``korean`` (the whole frame) or ``korean=0.1,0.2;0.9,0.2;0.9,0.9;0.1,0.9``."""
    zone_id, _, spec = text.partition("=")
    if not ZONE_ID.match(zone_id):
        raise ConfigError(f"--zone {text!r}: the zone id must be 1-32 of a-z 0-9 _ -")
    if not spec:
        return ZoneSpec(zone_id)
    try:
        raw = [[float(v) for v in pair.split(",")] for pair in spec.split(";") if pair.strip()]
    except ValueError as exc:
        raise ConfigError(f"--zone {text!r}: points are x,y;x,y;… ({exc})") from exc
    return ZoneSpec(zone_id, parse_polygon(raw, f"--zone {zone_id}"))


def _zone(raw: Any, index: int) -> ZoneSpec:
    if not isinstance(raw, dict):
        raise ConfigError(f"zones[{index}] must be an object")
    zone_id = raw.get("id")
    if not isinstance(zone_id, str) or not ZONE_ID.match(zone_id):
        raise ConfigError(f"zones[{index}].id must be 1-32 of a-z 0-9 _ -, got {zone_id!r}")
    if "polygon" not in raw:
        return ZoneSpec(zone_id)
    return ZoneSpec(zone_id, parse_polygon(raw["polygon"], f"zones[{index}].polygon"))


def load_config(raw: dict[str, Any], base: CounterConfig | None = None) -> CounterConfig:
    if not isinstance(raw, dict):
        raise ConfigError("the configuration must be a JSON object")
    known = {f.name for f in fields(CounterConfig)}
    unknown = sorted(set(raw) - known - {"_comment"})
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    values: dict[str, Any] = {k: v for k, v in raw.items() if k in known}
    if "zones" in values:
        if not isinstance(values["zones"], list) or not values["zones"]:
            raise ConfigError("zones must be a non-empty list")
        values["zones"] = tuple(_zone(z, i) for i, z in enumerate(values["zones"]))
    return validate(replace(base or CounterConfig(), **values))


def validate(config: CounterConfig) -> CounterConfig:
    if not isinstance(config.camera_id, str) or not CAMERA_ID.match(config.camera_id):
        raise ConfigError(f"camera_id must match {CAMERA_ID.pattern}, got {config.camera_id!r}")
    if len({z.id for z in config.zones}) != len(config.zones) or not config.zones:
        raise ConfigError("zone ids must be unique and there must be at least one zone")
    if config.method not in METHODS:
        raise ConfigError(f"method must be one of {', '.join(METHODS)}, got {config.method!r}")
    for name, low in (("report_seconds", 0.5), ("sample_fps", 0.05), ("background_seconds", 1.0)):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
            raise ConfigError(f"{name} must be a number ≥ {low}, got {value!r}")
    for name, low in (("width", 160), ("spool_max_records", 10), ("max_record_age_seconds", 60)):
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ConfigError(f"{name} must be an integer ≥ {low}, got {value!r}")
    if not isinstance(config.stream, str) or not config.stream:
        raise ConfigError("stream is required")
    return config


def load_config_file(path: str | Path) -> CounterConfig:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    return load_config(raw)


def to_json(config: CounterConfig) -> dict[str, Any]:
    doc: dict[str, Any] = {f.name: getattr(config, f.name) for f in fields(config)}
    doc["zones"] = [{"id": z.id, "polygon": [list(p) for p in z.polygon]} for z in config.zones]
    return doc
