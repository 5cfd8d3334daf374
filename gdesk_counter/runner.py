"""The service loop: frames → counts per zone → one record per zone every ``report_seconds`` →
the spool → (sender thread) → Kinesis.

Each report carries the median of the counts of the frames seen since the previous report (one
person walking past does not make a spike) and their mean confidence. A record is sent for every
zone at every report, 0 included: the records themselves are the counter's heartbeat. When the
camera or the counter dies the records stop, the zone goes stale after 2 minutes and /cafeteria
says "카메라 응답 없음" instead of showing an empty queue.
"""

from __future__ import annotations

import json
import logging
import statistics
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

import numpy as np

from gdesk_counter.config import CounterConfig
from gdesk_counter.counting import Counter, Estimate
from gdesk_counter.records import count_record, encode
from gdesk_counter.spool import Spool

log = logging.getLogger("gdesk_counter")


class Reporter:
    """Collects per-frame estimates and turns them into records at report time (pure but for time)."""

    def __init__(self, camera_id: str, zones: Iterable[str]) -> None:
        self.camera_id = camera_id
        self.zones = list(zones)
        self.window: dict[str, list[Estimate]] = {z: [] for z in self.zones}

    def add(self, estimates: dict[str, Estimate]) -> None:
        for zone, estimate in estimates.items():
            self.window[zone].append(estimate)

    def records(self, ts: datetime) -> list[dict[str, Any]]:
        out = []
        for zone in self.zones:
            seen = self.window[zone]
            if not seen:
                continue
            count = int(round(statistics.median(e.count for e in seen)))
            confidence = sum(e.confidence for e in seen) / len(seen)
            out.append(count_record(self.camera_id, zone, count, ts, confidence))
        self.window = {z: [] for z in self.zones}
        return out


def count_and_spool(config: CounterConfig, counter: Counter, frames: Iterable[tuple[float, np.ndarray]],
                    spool: Spool, now: Callable[[], datetime] = lambda: datetime.now().astimezone()) -> int:
    """Count every frame and spool a record per zone each report interval; returns records spooled."""
    reporter = Reporter(config.camera_id, [z.id for z in config.zones])
    next_report: float | None = None
    spooled = 0
    for t, frame in frames:
        reporter.add(counter.update(frame, t))
        if next_report is None:
            next_report = t + config.report_seconds
        if t >= next_report:
            next_report += config.report_seconds * max(1, int((t - next_report) // config.report_seconds) + 1)
            spooled += _spool(reporter.records(now()), spool)
    spooled += _spool(reporter.records(now()), spool)  # the last partial window (end of a file)
    return spooled


def _spool(records: list[dict[str, Any]], spool: Spool) -> int:
    if not records:
        return 0
    created = datetime.fromisoformat(records[0]["ts"]).timestamp()
    dropped = spool.append([(created, r["camera_id"], encode(r)) for r in records])
    if dropped:
        log.warning("spool full: dropped the %d oldest count records", dropped)
    log.info("counts %s", json.dumps({r["zone"]: r["count"] for r in records}, ensure_ascii=False))
    return len(records)


def run_service(config: CounterConfig, counter: Counter, frames: Iterable[tuple[float, np.ndarray]],
                spool: Spool, sender: Any) -> int:
    """Counting in this thread, sending in another; returns the records spooled. The sender stops
    (after a last flush) only once counting has finished, so the last report is sent too."""
    counted = threading.Event()
    thread = threading.Thread(target=sender.run, args=(counted,), name="gdesk-counter-sender", daemon=True)
    thread.start()
    try:
        return count_and_spool(config, counter, frames, spool)
    finally:
        counted.set()
        thread.join(timeout=30)
        log.info("stopped; %d records sent, %d waiting in the spool", sender.sent, len(spool))
