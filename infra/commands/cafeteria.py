"""`gdesk cameras simulate`: queue-counting cameras for the cafeteria tool.

Each configured camera reports ``{camera_id, zone, count, ts}`` to the density stream (partition
key = camera id) along a realistic lunch curve: quiet before 11:30, a main peak just after noon,
a second smaller wave around 12:40, quiet again by 13:30; zones peak at different times, counts
are noisy, and one camera drops out for a while (12:20–12:35) as real cameras do.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.cafeteria.density import CafeteriaConfig, Zone

# Minutes each zone's crowd peaks relative to the main peak (salad early, noodles late).
ZONE_SHIFT = {"korean": 0.0, "noodle": 10.0, "salad": -12.0}
MAIN_PEAK = 12 * 60 + 3
SECOND_PEAK = 12 * 60 + 40
DROPOUT = ("cam-korean-2", 12 * 60 + 20, 12 * 60 + 35)


def expected_queue(zone: Zone, minute: float, scale: float = 1.0, shift: float = 0.0) -> float:
    """The mean queue of a zone at a (fractional) local minute of the day."""
    centre = MAIN_PEAK + ZONE_SHIFT.get(zone.id, 0.0) + shift
    peak = zone.thresholds[2] * 1.15 * scale
    main = math.exp(-0.5 * ((minute - centre) / 17.0) ** 2)
    second = 0.45 * math.exp(-0.5 * ((minute - SECOND_PEAK - shift) / 10.0) ** 2)
    return 1.0 + peak * (main + second)


def noisy(value: float, rng: random.Random, limit: int) -> int:
    return max(0, min(limit, round(value + rng.gauss(0, 0.08 * value + 0.7))))


def camera_shares(zone: Zone) -> dict[str, float]:
    cameras = zone.cameras or (f"cam-{zone.id}-1",)
    if len(cameras) == 2:
        return {cameras[0]: 0.6, cameras[1]: 0.4}
    return {camera: 1.0 / len(cameras) for camera in cameras}


@dataclass
class CameraSimulator:
    config: CafeteriaConfig
    put: Callable[[list[dict[str, Any]]], None]
    clock: Callable[[], datetime]  # the records' timestamps
    curve_clock: Callable[[], datetime] | None = None  # where on the curve we are (default: clock)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    dropout: tuple[str, int, int] | None = DROPOUT
    sent: int = 0

    def records(self) -> list[dict[str, Any]]:
        stamp = self.clock()
        position = (self.curve_clock or self.clock)().astimezone(self.config.tz)
        minute = position.hour * 60 + position.minute + position.second / 60
        out = []
        for zone in self.config.zones:
            total = expected_queue(zone, minute)
            for camera, share in camera_shares(zone).items():
                if camera in self.config.demo_silent_cameras:
                    continue
                if self.dropout and camera == self.dropout[0] and self.dropout[1] <= minute < self.dropout[2]:
                    continue
                out.append({"camera_id": camera, "zone": zone.id,
                            "count": noisy(total * share, self.rng, zone.capacity),
                            "ts": stamp.astimezone(self.config.tz).isoformat(timespec="milliseconds"),
                            "confidence": round(self.rng.uniform(0.85, 0.99), 2)})
        return out

    def tick(self) -> int:
        batch = self.records()
        self.put(batch)
        self.sent += len(batch)
        return len(batch)

    def run(self, stop: threading.Event, interval: float, duration: float | None = None) -> None:
        deadline = None if duration is None else time.monotonic() + duration
        while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
            try:
                self.tick()
            except Exception as exc:  # noqa: BLE001 - a camera keeps trying, like the real ones
                print(f"cameras: put failed: {exc}", file=sys.stderr, flush=True)
            stop.wait(interval)


def history_minutes(config: CafeteriaConfig, day: str, seed: int,
                    first: int, last: int) -> list[tuple[tuple[str, str, str], dict[str, tuple[int, int]]]]:
    """One past day's zone-minutes along the same curve, with day-to-day variation."""
    rng = random.Random(seed)
    scale, shift = rng.uniform(0.8, 1.2), rng.uniform(-6, 6)
    base = datetime.fromisoformat(day).replace(tzinfo=config.tz)
    out = []
    for minute in range(first, last):
        ts = int((base + timedelta(minutes=minute, seconds=50)).timestamp() * 1000)
        for zone in config.zones:
            total = expected_queue(zone, minute, scale, shift)
            cams = {camera: (ts, noisy(total * share, rng, zone.capacity))
                    for camera, share in camera_shares(zone).items()}
            out.append(((zone.id, day, f"{minute // 60:02d}:{minute % 60:02d}"), cams))
    return out


def kinesis_putter(stream: str, client: Any) -> Callable[[list[dict[str, Any]]], None]:
    import json

    def put(records: list[dict[str, Any]]) -> None:
        if records:
            client.put_records(StreamName=stream, Records=[
                {"Data": json.dumps(r, ensure_ascii=False).encode(), "PartitionKey": r["camera_id"]}
                for r in records])

    return put


def cmd_simulate(args: argparse.Namespace) -> int:
    import boto3

    from chalicelib import wiring
    from chalicelib.settings import get_settings
    from infra.local.cloud import running_cloud

    settings = get_settings()
    explicit = bool(settings.aws_endpoint_url) or args.endpoint is not None
    running = {} if explicit else running_cloud(settings.home) or {}
    endpoint = args.endpoint if args.endpoint is not None else (
        settings.aws_endpoint_url or running.get("endpoint_url") or "http://127.0.0.1:4566")
    stream = args.stream or (running.get("environment") or {}).get("GDESK_DENSITY_STREAM") \
        or "gdesk-local-DensityStream"
    kwargs: dict[str, Any] = {"region_name": settings.region}
    if endpoint:
        kwargs.update(endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
    client = boto3.client("kinesis", **kwargs)
    config = wiring.cafeteria_config()
    curve_clock = None
    if args.start or args.speed != 1.0:
        start_hhmm = args.start or "11:20"
        today = datetime.now(UTC).astimezone(config.tz)
        anchor = today.replace(hour=int(start_hhmm[:2]), minute=int(start_hhmm[3:]), second=0, microsecond=0)
        began = time.time()

        def curve_clock() -> datetime:
            return anchor + timedelta(seconds=(time.time() - began) * args.speed)

    simulator = CameraSimulator(config, kinesis_putter(stream, client), lambda: datetime.now(UTC),
                                curve_clock, random.Random(args.seed),
                                None if args.no_dropout else DROPOUT)
    stop = threading.Event()
    print(f"cameras: {sum(len(camera_shares(z)) for z in config.zones)} cameras → {stream} "
          f"({endpoint or 'AWS'}); Ctrl-C to stop", flush=True)
    try:
        simulator.run(stop, args.interval, args.duration)
    except KeyboardInterrupt:
        pass
    print(f"cameras: {simulator.sent} records sent", flush=True)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this tool's sub-commands to the `gdesk` parser."""
    cameras = subparsers.add_parser("cameras", help="cafeteria queue cameras (simulated)")
    sub = cameras.add_subparsers(dest="cameras_command", required=True)
    sim = sub.add_parser("simulate", help="put a realistic lunch-queue curve on the density stream")
    sim.add_argument("--stream", default=None,
                     help="Kinesis stream name (default: the running local cloud's DensityStream)")
    sim.add_argument("--endpoint", default=None,
                     help="AWS endpoint (default: $AWS_ENDPOINT_URL, else the running `gdesk up`, "
                          "else :4566; "
                          "'' for AWS itself)")
    sim.add_argument("--interval", type=float, default=2.0, help="seconds between reports (default 2)")
    sim.add_argument("--duration", type=float, default=None, help="stop after this many seconds")
    sim.add_argument("--start", help="replay the curve from this local time (HH:MM) instead of now")
    sim.add_argument("--speed", type=float, default=1.0, help="replay the curve this many times faster")
    sim.add_argument("--seed", type=int, default=7)
    sim.add_argument("--no-dropout", action="store_true", help="no camera drops out")
    sim.set_defaults(func=cmd_simulate)
