"""The batch logic behind the stream function, with an in-memory store: Powertools' partial batch
response, malformed records to the DLQ, one write per zone-minute, conflicts, failures."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.batch import process_partial_response

from chalicelib.cafeteria import density
from chalicelib.cafeteria.events import DensityBatchProcessor
from chalicelib.cafeteria.ingest import DensityIngest
from tests.fakes.cafeteria import FakeCafeteriaStore, FakeDeadLetters, kinesis_event


def _config_with_test_cameras() -> density.CafeteriaConfig:
    """The shipped zones, each also watched by the cameras these tests invent (only configured
    cameras count since issue 15)."""
    raw = json.loads(Path(density.__file__).with_name("zones.json").read_text(encoding="utf-8"))
    for zone in raw["zones"]:
        zone["cameras"] += ["a", "b", "c", "s", "intruder", *(f"cam-{i}" for i in range(4))]
    return density.load_config(raw)


CONFIG = _config_with_test_cameras()
KST = timezone(timedelta(hours=9))
NOW = datetime(2026, 11, 25, 12, 0, 50, tzinfo=KST)


def rec(camera: str, zone: str, count: int, seconds_ago: float = 0) -> dict[str, Any]:
    return {"camera_id": camera, "zone": zone, "count": count,
            "ts": (NOW - timedelta(seconds=seconds_ago)).isoformat()}


def run(payloads: list[Any], store: FakeCafeteriaStore,
        dlq: FakeDeadLetters) -> tuple[dict[str, Any], DensityIngest]:
    ingest = DensityIngest(CONFIG, store, dlq, now_ms=int(NOW.timestamp() * 1000), max_age_ms=3600_000)
    response = process_partial_response(event=kinesis_event(payloads), record_handler=ingest.record,
                                        processor=DensityBatchProcessor(ingest), context=None)
    return dict(response), ingest


def test_one_write_per_zone_minute_whatever_the_number_of_records() -> None:
    store, dlq = FakeCafeteriaStore(), FakeDeadLetters()
    payloads = [rec(f"cam-{i % 4}", ("korean", "noodle")[i % 2], i % 30, seconds_ago=i % 40)
                for i in range(400)]
    response, ingest = run(payloads, store, dlq)
    assert response == {"batchItemFailures": []}
    assert store.saves == 2 and store.loads == 1 and ingest.stats.zone_minutes == 2
    assert ingest.stats.records == ingest.stats.valid == 400


def test_malformed_records_are_dead_lettered_not_failed() -> None:
    store, dlq = FakeCafeteriaStore(), FakeDeadLetters()
    response, ingest = run([rec("a", "korean", 3), b"garbage", rec("a", "roof", 3), rec("b", "salad", 2)],
                           store, dlq)
    assert response == {"batchItemFailures": []}
    assert [m["reason"] for m in dlq.messages] == ["bad_json", "unknown_zone"]
    assert dlq.messages[0]["sequence_number"] == "1001" and dlq.messages[0]["data"] == "garbage"
    assert dict(ingest.stats.malformed) == {"bad_json": 1, "unknown_zone": 1}
    assert store.saves == 2


def test_data_that_is_not_base64_is_dead_lettered() -> None:
    store, dlq = FakeCafeteriaStore(), FakeDeadLetters()
    event = kinesis_event([rec("a", "korean", 3), rec("b", "korean", 4)])
    event["Records"][1]["kinesis"]["data"] = "!!not base64"
    ingest = DensityIngest(CONFIG, store, dlq, now_ms=int(NOW.timestamp() * 1000), max_age_ms=3600_000)
    response = process_partial_response(event=event, record_handler=ingest.record,
                                        processor=DensityBatchProcessor(ingest), context=None)
    assert response == {"batchItemFailures": []}
    assert [m["reason"] for m in dlq.messages] == ["bad_encoding"] and store.saves == 1


def test_an_all_malformed_batch_succeeds() -> None:
    response, ingest = run([b"x", b"[]"], FakeCafeteriaStore(), FakeDeadLetters())
    assert response == {"batchItemFailures": []} and ingest.stats.zone_minutes == 0


def test_when_the_dlq_is_down_malformed_records_are_retried() -> None:
    dlq = FakeDeadLetters()
    dlq.down = True
    response, _ = run([rec("a", "korean", 3), b"garbage"], FakeCafeteriaStore(), dlq)
    assert response == {"batchItemFailures": [{"itemIdentifier": "1001"}]}


def test_a_failing_zone_minute_fails_only_its_records() -> None:
    store, dlq = FakeCafeteriaStore(), FakeDeadLetters()
    minute = density.minute_key("salad", int(NOW.timestamp() * 1000), CONFIG.tz)
    store.fail_keys.add(minute)
    response, ingest = run([rec("a", "korean", 3), rec("s", "salad", 2), rec("a", "korean", 4),
                            rec("s", "salad", 5, seconds_ago=1)], store, dlq)
    assert response == {"batchItemFailures": [{"itemIdentifier": "1001"}, {"itemIdentifier": "1003"}]}
    assert ingest.stats.failed_zone_minutes == 1
    store.fail_keys.clear()
    redelivered = [rec("s", "salad", 2), rec("a", "korean", 4), rec("s", "salad", 5, seconds_ago=1)]
    again, _ = run(redelivered, store, dlq)
    assert again == {"batchItemFailures": []}
    assert store.items[minute].cameras == {"s": (int(NOW.timestamp() * 1000), 2)}


def test_after_a_store_failure_the_rest_of_the_batch_is_not_attempted() -> None:
    store = FakeCafeteriaStore()
    first = density.minute_key("korean", int((NOW - timedelta(minutes=2)).timestamp() * 1000), CONFIG.tz)
    store.fail_keys.add(first)
    response, _ = run([rec("a", "korean", 3, seconds_ago=120), rec("a", "korean", 3, seconds_ago=60),
                       rec("a", "korean", 3)], store, FakeDeadLetters())
    assert len(response["batchItemFailures"]) == 3 and store.saves == 0


def test_a_lost_race_is_merged_and_written_again() -> None:
    store = FakeCafeteriaStore()
    store.conflicts_left = 2
    response, ingest = run([rec("a", "korean", 3)], store, FakeDeadLetters())
    assert response == {"batchItemFailures": []} and ingest.stats.conflicts == 2
    (stored,) = store.items.values()
    assert set(stored.cameras) == {"a", "intruder"}  # the other writer's camera is kept


def test_endless_conflicts_become_a_retry() -> None:
    store = FakeCafeteriaStore()
    store.conflicts_left = 99
    response, _ = run([rec("a", "korean", 3)], store, FakeDeadLetters())
    assert response == {"batchItemFailures": [{"itemIdentifier": "1000"}]}


def test_redelivery_writes_nothing() -> None:
    store, dlq = FakeCafeteriaStore(), FakeDeadLetters()
    payloads = [rec("a", "korean", 3), rec("b", "korean", 9), rec("c", "salad", 1)]
    run(payloads, store, dlq)
    before = dict(store.items)
    _, ingest = run(payloads, store, dlq)
    assert store.items == before and ingest.stats.writes == 0 and ingest.stats.unchanged == 2
