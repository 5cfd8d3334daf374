"""The only module of the cafeteria tool that talks to AWS: the zone-minute table and the DLQ.

Table layout (CafeteriaTable, single table):

    pk = "D#<local date>"   sk = "<zone>#<HH:MM>"
    cams      map camera id → {t: epoch ms, c: count}   (the latest sample per camera)
    count, level, wait_minutes, cameras, last_ts        derived from cams at write time
    version   optimistic lock: every write is conditional on the version it read
    expires_at  TTL (retention_days after the minute)

One partition per day keeps "today" one Query and a same-weekday history day one Query each.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from chalicelib import aws
from chalicelib.cafeteria.density import CafeteriaConfig, CameraSample, MinuteKey, MinuteRecord


class StoreUnavailable(RuntimeError):
    """DynamoDB or SQS did not accept a request (throttled, down, misconfigured)."""


@dataclass(frozen=True)
class StoredMinute:
    cameras: dict[str, CameraSample]
    version: int


def _key(key: MinuteKey) -> dict[str, Any]:
    zone, day, minute = key
    return {"pk": {"S": f"D#{day}"}, "sk": {"S": f"{zone}#{minute}"}}


def _cameras_from_item(item: Mapping[str, Any]) -> dict[str, CameraSample]:
    return {camera: (int(value["M"]["t"]["N"]), int(value["M"]["c"]["N"]))
            for camera, value in item.get("cams", {}).get("M", {}).items()}


def _record_from_item(item: Mapping[str, Any]) -> MinuteRecord:
    zone, _, minute = item["sk"]["S"].rpartition("#")
    return MinuteRecord(zone, item["pk"]["S"][2:], minute, _cameras_from_item(item))


def _client_errors() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


class CafeteriaStore:
    def __init__(self, table: str, client: Any = None) -> None:
        self.table = table
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws.client("dynamodb")
        return self._client

    # -- ingest ------------------------------------------------------------------------------------

    def load(self, keys: Sequence[MinuteKey]) -> dict[MinuteKey, StoredMinute]:
        """The stored zone-minutes among ``keys`` (BatchGetItem, 100 keys a call, consistent reads)."""
        found: dict[MinuteKey, StoredMinute] = {}
        by_id = {(f"D#{k[1]}", f"{k[0]}#{k[2]}"): k for k in keys}
        pending = [_key(k) for k in keys]
        try:
            while pending:
                chunk, pending = pending[:100], pending[100:]
                request: dict[str, Any] = {self.table: {"Keys": chunk, "ConsistentRead": True,
                                                        "ProjectionExpression": "pk, sk, cams, version"}}
                for _ in range(8):
                    response = self.client.batch_get_item(RequestItems=request)
                    for item in response.get("Responses", {}).get(self.table, []):
                        key = by_id[(item["pk"]["S"], item["sk"]["S"])]
                        version = int(item.get("version", {"N": 0})["N"])
                        found[key] = StoredMinute(_cameras_from_item(item), version)
                    request = response.get("UnprocessedKeys") or {}
                    if not request:
                        break
                else:
                    raise StoreUnavailable("BatchGetItem left keys unprocessed")
        except _client_errors() as exc:
            raise StoreUnavailable(f"reading zone-minutes failed: {exc}") from exc
        return found

    def save(self, key: MinuteKey, cameras: Mapping[str, CameraSample], summary: Mapping[str, Any],
             expected_version: int | None, expires_at: int) -> bool:
        """Write one zone-minute if nobody wrote it since we read it; False on a lost race."""
        item = {**_key(key), **_summary_attributes(key, cameras, summary),
                "version": {"N": str((expected_version or 0) + 1)}, "expires_at": {"N": str(expires_at)}}
        if expected_version is None:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {"ConditionExpression": "version = :v",
                         "ExpressionAttributeValues": {":v": {"N": str(expected_version)}}}
        try:
            self.client.put_item(TableName=self.table, Item=item, **condition)
        except _client_errors() as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code == "ConditionalCheckFailedException":
                return False
            raise StoreUnavailable(f"writing {key} failed: {exc}") from exc
        return True

    def put_minutes(self, minutes: Iterable[tuple[MinuteKey, Mapping[str, CameraSample], Mapping[str, Any]]],
                    expires_at: int) -> int:
        """Unconditional bulk write (demo history seeding only): BatchWriteItem, 25 a call."""
        requests = [{"PutRequest": {"Item": {**_key(key), **_summary_attributes(key, cams, summary),
                                             "version": {"N": "1"}, "expires_at": {"N": str(expires_at)}}}}
                    for key, cams, summary in minutes]
        for start in range(0, len(requests), 25):
            pending: dict[str, Any] = {self.table: requests[start:start + 25]}
            while pending:
                pending = self.client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        return len(requests)

    # -- reads ----------------------------------------------------------------------------------------

    def minutes(self, day: str, zone: str | None = None, start: str = "00:00",
                end: str = "23:59") -> list[MinuteRecord]:
        """Zone-minutes of one local day, of one zone between two HH:MM (inclusive), or all zones."""
        values: dict[str, Any] = {":pk": {"S": f"D#{day}"}}
        if zone is None:
            condition = "pk = :pk"
        else:
            condition = "pk = :pk AND sk BETWEEN :a AND :b"
            values.update({":a": {"S": f"{zone}#{start}"}, ":b": {"S": f"{zone}#{end}"}})
        out: list[MinuteRecord] = []
        args: dict[str, Any] = {"TableName": self.table, "KeyConditionExpression": condition,
                                "ExpressionAttributeValues": values, "ProjectionExpression": "pk, sk, cams"}
        try:
            while True:
                page = self.client.query(**args)
                out.extend(_record_from_item(item) for item in page.get("Items", []))
                if not page.get("LastEvaluatedKey"):
                    return out
                args["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        except _client_errors() as exc:
            raise StoreUnavailable(f"reading {day} failed: {exc}") from exc

    def recent(self, config: CafeteriaConfig, now: datetime, minutes: int) -> list[MinuteRecord]:
        """Every zone's minutes in ``(now - minutes, now + future tolerance]``, across midnight too."""
        local = now.astimezone(config.tz)
        first = local - timedelta(minutes=minutes)
        last = local + timedelta(seconds=config.future_tolerance_seconds)
        out: list[MinuteRecord] = []
        day = first.date()
        while day <= last.date():
            start = first.strftime("%H:%M") if day == first.date() else "00:00"
            end = last.strftime("%H:%M") if day == last.date() else "23:59"
            for zone in config.zones:
                out.extend(self.minutes(day.isoformat(), zone.id, start, end))
            day += timedelta(days=1)
        return out


def _summary_attributes(key: MinuteKey, cameras: Mapping[str, CameraSample],
                        summary: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "zone": {"S": key[0]}, "minute": {"S": key[2]},
        "cams": {"M": {camera: {"M": {"t": {"N": str(t)}, "c": {"N": str(c)}}}
                       for camera, (t, c) in cameras.items()}},
        "count": {"N": str(summary["count"])}, "level": {"S": summary["level"]},
        "wait_minutes": {"N": str(summary["wait_minutes"])}, "cameras": {"N": str(summary["cameras"])},
        "last_ts": {"N": str(summary["last_ts"])},
    }


class DeadLetterQueue:
    """The DLQ for malformed records: one JSON message per record, with the reason."""

    def __init__(self, url: str, client: Any = None) -> None:
        self.url = url
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = aws.client("sqs")
        return self._client

    def send(self, messages: Sequence[tuple[str, Mapping[str, Any]]]) -> set[str]:
        """Send ``(id, body)`` pairs, 10 a call; returns the ids SQS did not take."""
        failed: set[str] = set()
        for start in range(0, len(messages), 10):
            chunk = messages[start:start + 10]
            entries = [{"Id": str(i), "MessageBody": json.dumps(body, ensure_ascii=False)}
                       for i, (_, body) in enumerate(chunk)]
            try:
                response = self.client.send_message_batch(QueueUrl=self.url, Entries=entries)
            except _client_errors():
                failed.update(message_id for message_id, _ in chunk)
                continue
            failed.update(chunk[int(entry["Id"])][0] for entry in response.get("Failed", []))
        return failed
