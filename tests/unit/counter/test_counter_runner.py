"""The service loop without a camera or a network: frames in, one record per zone per interval out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from gdesk_counter.config import CounterConfig, ZoneSpec
from gdesk_counter.counting import Estimate
from gdesk_counter.runner import Reporter, count_and_spool
from gdesk_counter.spool import Spool


class Scripted:
    """A counter that returns the scripted counts, one per frame."""

    needs_sequence = False

    def __init__(self, script: list[dict[str, int]]) -> None:
        self.script = iter(script)

    def update(self, frame: np.ndarray, t: float) -> dict[str, Estimate]:
        return {z: Estimate(c, 0.8) for z, c in next(self.script).items()}


def test_a_report_is_the_median_of_its_frames() -> None:
    reporter = Reporter("cam-1", ["korean", "salad"])
    for korean, salad in ((3, 0), (9, 0), (4, 0), (5, 1), (4, 0)):  # one passer-by (9) does not count
        reporter.add({"korean": Estimate(korean, 0.9), "salad": Estimate(salad, 0.5)})
    ts = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    assert reporter.records(ts) == [
        {"camera_id": "cam-1", "zone": "korean", "count": 4, "ts": "2026-11-25T03:00:00.000+00:00",
         "confidence": 0.9},
        {"camera_id": "cam-1", "zone": "salad", "count": 0, "ts": "2026-11-25T03:00:00.000+00:00",
         "confidence": 0.5}]
    assert reporter.records(ts) == []  # nothing seen since: nothing to report


def test_every_zone_is_reported_every_interval_zero_included(tmp_path: Path) -> None:
    config = CounterConfig(camera_id="cam-9", zones=(ZoneSpec("korean"), ZoneSpec("salad")), report_seconds=2)
    frame = np.zeros((4, 4, 3), np.uint8)
    frames = [(100.0 + i * 0.5, frame) for i in range(12)]  # 6 s at 2 frames/s
    script = [{"korean": 7, "salad": 0}] * 12
    spool = Spool(tmp_path / "s.sqlite")
    stamps = iter(datetime(2026, 11, 25, 3, 0, s, tzinfo=UTC) for s in range(10))
    spooled = count_and_spool(config, Scripted(script), frames, spool, now=lambda: next(stamps))
    records = [json.loads(item.data) for item in spool.oldest(100)]
    assert spooled == len(records) == 6  # 2 zones × reports at t = 102, 104 and the end (105.5)
    assert {(r["zone"], r["count"]) for r in records} == {("korean", 7), ("salad", 0)}
    assert {item.partition_key for item in spool.oldest(100)} == {"cam-9"}
    assert [r["ts"] for r in records] == sorted(r["ts"] for r in records)


def test_the_last_report_is_sent_before_the_service_stops(tmp_path: Path) -> None:
    from gdesk_counter.runner import run_service
    from gdesk_counter.sender import Sender
    from tests.fakes.counter import FakeKinesis

    config = CounterConfig(camera_id="cam-9", zones=(ZoneSpec("korean"),), report_seconds=1)
    frames = [(100.0 + i * 0.5, np.zeros((4, 4, 3), np.uint8)) for i in range(7)]
    kinesis = FakeKinesis()
    spool = Spool(tmp_path / "s.sqlite")
    sender = Sender(kinesis, "s", spool, 3300)
    spooled = run_service(config, Scripted([{"korean": 2}] * 7), frames, spool, sender)
    assert spooled == 3 and len(spool) == 0  # reports at t = 101, 102 and 103 (the last frame)
    assert [body["count"] for _, body in kinesis.stored] == [2, 2, 2]
