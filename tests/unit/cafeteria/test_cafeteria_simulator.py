"""The simulated cameras (gdesk cameras simulate / the demo) and the cafeteria settings."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from chalicelib.cafeteria import density
from chalicelib.settings import CafeteriaSettings, SettingsError
from infra.commands.cafeteria import DROPOUT, CameraSimulator, expected_queue, history_minutes

CONFIG = density.load_config_file(Path(density.__file__).with_name("zones.json"))
KST = timezone(timedelta(hours=9))


def at(hhmm: str) -> datetime:
    return datetime(2026, 11, 25, int(hhmm[:2]), int(hhmm[3:]), 10, tzinfo=KST)


def test_the_lunch_curve_is_quiet_peaks_after_noon_and_calms_down() -> None:
    korean = CONFIG.zone("korean")
    assert korean is not None
    curve = {m: expected_queue(korean, m) for m in range(11 * 60, 14 * 60)}
    peak = max(curve, key=curve.__getitem__)
    assert 11 * 60 + 55 <= peak <= 12 * 60 + 15
    assert density.level(curve[peak], korean.thresholds) == "매우혼잡"
    assert curve[11 * 60] < korean.thresholds[0] and curve[13 * 60 + 40] < korean.thresholds[0]


def test_the_simulator_reports_every_camera_with_valid_records() -> None:
    sent: list[list[dict[str, Any]]] = []
    sim = CameraSimulator(CONFIG, sent.append, lambda: at("12:05"), rng=random.Random(1))
    assert sim.tick() == 4
    now_ms = int(at("12:05").timestamp() * 1000)
    for record in sent[0]:
        raw = json.dumps(record).encode()
        assert isinstance(density.parse_record(raw, CONFIG, now_ms, 3600_000), density.Sample), record
    cameras = {r["camera_id"] for r in sent[0]}
    assert cameras == {"cam-korean-1", "cam-korean-2", "cam-noodle-1", "cam-salad-1"}


def test_one_camera_drops_out_for_a_while() -> None:
    sent: list[list[dict[str, Any]]] = []
    sim = CameraSimulator(CONFIG, sent.append, lambda: at("12:25"), rng=random.Random(1))
    sim.tick()
    assert DROPOUT[0] not in {r["camera_id"] for r in sent[0]} and len(sent[0]) == 3


def test_the_curve_can_be_replayed_faster_with_real_timestamps() -> None:
    sent: list[list[dict[str, Any]]] = []
    real = datetime(2026, 11, 25, 16, 0, tzinfo=KST)
    sim = CameraSimulator(CONFIG, sent.append, lambda: real, curve_clock=lambda: at("12:05"))
    sim.tick()
    assert all(r["ts"].startswith("2026-11-25T16:00") for r in sent[0])
    assert sum(r["count"] for r in sent[0]) > 40  # the noon peak, not the 16:00 quiet


def test_history_days_vary_but_follow_the_curve() -> None:
    a = history_minutes(CONFIG, "2026-11-18", 1, 11 * 60, 14 * 60)
    b = history_minutes(CONFIG, "2026-11-11", 2, 11 * 60, 14 * 60)
    assert len(a) == 180 * 3 and a != b
    means = density.slot_means([density.MinuteRecord(*k, c) for k, c in a], CONFIG)
    assert means["korean"][12 * 60] > 3 * means["korean"][13 * 60 + 20]


@pytest.mark.parametrize("origins", ["https://portal.gne.go.kr", "'self',https://portal.example.kr:8443",
                                     "http://127.0.0.1:5000"])
def test_widget_origins_are_configurable(origins: str) -> None:
    settings = CafeteriaSettings.from_env({"GDESK_CAFETERIA_WIDGET_ORIGINS": origins})
    assert settings.widget_origins == tuple(origins.split(","))


@pytest.mark.parametrize("origins", ["*", "https://a.kr; script-src *", "javascript:x", "https://a.kr/path"])
def test_widget_origins_that_could_break_the_csp_are_refused(origins: str) -> None:
    with pytest.raises(SettingsError):
        CafeteriaSettings.from_env({"GDESK_CAFETERIA_WIDGET_ORIGINS": origins})


def test_defaults_and_the_demo_clock() -> None:
    settings = CafeteriaSettings.from_env({})
    assert settings.widget_origins == ("'self'",) and settings.clock is None
    assert settings.max_record_age_seconds == 3600
    assert CafeteriaSettings.from_env({"GDESK_CAFETERIA_CLOCK": "100,200,12"}).clock == (100.0, 200.0, 12.0)
    with pytest.raises(SettingsError):
        CafeteriaSettings.from_env({"GDESK_CAFETERIA_CLOCK": "soon"})


def test_demo_silent_cameras_are_configured_but_not_simulated() -> None:
    raw = json.loads(Path(density.__file__).with_name("zones.json").read_text(encoding="utf-8"))
    raw["zones"][0]["cameras"].append("e2e-cam")
    raw["demo_silent_cameras"] = ["e2e-cam"]
    config = density.load_config(raw)
    sent: list[list[dict[str, Any]]] = []
    CameraSimulator(config, sent.append, lambda: at("12:05"), rng=random.Random(1)).tick()
    assert "e2e-cam" not in {r["camera_id"] for r in sent[0]}
    assert config.zone("korean") is not None and "e2e-cam" in config.zone("korean").cameras  # type: ignore[union-attr]
