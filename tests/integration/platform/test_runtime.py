"""The local Lambda runtime drives a template's event sources like Lambda does, on the moto server.

A small test template (its own stack name on the same endpoint) declares an SQS queue with a DLQ,
Kinesis streams with partial-batch, retry, bisect and on-failure settings, a schedule, a TTL table
and a bucket notifying a queue; its handlers live in ``tests/integration/platform/handlers.py``.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from urllib.parse import unquote_plus

import boto3
import pytest

from infra.local.bootstrap import bootstrap
from infra.local.runtime import LambdaRuntime
from infra.local.template import Stack, load
from tests.integration.platform import handlers

pytestmark = pytest.mark.integration

H = "tests.integration.platform.handlers"
TEMPLATE = f"""
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    CodeUri: .
    Environment:
      Variables:
        WORK_QUEUE: !Ref WorkQueue
Resources:
  WorkDLQ:
    Type: AWS::SQS::Queue
    Properties: {{QueueName: !Sub "${{AWS::StackName}}-work-dlq"}}
  WorkQueue:
    Type: AWS::SQS::Queue
    Properties:
      QueueName: !Sub "${{AWS::StackName}}-work"
      VisibilityTimeout: 1
      RedrivePolicy: {{deadLetterTargetArn: !GetAtt WorkDLQ.Arn, maxReceiveCount: 2}}
  SqsWorker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: {H}.sqs_handler
      Events:
        Work:
          Type: SQS
          Properties: {{Queue: !GetAtt WorkQueue.Arn, BatchSize: 10,
                        FunctionResponseTypes: [ReportBatchItemFailures]}}
  PartialStream:
    Type: AWS::Kinesis::Stream
    Properties: {{Name: !Sub "${{AWS::StackName}}-partial", ShardCount: 1}}
  PartialWorker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: {H}.partial_handler
      Events:
        Stream:
          Type: Kinesis
          Properties: {{Stream: !GetAtt PartialStream.Arn, StartingPosition: TRIM_HORIZON, BatchSize: 5,
                        MaximumRetryAttempts: 3, FunctionResponseTypes: [ReportBatchItemFailures]}}
  PoisonStream:
    Type: AWS::Kinesis::Stream
    Properties: {{Name: !Sub "${{AWS::StackName}}-poison", ShardCount: 1}}
  StreamFailures:
    Type: AWS::SQS::Queue
    Properties: {{QueueName: !Sub "${{AWS::StackName}}-stream-failures"}}
  PoisonWorker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: {H}.poison_handler
      Events:
        Stream:
          Type: Kinesis
          Properties:
            Stream: !GetAtt PoisonStream.Arn
            StartingPosition: TRIM_HORIZON
            BatchSize: 4
            BisectBatchOnFunctionError: true
            MaximumRetryAttempts: 2
            FunctionResponseTypes: [ReportBatchItemFailures]
            DestinationConfig: {{OnFailure: {{Type: SQS, Destination: !GetAtt StreamFailures.Arn}}}}
  Ticker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: {H}.tick_handler
      Events:
        Every5:
          Type: Schedule
          Properties: {{Schedule: rate(5 minutes)}}
        Off:
          Type: Schedule
          Properties: {{Schedule: rate(1 minute), Enabled: false}}
  Sessions:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${{AWS::StackName}}-sessions"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}]
      KeySchema: [{{AttributeName: pk, KeyType: HASH}}]
      TimeToLiveSpecification: {{AttributeName: expires_at, Enabled: true}}
  UploadQueue:
    Type: AWS::SQS::Queue
    Properties: {{QueueName: !Sub "${{AWS::StackName}}-uploads"}}
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${{AWS::StackName}}-uploads-${{AWS::AccountId}}"
      NotificationConfiguration:
        QueueConfigurations:
          - {{Event: "s3:ObjectCreated:*", Queue: !GetAtt UploadQueue.Arn,
              Filter: {{S3Key: {{Rules: [{{Name: prefix, Value: "incoming/"}}]}}}}}}
  UploadWorker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: {H}.upload_handler
      Events:
        Uploads:
          Type: SQS
          Properties: {{Queue: !GetAtt UploadQueue.Arn, BatchSize: 10}}
"""


@pytest.fixture(scope="module")
def test_stack(aws_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Stack:
    path = tmp_path_factory.mktemp("runtime") / "template.yaml"
    path.write_text(TEMPLATE)
    stack = Stack(load(path), name=f"rt-{secrets.token_hex(3)}", region="ap-northeast-2")
    bootstrap(stack, boto3.client)
    return stack


@pytest.fixture
def rt(test_stack: Stack) -> Iterator[LambdaRuntime]:
    handlers.reset()
    yield LambdaRuntime(test_stack, boto3.client)
    handlers.reset()


def _queue_counts(url: str) -> tuple[int, int]:
    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return (int(attributes["ApproximateNumberOfMessages"]),
            int(attributes["ApproximateNumberOfMessagesNotVisible"]))


def _send(url: str, *bodies: str) -> None:
    sqs = boto3.client("sqs")
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)


def _drain(url: str) -> list[str]:
    sqs, bodies = boto3.client("sqs"), []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return bodies
        for m in messages:
            bodies.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


# -- SQS ------------------------------------------------------------------------------------------


def test_sqs_a_successful_batch_is_deleted(rt: LambdaRuntime, test_stack: Stack) -> None:
    url = test_stack.physical["WorkQueue"]
    _send(url, "a", "b", "c")
    assert rt.drive_sqs_once("SqsWorker") == 3
    (event,) = handlers.CALLS["sqs"]
    assert sorted(r["body"] for r in event["Records"]) == ["a", "b", "c"]
    record = event["Records"][0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == test_stack.attributes[("WorkQueue", "Arn")]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert _queue_counts(url) == (0, 0)
    assert rt.drive_sqs_once("SqsWorker") == 0


def test_sqs_partial_failures_stay_and_end_in_the_dlq(rt: LambdaRuntime, test_stack: Stack) -> None:
    url, dlq = test_stack.physical["WorkQueue"], test_stack.physical["WorkDLQ"]
    _send(url, "ok-1", "fail", "ok-2")
    assert rt.drive_sqs_once("SqsWorker") == 2
    assert _queue_counts(url) == (0, 1)  # the failed one is in flight until the visibility timeout
    time.sleep(1.2)
    assert rt.drive_sqs_once("SqsWorker") == 0  # received a 2nd time, fails again
    time.sleep(1.2)
    rt.drive_sqs_once("SqsWorker")  # maxReceiveCount 2 reached: SQS moves it to the DLQ
    assert _drain(dlq) == ["fail"]
    assert _queue_counts(url) == (0, 0)


def test_sqs_a_function_error_keeps_the_whole_batch(rt: LambdaRuntime, test_stack: Stack) -> None:
    url = test_stack.physical["WorkQueue"]
    _send(url, "x", "y")
    handlers.BEHAVIOUR["sqs_raise"] = True
    assert rt.drive_sqs_once("SqsWorker") == 0
    assert _queue_counts(url) == (0, 2)
    assert any("SqsWorker: RuntimeError" in e for e in rt.errors)
    handlers.BEHAVIOUR["sqs_raise"] = False
    time.sleep(1.2)
    assert rt.drive_sqs_once("SqsWorker") == 2
    assert _queue_counts(url) == (0, 0)


def test_sqs_an_unknown_failure_id_fails_the_whole_batch(rt: LambdaRuntime, test_stack: Stack) -> None:
    """Like Lambda: an itemIdentifier that is not in the batch makes the whole batch a failure."""
    url = test_stack.physical["WorkQueue"]
    _send(url, "p", "q")
    handlers.BEHAVIOUR["sqs_bogus_failure"] = True
    assert rt.drive_sqs_once("SqsWorker") == 0
    assert _queue_counts(url) == (0, 2)
    handlers.BEHAVIOUR["sqs_bogus_failure"] = False
    time.sleep(1.2)
    assert rt.drive_sqs_once("SqsWorker") == 2


# -- Kinesis ----------------------------------------------------------------------------------------


def _put(stream: str, *values: str) -> list[str]:
    kinesis = boto3.client("kinesis")
    return [kinesis.put_record(StreamName=stream, Data=v.encode(), PartitionKey="cam-1")["SequenceNumber"]
            for v in values]


def test_kinesis_partial_failure_retries_from_the_failed_record(rt: LambdaRuntime, test_stack: Stack) -> None:
    stream = test_stack.physical["PartialStream"]
    values = [str(i) for i in range(1, 11)]
    sequences = _put(stream, *values)
    handlers.BEHAVIOUR["partial_fail_once"] = {"4"}
    assert rt.drive_kinesis_once("PartialWorker") == 3  # 1..5 delivered; 4 failed: checkpoint after 3
    assert rt.drive_kinesis_once("PartialWorker") == 5  # 4..8
    assert rt.drive_kinesis_once("PartialWorker") == 2  # 9, 10
    assert rt.drive_kinesis_once("PartialWorker") == 0
    batches = [[r["kinesis"]["sequenceNumber"] for r in e["Records"]] for e in handlers.CALLS["partial"]]
    assert batches == [sequences[0:5], sequences[3:8], sequences[8:10]]
    # Nothing lost, nothing handled twice (the handler's store is keyed by sequence number).
    assert sorted(handlers.DONE["partial"].values(), key=int) == values
    assert list(handlers.DONE["partial"]) == sequences
    first = handlers.CALLS["partial"][0]["Records"][0]
    assert first["eventSource"] == "aws:kinesis"
    assert first["eventSourceARN"] == test_stack.attributes[("PartialStream", "Arn")]
    assert first["eventID"].endswith(":" + sequences[0])


def test_kinesis_bisects_and_sends_the_poison_record_to_on_failure(rt: LambdaRuntime,
                                                                    test_stack: Stack) -> None:
    stream, failures = test_stack.physical["PoisonStream"], test_stack.physical["StreamFailures"]
    sequences = _put(stream, "1", "2", "3", "4", "5", "6")
    handlers.BEHAVIOUR["poison_poison"] = {"3"}
    for _ in range(20):
        rt.drive_kinesis_once("PoisonWorker")
    sizes = [len(e["Records"]) for e in handlers.CALLS["poison"]]
    assert sizes[0] == 4 and sizes[1] == 2  # a function error halves the batch before retrying
    assert min(sizes) == 1  # ... down to the poison record alone
    # Every good record was handled exactly once in the idempotent store; the poison one never.
    assert sorted(handlers.DONE["poison"].values()) == ["1", "2", "4", "5", "6"]
    (message,) = [json.loads(b) for b in _drain(failures)]
    info = message["KinesisBatchInfo"]
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["batchSize"] == 1
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == sequences[2]
    assert info["streamArn"] == test_stack.attributes[("PoisonStream", "Arn")]
    # The shard moved on: new records flow.
    handlers.CALLS.clear()
    (late,) = _put(stream, "7")
    assert rt.drive_kinesis_once("PoisonWorker") == 1
    assert handlers.CALLS["poison"][0]["Records"][0]["kinesis"]["sequenceNumber"] == late


def test_kinesis_a_function_error_keeps_the_checkpoint(rt: LambdaRuntime, test_stack: Stack) -> None:
    stream = test_stack.physical["PoisonStream"]
    rt.drive_kinesis_once("PoisonWorker")  # catch up with what earlier tests left
    for _ in range(10):
        if rt.drive_kinesis_once("PoisonWorker") == 0:
            break
    handlers.reset()
    _put(stream, "x", "y")
    handlers.BEHAVIOUR["poison_poison"] = {"x", "y"}
    state_before = dict(rt._shards)
    assert rt.drive_kinesis_once("PoisonWorker") == 0
    assert [s.checkpoint for s in rt._shards.values()] == [s.checkpoint for s in state_before.values()]
    handlers.BEHAVIOUR["poison_poison"] = set()
    moved = sum(rt.drive_kinesis_once("PoisonWorker") for _ in range(3))
    assert moved == 2 and sorted(handlers.DONE["poison"].values()) == ["x", "y"]


# -- schedules, TTL, S3 notifications ---------------------------------------------------------------


def test_schedule_runs_when_due_and_not_before(rt: LambdaRuntime) -> None:
    assert rt.drive_schedules(now=1000.0) == 1
    assert rt.drive_schedules(now=1000.0 + 299) == 0
    assert rt.drive_schedules(now=1000.0 + 300) == 1
    assert rt.drive_schedules(now=1000.0 + 301) == 0
    event = handlers.CALLS["tick"][0]
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert len(handlers.CALLS["tick"]) == 2  # the disabled schedule never ran


def test_schedule_speedup(rt: LambdaRuntime) -> None:
    assert rt.drive_schedules(now=0.0, speedup=10) == 1
    assert rt.drive_schedules(now=29.0, speedup=10) == 0
    assert rt.drive_schedules(now=30.0, speedup=10) == 1


def test_ttl_sweep_deletes_only_expired_items(rt: LambdaRuntime, test_stack: Stack) -> None:
    ddb, table = boto3.client("dynamodb"), test_stack.physical["Sessions"]
    now = int(time.time())
    ddb.put_item(TableName=table, Item={"pk": {"S": "expired"}, "expires_at": {"N": str(now - 10)}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "future"}, "expires_at": {"N": str(now + 3600)}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "forever"}})
    ddb.put_item(TableName=table, Item={"pk": {"S": "text-ttl"}, "expires_at": {"S": "yesterday"}})
    assert rt.sweep_ttl(now=now) == 1
    left = {i["pk"]["S"] for i in ddb.scan(TableName=table)["Items"]}
    assert left == {"future", "forever", "text-ttl"}
    assert rt.sweep_ttl(now=now + 7200) == 1
    assert {i["pk"]["S"] for i in ddb.scan(TableName=table)["Items"]} == {"forever", "text-ttl"}


def test_s3_notification_reaches_the_handler_through_sqs(rt: LambdaRuntime, test_stack: Stack) -> None:
    s3, bucket = boto3.client("s3"), test_stack.physical["Uploads"]
    s3.put_object(Bucket=bucket, Key="incoming/photo 1.jpg", Body=b"\xff\xd8jpeg")
    s3.put_object(Bucket=bucket, Key="elsewhere/skip.jpg", Body=b"x")  # filtered out by prefix
    for _ in range(5):
        if rt.drive_sqs_once("UploadWorker") == 0:
            break
    documents = handlers.CALLS["upload"]
    test_events = [d for d in documents if d.get("Event") == "s3:TestEvent"]
    records = [r for d in documents for r in d.get("Records", [])]
    # Putting the notification configuration sends one s3:TestEvent, which has no "Records".
    assert test_events, documents
    assert all(d.get("Service") == "Amazon S3" and d.get("Bucket") == bucket for d in test_events)
    assert len(records) == 1
    record = records[0]
    assert record["eventSource"] == "aws:s3" and record["eventName"].startswith("ObjectCreated:")
    assert record["s3"]["bucket"]["name"] == bucket
    # S3 URL-encodes the key (space → "+"; moto also encodes "/" as %2F): handlers unquote_plus it.
    assert unquote_plus(record["s3"]["object"]["key"]) == "incoming/photo 1.jpg"
    assert _queue_counts(test_stack.physical["UploadQueue"]) == (0, 0)


def test_the_runtime_environment_resolves_the_template(rt: LambdaRuntime, test_stack: Stack) -> None:
    assert rt.environment()["WORK_QUEUE"] == test_stack.physical["WorkQueue"]
    assert set(rt.functions_with("SQS")) == {"SqsWorker", "UploadWorker"}
    assert set(rt.functions_with("Kinesis")) == {"PartialWorker", "PoisonWorker"}


def test_invoke_passes_a_lambda_context(rt: LambdaRuntime) -> None:
    rt.invoke("Ticker", {"x": 1})
    assert handlers.CALLS["tick"] == [{"x": 1}]
    assert rt.context("Ticker").function_name.endswith("-Ticker")


