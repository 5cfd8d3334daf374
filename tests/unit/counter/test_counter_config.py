"""The counter's configuration file and --zone arguments: every mistake is named before anything runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gdesk_counter.config import (
    WHOLE_FRAME,
    ConfigError,
    CounterConfig,
    load_config,
    load_config_file,
    parse_zone_arg,
    to_json,
)

POLYGON = [[0.1, 0.2], [0.6, 0.2], [0.6, 0.9], [0.1, 0.9]]


def test_a_full_file_round_trips(tmp_path: Path) -> None:
    doc = {"camera_id": "cam-korean-1", "source": "rtsp://10.0.0.21/s1", "stream": "prod-DensityStream",
           "zones": [{"id": "korean", "polygon": POLYGON}, {"id": "salad"}], "report_seconds": 5,
           "method": "hybrid"}
    (tmp_path / "c.json").write_text(json.dumps(doc), encoding="utf-8")
    config = load_config_file(tmp_path / "c.json")
    assert config.camera_id == "cam-korean-1" and config.method == "hybrid" and config.report_seconds == 5
    assert config.zones[0].polygon == tuple(tuple(p) for p in POLYGON)
    assert config.zones[1].polygon == WHOLE_FRAME
    assert load_config(to_json(config)) == config


@pytest.mark.parametrize(("doc", "message"), [
    ({"camera_id": "bad id!"}, "camera_id"),
    ({"zones": []}, "zones must be a non-empty list"),
    ({"zones": [{"id": "Korean"}]}, "zones[0].id"),
    ({"zones": [{"id": "a"}, {"id": "a"}]}, "unique"),
    ({"zones": [{"id": "a", "polygon": [[0, 0], [1, 0]]}]}, "at least 3 points"),
    ({"zones": [{"id": "a", "polygon": [[0, 0], [1.5, 0], [1, 1]]}]}, "fractions of the image"),
    ({"zones": [{"id": "a", "polygon": [[0, 0], [0.5, 0.5], [1, 1]]}]}, "no area"),
    ({"zones": [{"id": "a", "polygon": [[0, 0], [1, "x"], [1, 1]]}]}, "a point is [x, y]"),
    ({"method": "yolo"}, "method must be one of"),
    ({"report_seconds": 0}, "report_seconds"),
    ({"width": 100}, "width"),
    ({"speed": 3}, "unknown setting(s): speed"),
])
def test_mistakes_are_named(doc: dict, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(doc)
    assert message in str(caught.value)


def test_an_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read"):
        load_config_file(tmp_path / "c.json")
    with pytest.raises(ConfigError, match="cannot read"):
        load_config_file(tmp_path / "missing.json")


def test_zone_arguments() -> None:
    assert parse_zone_arg("korean").polygon == WHOLE_FRAME
    zone = parse_zone_arg("noodle=0.1,0.2;0.9,0.2;0.9,0.8")
    assert zone.id == "noodle" and zone.polygon == ((0.1, 0.2), (0.9, 0.2), (0.9, 0.8))
    for bad in ("Noodle", "noodle=0.1,0.2;x,y;0.3,0.3", "noodle=0.1,0.2;0.2,0.2"):
        with pytest.raises(ConfigError):
            parse_zone_arg(bad)


def test_defaults_point_at_the_local_cloud() -> None:
    config = CounterConfig()
    assert config.stream == "gdesk-local-DensityStream" and config.endpoint is None
    assert config.max_record_age_seconds < 3600  # below the stream function's maximum record age


def test_the_shipped_example_configuration_is_valid() -> None:
    config = load_config_file(Path(__file__).parents[3] / "infra/counter/counter.example.json")
    assert config.camera_id == "cam-korean-1" and config.zones[0].id == "korean"
