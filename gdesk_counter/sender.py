"""From the spool to Kinesis: PutRecords (partition key = camera id), oldest first, with backoff.

A record leaves the spool only when PutRecords reported it stored. Partially failed batches keep
their failed records, which go first in the next attempt. When the network or AWS is down the
sender backs off exponentially (full jitter, 1 s … 60 s) and counting goes on into the spool.

Duplicates: if AWS stored a batch but the answer was lost, the batch is sent again. The density
function keeps, per zone, minute and camera, the reading with the largest ``(ts, count)``, so a
record that arrives twice changes nothing (docs/cafeteria.md, "Idempotent aggregation").
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

from gdesk_counter.spool import Spool

log = logging.getLogger("gdesk_counter.sender")
MAX_BATCH = 500  # PutRecords' limit
MAX_BATCH_BYTES = 4 * 1024 * 1024


def kinesis_client(region: str, endpoint: str | None) -> Any:
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=3, read_timeout=10, retries={"mode": "standard", "max_attempts": 3})
    return boto3.client("kinesis", region_name=region, endpoint_url=endpoint or None, config=config)


class Sender:
    def __init__(self, client: Any, stream: str, spool: Spool, max_age_seconds: float,
                 clock: Callable[[], float] = time.time, base_delay: float = 1.0,
                 max_delay: float = 60.0) -> None:
        self.client = client
        self.stream = stream
        self.spool = spool
        self.max_age_seconds = max_age_seconds
        self.clock = clock
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.failures = 0  # consecutive failed attempts
        self.sent = 0
        self.next_attempt = 0.0

    def flush(self) -> bool:
        """Send everything that is due; False when AWS could not be reached (try again later)."""
        expired = self.spool.expire(self.clock() - self.max_age_seconds)
        if expired:
            log.warning("dropped %d count records older than %d s (the stream would reject them)",
                        expired, self.max_age_seconds)
        while True:
            batch = self.spool.oldest(MAX_BATCH)
            if not batch:
                return True
            try:
                response = self.client.put_records(StreamName=self.stream, Records=[
                    {"Data": item.data, "PartitionKey": item.partition_key} for item in batch])
            except Exception as exc:  # botocore: connection refused, timeouts, throttling, 5xx …
                self._failed(f"{type(exc).__name__}: {exc}")
                return False
            results = response.get("Records", [])
            stored = [item.seq for item, result in zip(batch, results, strict=False)
                      if "ErrorCode" not in result]
            self.spool.ack(stored)
            self.sent += len(stored)
            if len(stored) < len(batch):
                codes = {r.get("ErrorCode") for r in results if "ErrorCode" in r}
                self._failed(f"{len(batch) - len(stored)} of {len(batch)} not stored: {sorted(codes)}")
                return False
            if self.failures:
                log.info("stream reachable again; %d records in the spool", len(self.spool))
            self.failures = 0

    def _failed(self, reason: str) -> None:
        self.failures += 1
        delay = random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (self.failures - 1)))
        self.next_attempt = self.clock() + delay
        log.warning("sending counts failed (%s); %d records kept, next try in %.1f s",
                    reason, len(self.spool), delay)

    def run(self, stop: threading.Event, idle: float = 0.5) -> None:
        """The sender thread: flush whenever the backoff allows, until ``stop``; one last flush."""
        while not stop.is_set():
            if self.clock() >= self.next_attempt:
                self.flush()
            stop.wait(idle)
        self.flush()  # whatever is not sent now stays in the spool for the next start
