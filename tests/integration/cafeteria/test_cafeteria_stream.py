"""The density function on the local cloud: records really put on the moto server's Kinesis stream,
read by the runtime with the template's event-source settings and handed to the function."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.cafeteria.store import CafeteriaStore, StoreUnavailable

pytestmark = pytest.mark.integration

FUNCTION = "DensityStreamFunction"


def minute_start(minutes_ago: int) -> datetime:
    now = datetime.now(UTC)
    return now.replace(second=0, microsecond=0) - timedelta(minutes=minutes_ago)


def rec(camera: str, zone: str, count: int, at: datetime, **extra: Any) -> dict[str, Any]:
    return {"camera_id": camera, "zone": zone, "count": count, "ts": at.isoformat(), **extra}


def stored(zone: str, at: datetime) -> dict[str, tuple[int, int]]:
    """The cameras map of one stored zone-minute ({} when absent)."""
    cfg = wiring.cafeteria_config()
    local = at.astimezone(cfg.tz)
    records = wiring.cafeteria_store().minutes(local.strftime("%Y-%m-%d"), zone, local.strftime("%H:%M"),
                                      local.strftime("%H:%M"))
    return dict(records[0].cameras) if records else {}


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def item_version(ddb: Any, stack: Any, zone: str, at: datetime) -> int:
    local = at.astimezone(wiring.cafeteria_config().tz)
    item = ddb.get_item(TableName=stack.physical["CafeteriaTable"], ConsistentRead=True, Key={
        "pk": {"S": f"D#{local:%Y-%m-%d}"}, "sk": {"S": f"{zone}#{local:%H:%M}"}})["Item"]
    return int(item["version"]["N"])


def dlq_messages(sqs: Any, stack: Any) -> list[dict[str, Any]]:
    url = stack.physical["DensityDLQ"]
    out: list[dict[str, Any]] = []
    for _ in range(5):
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            break
        for message in batch:
            out.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return out


def test_the_template_wires_the_function_to_the_stream(runtime: Any) -> None:
    (source,) = runtime.event_sources(FUNCTION, "Kinesis")
    props = source.properties
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["BisectBatchOnFunctionError"] is True
    assert props["DestinationConfig"]["OnFailure"]["Destination"].endswith("DensityFailureQueue")
    assert int(props["MaximumRecordAgeInSeconds"]) == 3600


def test_a_poison_record_mid_batch_goes_to_the_dlq_and_the_rest_is_stored(
        zones: dict[str, str], put: Callable[..., list[str]], drain: Callable[[], int], sqs: Any,
        stack: Any) -> None:
    korean, salad = zones["korean"], zones["salad"]
    dlq_messages(sqs, stack)
    at = minute_start(3) + timedelta(seconds=10)
    sequences = put([
        rec("k1", korean, 12, at),
        rec("k2", korean, 5, at),
        b"{this is not json",
        rec("s1", salad, -4, at),
        rec("s1", salad, 7, at + timedelta(seconds=5)),
        rec("k1", korean, 14, at + timedelta(seconds=20)),
    ])
    assert drain() == 6  # every record checkpointed: the poison ones did not block the shard
    assert stored(korean, at) == {"k1": (ms(at + timedelta(seconds=20)), 14), "k2": (ms(at), 5)}
    assert stored(salad, at) == {"s1": (ms(at + timedelta(seconds=5)), 7)}
    messages = [m for m in dlq_messages(sqs, stack) if m["sequence_number"] in sequences]
    assert sorted((m["reason"], m["sequence_number"]) for m in messages) == sorted(
        [("bad_json", sequences[2]), ("negative_count", sequences[3])])
    bad = next(m for m in messages if m["reason"] == "bad_json")
    assert bad["data"] == "{this is not json" and bad["event_id"].endswith(sequences[2])


def test_the_same_batch_delivered_twice_changes_nothing(
        zones: dict[str, str], put: Callable[..., list[str]], drain: Callable[[], int], runtime: Any,
        ddb: Any, stack: Any) -> None:
    korean = zones["korean"]
    at = minute_start(4) + timedelta(seconds=5)
    (state,) = [s for (fn, _, _), s in runtime._shards.items() if fn == FUNCTION]
    before = state.checkpoint
    put([rec("k1", korean, 20, at), rec("k2", korean, 9, at + timedelta(seconds=1))])
    assert drain() == 2
    first = stored(korean, at)
    version = item_version(ddb, stack, korean, at)
    state.checkpoint = before  # Lambda is at-least-once: the shard hands the same records again
    assert drain() == 2
    assert stored(korean, at) == first == {"k1": (ms(at), 20), "k2": (ms(at + timedelta(seconds=1)), 9)}
    assert item_version(ddb, stack, korean, at) == version  # not even rewritten


def test_records_out_of_order_keep_the_latest_sample_per_camera(
        zones: dict[str, str], put: Callable[..., list[str]], drain: Callable[[], int]) -> None:
    korean = zones["korean"]
    at = minute_start(5)
    put([rec("k1", korean, 30, at + timedelta(seconds=40)),
         rec("k1", korean, 10, at + timedelta(seconds=10))])
    drain()
    put([rec("k1", korean, 99, at + timedelta(seconds=20)),  # later batch, older sample
         rec("k1", korean, 3, at - timedelta(minutes=1))])  # the minute before, arriving late
    drain()
    assert stored(korean, at) == {"k1": (ms(at + timedelta(seconds=40)), 30)}
    assert stored(korean, at - timedelta(minutes=1)) == {"k1": (ms(at - timedelta(minutes=1)), 3)}


def test_a_store_outage_for_one_batch_loses_nothing_and_counts_nothing_twice(
        zones: dict[str, str], put: Callable[..., list[str]], drain: Callable[[], int], runtime: Any,
        monkeypatch: pytest.MonkeyPatch, ddb: Any, stack: Any) -> None:
    from chalicelib.settings import get_settings

    korean, salad = zones["korean"], zones["salad"]
    at = minute_start(6) + timedelta(seconds=15)
    put([rec("k1", korean, 8, at), rec("s1", salad, 4, at), rec("k2", korean, 6, at)])
    # The table is unreachable (a real DynamoDB error from the endpoint: no such table).
    monkeypatch.setenv("GDESK_CAFETERIA_TABLE", "gdesk-missing-table")
    get_settings.cache_clear()
    wiring.reset()
    assert runtime.drive_kinesis_once(FUNCTION) == 0  # every record reported failed: retried
    assert runtime.drive_kinesis_once(FUNCTION) == 0
    monkeypatch.setenv("GDESK_CAFETERIA_TABLE", stack.physical["CafeteriaTable"])
    get_settings.cache_clear()
    wiring.reset()
    assert drain() == 3
    assert stored(korean, at) == {"k1": (ms(at), 8), "k2": (ms(at), 6)}
    assert stored(salad, at) == {"s1": (ms(at), 4)}
    assert item_version(ddb, stack, korean, at) == 1


def test_a_write_failing_mid_batch_is_retried_from_that_record(
        zones: dict[str, str], put: Callable[..., list[str]], drain: Callable[[], int], runtime: Any,
        monkeypatch: pytest.MonkeyPatch, ddb: Any, stack: Any) -> None:
    korean, salad = zones["korean"], zones["salad"]
    at = minute_start(7) + timedelta(seconds=15)
    put([rec("k1", korean, 8, at), rec("s1", salad, 4, at), rec("k2", korean, 6, at),
         rec("s1", salad, 5, at + timedelta(seconds=30))])
    real_save = CafeteriaStore.save
    failing = {"on": True}

    def save(self: CafeteriaStore, key: Any, *args: Any, **kwargs: Any) -> bool:
        if failing["on"] and key[0] == salad:
            raise StoreUnavailable("injected: DynamoDB throttled the salad zone-minute")
        return real_save(self, key, *args, **kwargs)

    monkeypatch.setattr(CafeteriaStore, "save", save)
    moved = runtime.drive_kinesis_once(FUNCTION)
    assert moved == 1  # checkpointed before the first salad record; the rest comes again
    assert stored(korean, at) == {"k1": (ms(at), 8), "k2": (ms(at), 6)}
    assert stored(salad, at) == {}
    failing["on"] = False
    assert drain() == 3
    assert stored(salad, at) == {"s1": (ms(at + timedelta(seconds=30)), 5)}
    assert stored(korean, at) == {"k1": (ms(at), 8), "k2": (ms(at), 6)}
    assert item_version(ddb, stack, korean, at) == 1  # the redelivered korean records changed nothing


def test_the_function_reports_failures_in_the_lambda_response_shape(
        zones: dict[str, str], put: Callable[..., list[str]], runtime: Any, monkeypatch: pytest.MonkeyPatch,
        kinesis: Any, stack: Any) -> None:
    from infra.local.runtime import _kinesis_record

    korean = zones["korean"]
    at = minute_start(2)
    sequences = put([rec("k1", korean, 1, at), b"[]", rec("k2", korean, 2, at)])
    stream = stack.physical["DensityStream"]
    shard = kinesis.list_shards(StreamName=stream)["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=shard, ShardIteratorType="AT_SEQUENCE_NUMBER",
        StartingSequenceNumber=sequences[0])["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator, Limit=3)["Records"]
    event = {"Records": [_kinesis_record(r, stack.attributes[("DensityStream", "Arn")], shard, stack)
                         for r in records]}
    assert runtime.invoke(FUNCTION, event) == {"batchItemFailures": []}
    def outage(self: CafeteriaStore, keys: Any) -> Any:
        raise StoreUnavailable("injected outage")

    monkeypatch.setattr(CafeteriaStore, "load", outage)
    response = runtime.invoke(FUNCTION, event)
    assert response == {"batchItemFailures": [{"itemIdentifier": sequences[0]},
                                              {"itemIdentifier": sequences[2]}]}


def test_invented_cameras_go_to_the_dlq_and_cannot_fill_a_zone(
        zones: dict[str, str], put: Callable[..., list[str]], drain: Callable[[], int], sqs: Any,
        stack: Any) -> None:
    """Issue 15: twelve invented camera ids once put 660 people in a 30-seat zone."""
    salad = zones["salad"]
    at = minute_start(4)
    dlq_messages(sqs, stack)  # start from an empty DLQ
    put([rec(f"invented-{i}", salad, 55, at) for i in range(12)] + [rec("s1", salad, 5, at)])
    drain()
    assert stored(salad, at) == {"s1": (ms(at), 5)}
    reasons = [m["reason"] for m in dlq_messages(sqs, stack)]
    assert reasons.count("unknown_camera") == 12
