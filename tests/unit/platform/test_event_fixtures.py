"""The event fixtures in ``tests/events`` are the shapes AWS sends, and the one loader overrides them."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from infra.local import runtime
from infra.local.template import Stack
from tests.events import load_event


def test_overrides_reach_nested_fields_and_leave_the_fixture_untouched() -> None:
    record = load_event("sqs_record", body="hi", attributes__ApproximateReceiveCount="3")
    assert record["body"] == "hi" and record["attributes"]["ApproximateReceiveCount"] == "3"
    record["attributes"]["ApproximateReceiveCount"] = "9"
    assert load_event("sqs_record")["attributes"]["ApproximateReceiveCount"] == "1"


def test_a_misspelt_field_is_an_error_not_a_silent_extra_key() -> None:
    with pytest.raises(KeyError):
        load_event("sqs_record", bdy="x")


def test_the_local_runtime_builds_the_same_record_shapes() -> None:
    stack = Stack({"Resources": {}}, name="gdesk-t", region="ap-northeast-2")
    sqs = runtime._sqs_record({"MessageId": "m", "ReceiptHandle": "r", "Body": "b", "MD5OfBody": "x"},
                              "arn:aws:sqs:ap-northeast-2:1:q", "ap-northeast-2")
    kinesis = runtime._kinesis_record({"PartitionKey": "p", "SequenceNumber": "1", "Data": b"x",
                                       "ApproximateArrivalTimestamp": datetime.now(UTC)},
                                      "arn:s", "shardId-0", stack)
    assert set(sqs) == set(load_event("sqs_record"))
    assert set(kinesis) == set(load_event("kinesis_record"))
    assert set(kinesis["kinesis"]) == set(load_event("kinesis_record")["kinesis"])
    scheduled = runtime.scheduled_event(stack, "DigestFunction", "Digest")
    assert set(scheduled) == set(load_event("schedule"))


def test_powertools_reads_every_fixture() -> None:
    from aws_lambda_powertools.utilities.data_classes import (
        EventBridgeEvent,
        KinesisStreamEvent,
        S3Event,
        SQSEvent,
    )

    data = base64.b64encode(b'{"n": 3}').decode()
    kinesis = KinesisStreamEvent({"Records": [load_event("kinesis_record", kinesis__data=data)]})
    assert next(kinesis.records).kinesis.data_as_json() == {"n": 3}
    assert next(SQSEvent({"Records": [load_event("sqs_record", body="b")]}).records).body == "b"
    s3 = S3Event({"Records": [load_event("s3_object_created", s3__object__key="E1001%2Fp.jpg")]})
    assert s3.object_key == "E1001/p.jpg" and s3.bucket_name == "b"
    assert EventBridgeEvent(load_event("schedule")).detail_type == "Scheduled Event"
