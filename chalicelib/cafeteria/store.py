"""The only module of the cafeteria tool that talks to AWS: the zone-minute table and the DLQ.

Table layout (CafeteriaTable, single table):

    pk = "D#<local date>"   sk = "<zone>#<HH:MM>"       one zone-minute
    cams      map camera id → {t: epoch ms, c: count}   (the latest sample per camera)
    count, level, wait_minutes, cameras, last_ts        derived from cams at write time
    version   optimistic lock: every write is conditional on the version it read
    expires_at  TTL (retention_days after the minute)

    pk = "H#<local date>"   sk = "slots"                a past day rolled up for the forecast
    slots     map zone → map "HH:MM" slot start → mean queue

One partition per day keeps "today" one Query; "now" is point reads of the last minutes; the
forecast reads four roll-up items (a day is rolled up once, the first time it is needed).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from chalicelib import aws
from chalicelib.cafeteria.density import CameraSample, MinuteKey, MinuteRecord, SlotMeans
from chalicelib.cafeteria.ports import StoredMinute, StoreUnavailable

__all__ = ["CafeteriaStore", "DeadLetterQueue", "StoreUnavailable", "StoredMinute"]

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
    """Implements ``ports.MinuteStore`` and ``ports.CafeteriaReader`` over the DynamoDB client."""

    def __init__(self, table: str, client: Any = None) -> None:
        self.table = table
        self.client = client if client is not None else aws.client("dynamodb")

    # -- ingest ------------------------------------------------------------------------------------

    def _batch_get(self, keys: Sequence[dict[str, Any]], projection: str) -> list[dict[str, Any]]:
        """BatchGetItem, 100 keys a call, consistent reads, unprocessed keys retried."""
        items: list[dict[str, Any]] = []
        try:
            for start in range(0, len(keys), 100):
                request: dict[str, Any] = {self.table: {"Keys": list(keys[start:start + 100]),
                                                        "ConsistentRead": True,
                                                        "ProjectionExpression": projection}}
                for _ in range(8):
                    response = self.client.batch_get_item(RequestItems=request)
                    items.extend(response.get("Responses", {}).get(self.table, []))
                    request = response.get("UnprocessedKeys") or {}
                    if not request:
                        break
                else:
                    raise StoreUnavailable("BatchGetItem left keys unprocessed")
        except _client_errors() as exc:
            raise StoreUnavailable(f"reading the cafeteria table failed: {exc}") from exc
        return items

    def load(self, keys: Sequence[MinuteKey]) -> dict[MinuteKey, StoredMinute]:
        """The stored zone-minutes among ``keys``, with their versions (for conditional writes)."""
        found: dict[MinuteKey, StoredMinute] = {}
        for item in self._batch_get([_key(k) for k in keys], "pk, sk, cams, version"):
            record = _record_from_item(item)
            found[(record.zone, record.date, record.minute)] = StoredMinute(
                dict(record.cameras), int(item.get("version", {"N": 0})["N"]))
        return found

    def get_minutes(self, keys: Sequence[MinuteKey]) -> list[MinuteRecord]:
        """The zone-minutes among ``keys`` that exist (point reads: cheap at any table size)."""
        return [_record_from_item(item) for item in self._batch_get([_key(k) for k in keys], "pk, sk, cams")]

    def summaries(self, days: Sequence[str]) -> dict[str, SlotMeans]:
        """The stored roll-ups (``slot_means``) of past days; days without one are absent."""
        keys = [{"pk": {"S": f"H#{day}"}, "sk": {"S": "slots"}} for day in days]
        out: dict[str, SlotMeans] = {}
        for item in self._batch_get(keys, "pk, slots"):
            out[item["pk"]["S"][2:]] = {
                zone: {int(hhmm[:2]) * 60 + int(hhmm[3:]): float(v["N"]) for hhmm, v in means["M"].items()}
                for zone, means in item.get("slots", {}).get("M", {}).items()}
        return out

    def put_summary(self, day: str, means: SlotMeans, expires_at: int) -> None:
        slots = {zone: {"M": {f"{m // 60:02d}:{m % 60:02d}": {"N": str(v)} for m, v in by_slot.items()}}
                 for zone, by_slot in means.items()}
        try:
            self.client.put_item(TableName=self.table, Item={
                "pk": {"S": f"H#{day}"}, "sk": {"S": "slots"}, "slots": {"M": slots},
                "expires_at": {"N": str(expires_at)}})
        except _client_errors() as exc:
            raise StoreUnavailable(f"writing the {day} roll-up failed: {exc}") from exc

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
    """``ports.DeadLetters`` over SQS: the DLQ for malformed records, one JSON message per record
    with the reason."""

    def __init__(self, url: str, client: Any = None) -> None:
        self.url = url
        self.client = client if client is not None else aws.client("sqs")

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
