"""Cafeteria integration fixtures: each test gets its own zones (unique ids, its own zones file)
so tests sharing the session's stream and table never see each other's counts."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

FUNCTION = "DensityStreamFunction"


@pytest.fixture
def zones(local_cloud: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    from chalicelib import wiring
    from chalicelib.settings import get_settings

    tag = secrets.token_hex(3)
    ids = {"korean": f"korean-{tag}", "salad": f"salad-{tag}"}
    doc = json.loads((Path(__file__).parents[3] / "chalicelib/cafeteria/zones.json").read_text("utf-8"))
    doc["zones"] = [
        {"id": ids["korean"], "name": "한식", "capacity": 60, "service_rate": 6.0,
         "thresholds": {"보통": 10, "혼잡": 25, "매우혼잡": 40}, "cameras": ["k1", "k2"]},
        {"id": ids["salad"], "name": "샐러드", "capacity": 30, "service_rate": 5.0,
         "thresholds": {"보통": 6, "혼잡": 12, "매우혼잡": 20}, "cameras": ["s1"]},
    ]
    path = tmp_path / "zones.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("GDESK_CAFETERIA_ZONES_FILE", str(path))
    get_settings.cache_clear()
    wiring.reset()
    yield ids
    monkeypatch.undo()
    get_settings.cache_clear()
    wiring.reset()


@pytest.fixture
def kinesis(local_cloud: Any) -> Any:
    return boto3.client("kinesis", region_name="ap-northeast-2")


@pytest.fixture
def sqs(local_cloud: Any) -> Any:
    return boto3.client("sqs", region_name="ap-northeast-2")


@pytest.fixture
def ddb(local_cloud: Any) -> Any:
    return boto3.client("dynamodb", region_name="ap-northeast-2")


@pytest.fixture
def put(kinesis: Any, stack: Any) -> Callable[[list[Any]], list[str]]:
    """Put records (dicts as JSON, or raw bytes) on the density stream in order; returns sequence numbers."""
    stream = stack.physical["DensityStream"]

    def put_records(records: list[Any]) -> list[str]:
        entries = [{"Data": r if isinstance(r, bytes) else json.dumps(r).encode(),
                    "PartitionKey": (r.get("camera_id") if isinstance(r, dict) else None) or "raw"}
                   for r in records]
        response = kinesis.put_records(StreamName=stream, Records=entries)
        assert response.get("FailedRecordCount", 0) == 0
        return [r["SequenceNumber"] for r in response["Records"]]

    return put_records


@pytest.fixture
def drain(runtime: Any) -> Callable[[], int]:
    """Drive the density function until the stream has nothing left for it."""

    def run(max_rounds: int = 50) -> int:
        total = 0
        for _ in range(max_rounds):
            moved = runtime.drive_kinesis_once(FUNCTION)
            if not moved:
                return total
            total += moved
        raise AssertionError("the stream did not drain")

    return run


@pytest.fixture(autouse=True)
def _drained(local_cloud: Any, drain: Callable[[], int]) -> Iterator[None]:
    drain()  # earlier tests' leftovers never reach this test's zones
    yield


def now_iso(offset_seconds: float = 0) -> str:
    return datetime.fromtimestamp(time.time() + offset_seconds, UTC).astimezone().isoformat()
