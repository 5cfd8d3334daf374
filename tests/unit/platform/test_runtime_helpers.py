"""The local Lambda runtime's pure parts: schedule rates, and the AWS event shapes it builds."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest

from infra.local import runtime
from infra.local.template import Stack


@pytest.mark.parametrize("expression,seconds", [
    ("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(1 hour)", 3600), ("rate(2 hours)", 7200),
    ("rate(1 day)", 86400), ("rate(7 days)", 604800), (" rate(10 minutes) ", 600),
    ("cron(0 9 * * ? *)", 3600), ("rate(soon)", 3600),
])
def test_rate_seconds(expression: str, seconds: float) -> None:
    assert runtime.rate_seconds(expression) == seconds


def _stack() -> Stack:
    return Stack({"Resources": {}}, name="st", region="ap-northeast-2", account="111122223333")


def test_scheduled_event_is_an_eventbridge_scheduled_event() -> None:
    event = runtime.scheduled_event(_stack(), "Crawler", "Every15")
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["account"] == "111122223333" and event["region"] == "ap-northeast-2"
    assert event["resources"][0].startswith("arn:aws:events:ap-northeast-2:111122223333:rule/")
    assert event["detail"] == {}
    datetime.strptime(event["time"], "%Y-%m-%dT%H:%M:%SZ")


def test_scheduled_event_with_input_is_the_input() -> None:
    assert runtime.scheduled_event(_stack(), "F", "S", '{"a": 1}') == {"a": 1}
    assert runtime.scheduled_event(_stack(), "F", "S", {"b": 2}) == {"b": 2}


def test_sqs_record_shape() -> None:
    message = {"MessageId": "m1", "ReceiptHandle": "rh", "Body": "{}", "MD5OfBody": "x",
               "Attributes": {"ApproximateReceiveCount": "1"},
               "MessageAttributes": {"k": {"StringValue": "v", "DataType": "String"}}}
    record = runtime._sqs_record(message, "arn:aws:sqs:ap-northeast-2:1:q", "ap-northeast-2")
    assert record["messageId"] == "m1" and record["receiptHandle"] == "rh" and record["body"] == "{}"
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"].endswith(":q")
    assert record["attributes"] == {"ApproximateReceiveCount": "1"}
    assert record["messageAttributes"]["k"]["stringValue"] == "v"
    assert record["messageAttributes"]["k"]["dataType"] == "String"


def test_kinesis_record_shape() -> None:
    arrived = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    record = runtime._kinesis_record(
        {"PartitionKey": "cam-1", "SequenceNumber": "4960", "Data": b'{"n": 3}',
         "ApproximateArrivalTimestamp": arrived},
        "arn:aws:kinesis:ap-northeast-2:111122223333:stream/s", "shardId-000000000000", _stack())
    assert record["eventSource"] == "aws:kinesis" and record["eventName"] == "aws:kinesis:record"
    assert record["eventID"] == "shardId-000000000000:4960"
    assert base64.b64decode(record["kinesis"]["data"]) == b'{"n": 3}'
    assert record["kinesis"]["partitionKey"] == "cam-1"
    assert record["kinesis"]["approximateArrivalTimestamp"] == arrived.timestamp()


def test_the_event_shapes_parse_with_powertools_data_classes() -> None:
    """Powertools' own event classes read the records the runtime builds."""
    from aws_lambda_powertools.utilities.data_classes import KinesisStreamEvent, SQSEvent

    kinesis = {"Records": [runtime._kinesis_record(
        {"PartitionKey": "p", "SequenceNumber": "1", "Data": b"hello",
         "ApproximateArrivalTimestamp": datetime.now(UTC)}, "arn:s", "shard-0", _stack())]}
    assert next(KinesisStreamEvent(kinesis).records).kinesis.data_as_text() == "hello"
    sqs = {"Records": [runtime._sqs_record({"MessageId": "m", "ReceiptHandle": "r", "Body": "b",
                                            "MD5OfBody": "x"}, "arn:q", "ap-northeast-2")]}
    assert next(SQSEvent(sqs).records).body == "b"


@pytest.mark.parametrize("result,props,expected", [
    ({"batchItemFailures": [{"itemIdentifier": "a"}]}, {"FunctionResponseTypes": ["ReportBatchItemFailures"]},
     {"a"}),
    ({"batchItemFailures": [{"itemIdentifier": "a"}]}, {}, set()),  # not opted in: ignored, like Lambda
    (None, {"FunctionResponseTypes": ["ReportBatchItemFailures"]}, set()),
    ({"batchItemFailures": []}, {"FunctionResponseTypes": ["ReportBatchItemFailures"]}, set()),
])
def test_failed_ids(result: object, props: dict[str, object], expected: set[str]) -> None:
    assert runtime._failed_ids(result, props) == expected


def test_lambda_context_counts_down() -> None:
    context = runtime.LambdaContext("fn", 256, 2, "arn:aws:lambda:x")
    remaining = context.get_remaining_time_in_millis()
    assert 1000 < remaining <= 2000
    assert context.memory_limit_in_mb == 256 and context.aws_request_id
    time.sleep(0.01)
    assert context.get_remaining_time_in_millis() < remaining


def test_queue_url_and_stream_name_from_arns() -> None:
    assert runtime._stream_name("arn:aws:kinesis:ap-northeast-2:1:stream/gdesk-density") == "gdesk-density"
    assert runtime._stream_name("plain") == "plain"
    assert runtime._queue_url(None, "http://127.0.0.1:4566/1/q") == "http://127.0.0.1:4566/1/q"


def test_the_local_cloud_makes_one_client_per_service_and_shares_it() -> None:
    import threading

    from infra.local.cloud import client_cache

    made: list[str] = []

    class Session:
        def client(self, service: str) -> object:
            made.append(service)
            return object()

    clients = client_cache(Session())
    first = clients("sqs")
    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(clients("sqs"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(client is first for client in seen)
    assert clients("kinesis") is not first and clients("kinesis") is clients("kinesis")
    assert made == ["sqs", "kinesis"]



def _crowd(slots: object, names: str, hold: float) -> tuple[list[str], int]:
    """Threads arriving one after another into ``slots``: the order they got in, the most inside."""
    import threading

    order: list[str] = []
    inside = [0, 0]  # now, most
    lock = threading.Lock()

    def work(name: str) -> None:
        with slots:  # type: ignore[attr-defined]
            with lock:
                order.append(name)
                inside[0] += 1
                inside[1] = max(inside)
            time.sleep(hold)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
        time.sleep(0.01)  # a clear arrival order
    for thread in threads:
        thread.join(10)
    return order, inside[1]


def test_the_local_server_admits_n_invocations_at_once_and_the_rest_in_arrival_order() -> None:
    from infra.local.server import FifoSlots

    assert _crowd(FifoSlots(1), "abcdef", 0.03) == (list("abcdef"), 1)
    order, most = _crowd(FifoSlots(3), "abcdefgh", 0.05)
    assert most == 3 and sorted(order) == list("abcdefgh") and order[:3] == list("abc")
