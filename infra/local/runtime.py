"""The local Lambda runtime: invokes the template's functions in process and drives the event
sources the template declares, in the real AWS event shapes and with Lambda's semantics.

- SQS: ReceiveMessage (batch size) → ``{"Records": [... "eventSource": "aws:sqs" ...]}`` → the
  messages of a successful batch are deleted; with ``ReportBatchItemFailures`` only the reported
  failures stay; on a function error nothing is deleted and the queue's visibility timeout and
  redrive policy decide (moto implements both).
- Kinesis: GetRecords per shard from a checkpoint → ``{"Records": [{"kinesis": {...}}]}`` with batch
  size; partial batch failure checkpoints before the lowest reported failure and retries from it;
  a function error retries the batch (halved when ``BisectBatchOnFunctionError``); after
  ``MaximumRetryAttempts`` (or records older than ``MaximumRecordAgeInSeconds``) the batch's
  description goes to the ``OnFailure`` destination and the shard moves on.
- Schedules: ``rate(...)`` expressions invoke the function with an EventBridge "Scheduled Event".
- TTL: moto does not expire items; ``sweep_ttl`` deletes items whose TTL attribute has passed.
"""

from __future__ import annotations

import base64
import importlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from infra.local.template import Stack


class LambdaContext:
    """The attributes of the real Lambda context object that handlers and Powertools read."""

    def __init__(self, function_name: str, memory_mb: int, timeout_s: int, arn: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = datetime.now(UTC).strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class _ShardState:
    checkpoint: str | None = None  # last sequence number handled (None: from the trim horizon)
    attempts: int = 0
    batch_limit: int | None = None  # reduced by bisection after function errors


@dataclass
class EventSource:
    name: str
    type: str
    properties: dict[str, Any]


@dataclass
class LambdaRuntime:
    stack: Stack
    client_factory: Callable[[str], Any]
    _handlers: dict[str, Callable[..., Any]] = field(default_factory=dict)
    _shards: dict[tuple[str, str, str], _ShardState] = field(default_factory=dict)
    _next_run: dict[tuple[str, str], float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[str] = field(default_factory=list)

    # -- functions --------------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        """The union of every function's resolved environment (the local process runs them all)."""
        env: dict[str, str] = {}
        for logical_id in self.stack.functions():
            env.update(self.stack.function_environment(logical_id))
        return env

    def handler(self, logical_id: str) -> Callable[..., Any]:
        with self._lock:
            if logical_id not in self._handlers:
                spec = self.stack.function_property(logical_id, "Handler")
                code_uri = str(self.stack.function_property(logical_id, "CodeUri", ".")).strip("/")
                module_name, _, attr = str(spec).rpartition(".")
                if code_uri not in ("", "."):
                    module_name = code_uri.replace("/", ".") + "." + module_name
                module = importlib.import_module(module_name)
                self._handlers[logical_id] = getattr(module, attr)
            return self._handlers[logical_id]

    def context(self, logical_id: str) -> LambdaContext:
        return LambdaContext(
            self.stack.physical.get(logical_id, logical_id),
            int(self.stack.function_property(logical_id, "MemorySize", 128)),
            int(self.stack.function_property(logical_id, "Timeout", 3)),
            self.stack.attributes.get((logical_id, "Arn"), ""),
        )

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        """Invoke a function synchronously; a raised exception is Lambda's "function error"."""
        return self.handler(logical_id)(event, self.context(logical_id))

    def event_sources(self, logical_id: str, *types: str) -> list[EventSource]:
        events = self.stack.functions()[logical_id].get("Properties", {}).get("Events", {}) or {}
        out = []
        for name, spec in events.items():
            if types and spec.get("Type") not in types:
                continue
            if spec.get("Type") == "Api":
                continue
            out.append(EventSource(name, spec["Type"], self.stack.resolve(spec.get("Properties", {}))))
        return out

    def functions_with(self, *types: str) -> list[str]:
        return [f for f in self.stack.functions() if self.event_sources(f, *types)]

    # -- SQS --------------------------------------------------------------------------------

    def drive_sqs_once(self, logical_id: str, wait_seconds: int = 0) -> int:
        """Receive one batch per SQS source of the function and invoke it; returns messages handled."""
        handled = 0
        sqs = self.client_factory("sqs")
        for source in self.event_sources(logical_id, "SQS"):
            arn = source.properties["Queue"]
            url = _queue_url(sqs, arn)
            batch = min(int(source.properties.get("BatchSize", 10)), 10)
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=batch, WaitTimeSeconds=wait_seconds,
                AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
            if not messages:
                continue
            event = {"Records": [_sqs_record(m, arn, self.stack.region) for m in messages]}
            try:
                result = self.invoke(logical_id, event)
            except Exception as exc:  # noqa: BLE001 - a function error: messages return after the timeout
                self._note(logical_id, exc)
                continue
            failed = _failed_ids(result, source.properties)
            if failed - {m["MessageId"] for m in messages}:  # like Lambda: an unknown id fails the batch
                self._note(logical_id, ValueError(f"batchItemFailures names unknown ids {sorted(failed)}"))
                continue
            done = [m for m in messages if m["MessageId"] not in failed]
            for start in range(0, len(done), 10):
                entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                           for i, m in enumerate(done[start:start + 10])]
                sqs.delete_message_batch(QueueUrl=url, Entries=entries)
            handled += len(done)
        return handled

    # -- Kinesis ------------------------------------------------------------------------------

    def prime_kinesis(self) -> None:
        """Start every ``LATEST`` stream source at the current end of its shards, as an event source
        mapping created now would."""
        kinesis = self.client_factory("kinesis")
        for logical_id in self.functions_with("Kinesis"):
            for source in self.event_sources(logical_id, "Kinesis"):
                if source.properties.get("StartingPosition", "LATEST") != "LATEST":
                    continue
                stream = _stream_name(source.properties["Stream"])
                for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
                    state = self._shards.setdefault((logical_id, stream, shard["ShardId"]), _ShardState())
                    state.checkpoint = _last_sequence(kinesis, stream, shard["ShardId"])

    def forget_stream_positions(self) -> None:
        """After the endpoint restarted (its streams are new): start again from their current end."""
        self._shards.clear()
        self.prime_kinesis()

    def drive_kinesis_once(self, logical_id: str) -> int:
        """One GetRecords batch per shard through the function; returns records checkpointed."""
        kinesis = self.client_factory("kinesis")
        moved = 0
        for source in self.event_sources(logical_id, "Kinesis"):
            stream_arn = source.properties["Stream"]
            stream = _stream_name(stream_arn)
            for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
                state = self._shards.setdefault((logical_id, stream, shard["ShardId"]), _ShardState())
                moved += self._drive_shard(logical_id, source.properties, kinesis, stream_arn, stream,
                                           shard["ShardId"], state)
        return moved

    def _drive_shard(self, logical_id: str, props: dict[str, Any], kinesis: Any, stream_arn: str,
                     stream: str, shard_id: str, state: _ShardState) -> int:
        if state.checkpoint:
            iterator = kinesis.get_shard_iterator(
                StreamName=stream, ShardId=shard_id, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                StartingSequenceNumber=state.checkpoint)["ShardIterator"]
        else:
            iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard_id,
                                                  ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        limit = state.batch_limit or int(props.get("BatchSize", 100))
        records = kinesis.get_records(ShardIterator=iterator, Limit=min(limit, 10000))["Records"]
        if not records:
            return 0
        max_age = props.get("MaximumRecordAgeInSeconds")
        if max_age and int(max_age) > 0:
            cutoff = time.time() - int(max_age)
            expired = [r for r in records if r["ApproximateArrivalTimestamp"].timestamp() < cutoff]
            if expired:
                self._on_failure(props, stream_arn, shard_id, expired, "RecordAgeExceeded")
                state.checkpoint, state.attempts, state.batch_limit = expired[-1]["SequenceNumber"], 0, None
                return len(expired)
        event = {"Records": [_kinesis_record(r, stream_arn, shard_id, self.stack) for r in records]}
        try:
            result = self.invoke(logical_id, event)
        except Exception as exc:  # noqa: BLE001 - function error: retry (bisected) or give up
            self._note(logical_id, exc)
            return self._retry_or_skip(props, stream_arn, shard_id, state, records,
                                       bisect=bool(props.get("BisectBatchOnFunctionError")))
        failed = _failed_ids(result, props)
        if failed - {r["SequenceNumber"] for r in records}:  # like Lambda: the whole batch failed
            self._note(logical_id, ValueError(f"batchItemFailures names unknown ids {sorted(failed)}"))
            return self._retry_or_skip(props, stream_arn, shard_id, state, records, bisect=False)
        if not failed:
            state.checkpoint, state.attempts, state.batch_limit = records[-1]["SequenceNumber"], 0, None
            return len(records)
        first = min(int(seq) for seq in failed)
        done = [r for r in records if int(r["SequenceNumber"]) < first]
        if done:  # progress: checkpoint before the first failure and retry from it
            state.checkpoint, state.attempts = done[-1]["SequenceNumber"], 0
            return len(done)
        return self._retry_or_skip(props, stream_arn, shard_id, state, records, bisect=False)

    def _retry_or_skip(self, props: dict[str, Any], stream_arn: str, shard_id: str, state: _ShardState,
                       records: list[dict[str, Any]], *, bisect: bool) -> int:
        state.attempts += 1
        max_attempts = int(props.get("MaximumRetryAttempts", -1))
        if max_attempts < 0 or state.attempts <= max_attempts:
            if bisect and len(records) > 1:
                state.batch_limit = max(1, len(records) // 2)
            return 0
        self._on_failure(props, stream_arn, shard_id, records, "RetryAttemptsExhausted")
        state.checkpoint, state.attempts, state.batch_limit = records[-1]["SequenceNumber"], 0, None
        return len(records)

    def _on_failure(self, props: dict[str, Any], stream_arn: str, shard_id: str,
                    records: list[dict[str, Any]], condition: str) -> None:
        destination = (props.get("DestinationConfig") or {}).get("OnFailure", {}).get("Destination")
        if not destination:
            return
        message = {
            "requestContext": {"condition": condition, "approximateInvokeCount": 1},
            "KinesisBatchInfo": {
                "shardId": shard_id, "streamArn": stream_arn, "batchSize": len(records),
                "startSequenceNumber": records[0]["SequenceNumber"],
                "endSequenceNumber": records[-1]["SequenceNumber"],
                "approximateArrivalOfFirstRecord": records[0]["ApproximateArrivalTimestamp"].isoformat(),
                "approximateArrivalOfLastRecord": records[-1]["ApproximateArrivalTimestamp"].isoformat(),
            },
            "timestamp": datetime.now(UTC).isoformat(),
        }
        sqs = self.client_factory("sqs")
        sqs.send_message(QueueUrl=_queue_url(sqs, destination), MessageBody=json.dumps(message))

    # -- schedules and TTL -----------------------------------------------------------------------

    def drive_schedules(self, now: float | None = None, speedup: float = 1.0) -> int:
        """Invoke every scheduled function that is due; returns invocations made."""
        now = time.monotonic() if now is None else now
        count = 0
        for logical_id in self.functions_with("Schedule", "ScheduleV2"):
            for source in self.event_sources(logical_id, "Schedule", "ScheduleV2"):
                if source.properties.get("Enabled") is False or source.properties.get("State") == "DISABLED":
                    continue
                key = (logical_id, source.name)
                due = self._next_run.get(key, now)
                if now < due:
                    continue
                expression = source.properties.get("Schedule") or source.properties["ScheduleExpression"]
                self._next_run[key] = now + rate_seconds(expression) / speedup
                event = scheduled_event(self.stack, logical_id, source.name,
                                        source.properties.get("Input"))
                try:
                    self.invoke(logical_id, event)
                except Exception as exc:  # noqa: BLE001 - a failed run is logged; the next one comes
                    self._note(logical_id, exc)
                count += 1
        return count

    def sweep_ttl(self, now: float | None = None) -> int:
        """Delete expired items from every table with TTL, as DynamoDB's TTL process would."""
        ddb = self.client_factory("dynamodb")
        now = time.time() if now is None else now
        deleted = 0
        for logical_id, resource in self.stack.of_type("AWS::DynamoDB::Table").items():
            spec = resource.get("Properties", {}).get("TimeToLiveSpecification") or {}
            if not spec.get("Enabled"):
                continue
            table = self.stack.physical[logical_id]
            keys = [k["AttributeName"] for k in resource["Properties"]["KeySchema"]]
            attribute = spec["AttributeName"]
            names = {f"#k{i}": k for i, k in enumerate([*keys, attribute])}
            paginator = ddb.get_paginator("scan")
            # Filtered here, not with a FilterExpression: like DynamoDB, a TTL attribute that is not
            # a number is ignored (moto fails the whole scan when it compares a string with a number).
            for page in paginator.paginate(TableName=table, ProjectionExpression=", ".join(names),
                                           ExpressionAttributeNames=names):
                for item in page.get("Items", []):
                    if not _expired(item.get(attribute), now):
                        continue
                    ddb.delete_item(TableName=table, Key={k: item[k] for k in keys})
                    deleted += 1
        return deleted

    # -- background driving ------------------------------------------------------------------------

    def start(self, stop: threading.Event, spawn: Callable[[str, Callable[[], None]], None],
              schedule_speedup: float = 1.0, sweep_interval: float = 30.0, schedules: bool = True,
              sweep: bool = True) -> None:
        """Drive every event source in background threads until ``stop`` is set (the schedules
        too, unless ``schedules`` is False: a benchmark drives only what it measures)."""
        self.prime_kinesis()
        for logical_id in self.functions_with("SQS"):
            spawn(f"sqs:{logical_id}", self._loop(stop, partial(self.drive_sqs_once, logical_id, 1), 0.05))
        for logical_id in self.functions_with("Kinesis"):
            spawn(f"kinesis:{logical_id}",
                  self._loop(stop, partial(self.drive_kinesis_once, logical_id), 0.25))
        if schedules:
            spawn("schedules", self._loop(stop, lambda: self.drive_schedules(speedup=schedule_speedup), 1.0))
        if sweep:  # not when the moto child expires items itself (LocalCloud.child_ttl_seconds)
            spawn("ttl-sweeper", self._loop(stop, self.sweep_ttl, sweep_interval))

    def _loop(self, stop: threading.Event, step: Callable[[], Any], idle: float) -> Callable[[], None]:
        def run() -> None:
            while not stop.is_set():
                try:
                    busy = step()
                except Exception as exc:  # noqa: BLE001 - keep driving; the endpoint may be restarting
                    self._note("driver", exc)
                    busy = 0
                if not busy:
                    stop.wait(idle)
        return run

    def _note(self, logical_id: str, exc: BaseException) -> None:
        self.errors.append(f"{logical_id}: {type(exc).__name__}: {exc}")
        del self.errors[:-100]


# -- event shapes ---------------------------------------------------------------------------------


def _queue_url(sqs: Any, arn: str) -> str:
    if arn.startswith("http"):
        return arn
    parts = arn.split(":")
    return sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])["QueueUrl"]


def _stream_name(arn: str) -> str:
    return arn.split("/", 1)[1] if arn.startswith("arn:") else arn


def _last_sequence(kinesis: Any, stream: str, shard_id: str) -> str | None:
    iterator = kinesis.get_shard_iterator(StreamName=stream, ShardId=shard_id,
                                          ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    last = None
    while iterator:
        page = kinesis.get_records(ShardIterator=iterator, Limit=10000)
        if not page["Records"]:
            break
        last = page["Records"][-1]["SequenceNumber"]
        iterator = page.get("NextShardIterator")
    return last


def _expired(value: dict[str, Any] | None, now: float) -> bool:
    """DynamoDB TTL: a Number attribute holding epoch seconds that lies in the past."""
    if not value or "N" not in value:
        return False
    try:
        return float(value["N"]) <= now
    except ValueError:
        return False


def _failed_ids(result: Any, props: dict[str, Any]) -> set[str]:
    if "ReportBatchItemFailures" not in (props.get("FunctionResponseTypes") or []):
        return set()
    if not isinstance(result, dict):
        return set()
    failures = result.get("batchItemFailures") or []
    if not isinstance(failures, list):
        return {""}  # an invalid response: no id matches, so the whole batch counts as failed
    return {str(f.get("itemIdentifier") or "") if isinstance(f, dict) else "" for f in failures}


def _sqs_record(message: dict[str, Any], arn: str, region: str) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            k: {"stringValue": v.get("StringValue"), "binaryValue": v.get("BinaryValue"),
                "stringListValues": [], "binaryListValues": [], "dataType": v["DataType"]}
            for k, v in message.get("MessageAttributes", {}).items()},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": arn,
        "awsRegion": region,
    }


def _kinesis_record(record: dict[str, Any], stream_arn: str, shard_id: str, stack: Stack) -> dict[str, Any]:
    return {
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "partitionKey": record["PartitionKey"],
            "sequenceNumber": record["SequenceNumber"],
            "data": base64.b64encode(record["Data"]).decode(),
            "approximateArrivalTimestamp": record["ApproximateArrivalTimestamp"].timestamp(),
        },
        "eventSource": "aws:kinesis",
        "eventVersion": "1.0",
        "eventID": f"{shard_id}:{record['SequenceNumber']}",
        "eventName": "aws:kinesis:record",
        "invokeIdentityArn": f"arn:aws:iam::{stack.account}:role/gdesk-local",
        "awsRegion": stack.region,
        "eventSourceARN": stream_arn,
    }


_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")


def rate_seconds(expression: str) -> float:
    """Seconds between runs of a ``rate(...)`` expression (cron expressions run hourly locally)."""
    match = _RATE.match(expression.strip())
    if not match:
        return 3600.0
    value, unit = int(match.group(1)), match.group(2)
    return value * {"minute": 60, "hour": 3600, "day": 86400}[unit.rstrip("s")]


def scheduled_event(stack: Stack, logical_id: str, source_name: str, payload: Any = None) -> dict[str, Any]:
    if payload:
        return json.loads(payload) if isinstance(payload, str) else payload
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
        "source": "aws.events", "account": stack.account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": stack.region,
        "resources": [f"arn:aws:events:{stack.region}:{stack.account}:rule/{stack.name}-{logical_id}"
                      f"{source_name}"],
        "detail": {},
    }
