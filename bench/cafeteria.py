"""Cafeteria benchmarks.

1. Batch processing: the stream function's handling of one 10,000-record Kinesis batch (Lambda's
   maximum) through Powertools' BatchProcessor (``events.process_batch``, what the handler calls)
   - base64, JSON, validation, aggregation, flush -
   with the store's round trips excluded (an in-process store). Goal: ≥ 50,000 records/s on one
   core. Also the store reads and writes one batch costs.
2. Freshness on the local cloud: a count put on the Kinesis stream (moto server) until it is
   visible in GET /cafeteria/now over HTTP, through the runtime's event-source driver.

    python bench/cafeteria.py [--batches 7] [--samples 40] [--skip-freshness]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class InProcessStore:
    """The store with its round trips excluded: a dict, counting calls."""

    def __init__(self) -> None:
        self.items: dict[Any, Any] = {}
        self.reads = 0
        self.writes = 0

    def load(self, keys: Sequence[Any]) -> dict[Any, Any]:
        self.reads += (len(keys) + 99) // 100  # BatchGetItem calls
        return {k: self.items[k] for k in keys if k in self.items}

    def save(self, key: Any, cameras: Mapping[str, Any], summary: Mapping[str, Any],
             expected_version: int | None, expires_at: int) -> bool:
        from chalicelib.cafeteria.store import StoredMinute

        self.writes += 1
        self.items[key] = StoredMinute(dict(cameras), (expected_version or 0) + 1)
        return True


class InProcessDLQ:
    def __init__(self) -> None:
        self.sent = 0

    def send(self, messages: Sequence[Any]) -> set[str]:
        self.sent += len(messages)
        return set()


def bench_config(cameras: int = 40) -> Any:
    """The shipped zones with ``cameras`` cameras spread over them (only configured cameras count)."""
    from chalicelib.cafeteria import density

    raw = json.loads(density.DEFAULT_ZONES_FILE.read_text(encoding="utf-8"))
    for index, zone in enumerate(raw["zones"]):
        zone["cameras"] = [f"cam-{c:02d}" for c in range(cameras) if c % len(raw["zones"]) == index]
    return density.load_config(raw)


def kinesis_batch(n: int, now: datetime, cameras: int = 40, poison_every: int = 200) -> dict[str, Any]:
    """A realistic batch: 40 cameras over the configured zones, ~4 minutes of reports, 0.5 % poison."""

    zones = [z.id for z in bench_config(cameras).zones]
    rng = random.Random(1)
    records = []
    for i in range(n):
        if i % poison_every == poison_every - 1:
            data = b'{"camera_id": "cam-x", "zone": "korean", "count": -1, "ts": "bad"}'
        else:
            camera = i % cameras
            ts = now - timedelta(seconds=240 * (n - i) / n)
            data = json.dumps({"camera_id": f"cam-{camera:02d}", "zone": zones[camera % len(zones)],
                               "count": rng.randint(0, 40), "ts": ts.isoformat(timespec="milliseconds"),
                               "confidence": 0.93}).encode()
        seq = f"{49600000000000000000000000000000000000000000000000 + i}"
        records.append({
            "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": f"cam-{i % cameras:02d}",
                        "sequenceNumber": seq, "data": base64.b64encode(data).decode(),
                        "approximateArrivalTimestamp": now.timestamp()},
            "eventSource": "aws:kinesis", "eventVersion": "1.0", "eventID": f"shardId-000000000000:{seq}",
            "eventName": "aws:kinesis:record", "invokeIdentityArn": "arn:aws:iam::123456789012:role/bench",
            "awsRegion": "ap-northeast-2",
            "eventSourceARN": "arn:aws:kinesis:ap-northeast-2:123456789012:stream/bench"})
    return {"Records": records}


def bench_batch(batches: int, size: int = 10_000) -> dict[str, Any]:
    from chalicelib.cafeteria.events import process_batch
    from chalicelib.cafeteria.ingest import DensityIngest

    config = bench_config()
    now = datetime.now(UTC)
    event = kinesis_batch(size, now)
    timings, cpu, last = [], [], None
    for _ in range(batches):
        store, dlq = InProcessStore(), InProcessDLQ()
        ingest = DensityIngest(config, store, dlq, now_ms=int(now.timestamp() * 1000), max_age_ms=3600_000)
        started, started_cpu = time.perf_counter(), time.process_time()
        response = process_batch(event, ingest, None)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response == {"batchItemFailures": []}
        last = (store, dlq, ingest)
    assert last is not None
    store, dlq, ingest = last
    median, median_cpu = statistics.median(timings), statistics.median(cpu)
    return {"size": size, "median_s": median, "best_s": min(timings), "cpu_s": median_cpu,
            "records_per_s": size / median, "records_per_cpu_s": size / median_cpu,
            "writes": store.writes, "reads": store.reads, "dlq": dlq.sent,
            "zone_minutes": ingest.stats.zone_minutes, "valid": ingest.stats.valid}


def bench_freshness(samples: int) -> dict[str, Any]:
    import boto3
    import requests

    from chalicelib import devissuer
    from infra.local.cloud import LocalCloud
    from infra.local.moto_server import free_port

    home = tempfile.mkdtemp(prefix="gdesk-bench-")
    cloud = LocalCloud(home=home, aws_port=free_port(), api_port=free_port(), stack_name="gdesk-bench")
    try:
        cloud.start_endpoint()
        stack = cloud.create_resources()
        cloud.start_api()
        cloud.start_event_sources(schedules=False)  # the Kinesis driver only, not the crawlers
        token = devissuer.issue_token(home, "E1001")
        kinesis = boto3.client("kinesis", region_name=stack.region)
        stream = stack.physical["DensityStream"]
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        latencies = []
        for i in range(samples + 3):
            count = 1 + i % 30
            put_at = time.perf_counter()
            record = {"camera_id": "cam-salad-1", "zone": "salad", "count": count,
                      "ts": datetime.now(UTC).isoformat(timespec="milliseconds")}
            kinesis.put_record(StreamName=stream, Data=json.dumps(record).encode(),
                               PartitionKey="cam-salad-1")
            while True:
                body = session.get(f"{cloud.api_url}/cafeteria/now", timeout=10).json()
                salad = next(z for z in body["zones"] if z["zone"] == "salad")
                if salad["count"] == count:
                    break
                if time.perf_counter() - put_at > 30:
                    raise RuntimeError("a count did not show within 30 s")
                time.sleep(0.01)
            if i >= 3:  # the first few warm the clients, the driver and the app
                latencies.append(time.perf_counter() - put_at)
            time.sleep(random.uniform(0, 0.25))  # land anywhere in the driver's poll cycle
        latencies.sort()
        return {"samples": len(latencies), "p50": statistics.median(latencies),
                "p95": latencies[int(0.95 * (len(latencies) - 1))], "max": latencies[-1]}
    finally:
        cloud.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=7)
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--skip-freshness", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    batch = bench_batch(args.batches)
    print(f"Cafeteria (Python {platform.python_version()}, {os.cpu_count()} cores, one thread)\n")
    print("| measure | value | goal |")
    print("|---|---:|---|")
    print(f"| one batch of {batch['size']:,} records, median of {args.batches} | "
          f"{batch['median_s'] * 1000:.0f} ms (best {batch['best_s'] * 1000:.0f} ms) | |")
    print(f"| CPU time of one batch, median | {batch['cpu_s'] * 1000:.0f} ms | |")
    print(f"| records/s on one core (CPU time; store round trips excluded) | "
          f"{batch['records_per_cpu_s']:,.0f} | ≥ 50,000 |")
    print(f"| records/s wall clock (shared, loaded machine) | {batch['records_per_s']:,.0f} | |")
    print(f"| store writes per batch | {batch['writes']} (zone-minutes: {batch['zone_minutes']}) | "
          f"O(zones × minutes), not O(records) |")
    print(f"| store reads per batch (BatchGetItem calls) | {batch['reads']} | |")
    print(f"| malformed → DLQ messages | {batch['dlq']} | |")
    if not args.skip_freshness:
        fresh = bench_freshness(args.samples)
        print(f"| freshness put → /cafeteria/now, p50 ({fresh['samples']} samples, local cloud) | "
              f"{fresh['p50'] * 1000:.0f} ms | |")
        print(f"| freshness p95 | {fresh['p95'] * 1000:.0f} ms | |")
        print(f"| freshness max | {fresh['max'] * 1000:.0f} ms | |")


if __name__ == "__main__":
    main()
