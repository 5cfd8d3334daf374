"""The stream function's batch logic: validate every record, reduce the batch to one aggregate per
zone-minute, then one conditional write per changed zone-minute; malformed records to the DLQ.

Failure rules (Kinesis semantics):
- a malformed record is counted, logged and sent to the DLQ with its reason, and *succeeds* — one
  bad record never blocks the shard;
- a record whose zone-minute could not be stored (or whose DLQ message could not be sent) is a
  batch item failure: Lambda checkpoints before the lowest one and delivers it again. Whatever
  is redelivered merges idempotently, so nothing is lost and nothing is counted twice.
"""

from __future__ import annotations

import binascii
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from chalicelib.cafeteria.density import (
    BatchAggregate,
    CafeteriaConfig,
    CameraSample,
    MinuteKey,
    Rejection,
    Sample,
    merge_cameras,
    parse_record,
    summarize_minute,
)
from chalicelib.cafeteria.ports import DeadLetters, MinuteStore, StoredMinute, StoreUnavailable

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord

MAX_DLQ_DATA_CHARS = 4096
MAX_LOGGED_REJECTIONS = 20
MAX_CONFLICT_RETRIES = 5


class DeadLetterUnavailable(RuntimeError):
    """The DLQ did not take a malformed record's message: retry the record rather than drop it."""


@dataclass
class IngestStats:
    records: int = 0
    valid: int = 0
    malformed: Counter[str] = field(default_factory=Counter)
    zone_minutes: int = 0
    writes: int = 0
    unchanged: int = 0
    conflicts: int = 0
    failed_zone_minutes: int = 0
    dlq_failures: int = 0


class DensityIngest:
    """One invocation's work; ``record`` is the Powertools record handler."""

    def __init__(self, config: CafeteriaConfig, store: MinuteStore, dead_letters: DeadLetters, now_ms: int,
                 max_age_ms: int, logger: Any = None) -> None:
        self.config = config
        self.store = store
        self.dead_letters = dead_letters
        self.now_ms = now_ms
        self.max_age_ms = max_age_ms
        self.logger = logger
        self.aggregate = BatchAggregate(config.tz)
        self.rejected: list[tuple[str, dict[str, Any]]] = []  # (sequence number, DLQ message)
        self.stats = IngestStats()

    def record(self, record: KinesisStreamRecord) -> MinuteKey | Rejection:
        raw = record.raw_event["kinesis"]
        self.stats.records += 1
        result: Sample | Rejection
        try:
            data = binascii.a2b_base64(raw["data"])
        except (binascii.Error, TypeError, ValueError):
            data = str(raw.get("data"))[:MAX_DLQ_DATA_CHARS].encode()
            result = Rejection("bad_encoding", "base64")
        else:
            result = parse_record(data, self.config, self.now_ms, self.max_age_ms)
        if isinstance(result, Rejection):
            self._reject(record, raw, data, result)
            return result
        self.stats.valid += 1
        return self.aggregate.add(result)

    def _reject(self, record: KinesisStreamRecord, raw: Mapping[str, Any], data: bytes,
                rejection: Rejection) -> None:
        self.stats.malformed[rejection.reason] += 1
        text = data.decode("utf-8", errors="replace")
        message = {
            "reason": rejection.reason, "detail": rejection.detail,
            "event_id": record.raw_event.get("eventID"), "stream_arn": record.raw_event.get("eventSourceARN"),
            "partition_key": raw.get("partitionKey"), "sequence_number": raw["sequenceNumber"],
            "approximate_arrival": raw.get("approximateArrivalTimestamp"),
            "data": text[:MAX_DLQ_DATA_CHARS], "data_truncated": len(text) > MAX_DLQ_DATA_CHARS,
            "rejected_at": datetime.fromtimestamp(self.now_ms / 1000, UTC).isoformat(timespec="seconds"),
        }
        self.rejected.append((raw["sequenceNumber"], message))
        if self.logger is not None and sum(self.stats.malformed.values()) <= MAX_LOGGED_REJECTIONS:
            self.logger.warning("malformed density record", extra={
                "reason": rejection.reason, "detail": rejection.detail,
                "sequence_number": raw["sequenceNumber"], "partition_key": raw.get("partitionKey")})

    # -- after every record was seen ------------------------------------------------------------------

    def flush(self, results: Sequence[tuple[Any, ...]]) -> list[tuple[dict[str, Any], Exception]]:
        """Store the aggregate and send the DLQ messages; returns the records to report as failed.

        ``results`` are Powertools' ``(status, result, raw record)``; only looked at on failures."""
        failed_keys, store_error = self._apply()
        unsent = self._send_rejections()
        failures: list[tuple[dict[str, Any], Exception]] = []
        for status, result, raw in results if failed_keys or unsent else ():
            if status != "success":
                continue
            if isinstance(result, Rejection):
                if raw["kinesis"]["sequenceNumber"] in unsent:
                    failures.append((raw, DeadLetterUnavailable("the DLQ did not take the message")))
            elif result in failed_keys:
                failures.append((raw, store_error or StoreUnavailable("not stored")))
        if self.logger is not None:
            clean = not failures and not self.stats.malformed and not self.stats.conflicts
            (self.logger.debug if clean else self.logger.info)("density batch", extra={
                "records": self.stats.records, "valid": self.stats.valid,
                "malformed": dict(self.stats.malformed), "zone_minutes": self.stats.zone_minutes,
                "writes": self.stats.writes, "unchanged": self.stats.unchanged,
                "conflicts": self.stats.conflicts, "failed_records": len(failures)})
        return failures

    def _apply(self) -> tuple[set[MinuteKey], Exception | None]:
        incoming = self.aggregate.minutes
        self.stats.zone_minutes = len(incoming)
        if not incoming:
            return set(), None
        try:
            stored = self.store.load(list(incoming))
        except StoreUnavailable as exc:
            self._log_store_failure(exc, len(incoming))
            self.stats.failed_zone_minutes = len(incoming)
            return set(incoming), exc
        failed: set[MinuteKey] = set()
        error: Exception | None = None
        for key, cameras in incoming.items():
            if error is not None:  # the store is failing: do not hammer it, retry the rest later
                failed.add(key)
                continue
            try:
                self._write(key, cameras, stored.get(key))
            except StoreUnavailable as exc:
                error = exc
                self._log_store_failure(exc, len(incoming))
                failed.add(key)
        self.stats.failed_zone_minutes = len(failed)
        return failed, error

    def _write(self, key: MinuteKey, cameras: dict[str, CameraSample], current: StoredMinute | None) -> None:
        zone = self.config.zone(key[0])
        assert zone is not None  # parse_record only lets known zones through
        for _ in range(MAX_CONFLICT_RETRIES):
            merged, changed = merge_cameras(current.cameras if current else {}, cameras)
            if current is not None and not changed:
                self.stats.unchanged += 1
                return
            summary = summarize_minute(zone, merged, self.config)
            expires_at = summary["last_ts"] // 1000 + self.config.retention_days * 86400
            if self.store.save(key, merged, summary, current.version if current else None, expires_at):
                self.stats.writes += 1
                return
            self.stats.conflicts += 1  # another shard's invocation wrote it: merge with theirs
            current = self.store.load([key]).get(key)
        raise StoreUnavailable(f"{key}: still conflicting after {MAX_CONFLICT_RETRIES} attempts")

    def _send_rejections(self) -> set[str]:
        if not self.rejected:
            return set()
        unsent = self.dead_letters.send(self.rejected)
        self.stats.dlq_failures = len(unsent)
        if unsent and self.logger is not None:
            self.logger.error("DLQ did not take malformed records; they will be retried",
                              extra={"count": len(unsent)})
        return unsent

    def _log_store_failure(self, exc: Exception, zone_minutes: int) -> None:
        if self.logger is not None:
            self.logger.error("storing density aggregates failed; the batch will be retried",
                              extra={"error": str(exc), "zone_minutes": zone_minutes})

    def publish(self, metrics: Any) -> None:
        from aws_lambda_powertools.metrics import MetricUnit

        metrics.add_metric(name="DensityRecords", unit=MetricUnit.Count, value=self.stats.records)
        metrics.add_metric(name="DensityMalformed", unit=MetricUnit.Count,
                           value=sum(self.stats.malformed.values()))
        metrics.add_metric(name="DensityStoreWrites", unit=MetricUnit.Count, value=self.stats.writes)
        metrics.add_metric(name="DensityFailedZoneMinutes", unit=MetricUnit.Count,
                           value=self.stats.failed_zone_minutes)
