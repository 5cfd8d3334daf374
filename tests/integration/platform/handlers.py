"""Lambda handlers for the runtime tests (the test template's functions point here).

Each handler records what it was given in ``CALLS`` and behaves as the test set up in ``BEHAVIOUR``;
the runtime invokes them in process, so the test reads and steers this module directly. The
stream handler is idempotent: it keeps successes keyed by sequence number, as real ones must.
"""

from __future__ import annotations

import base64
import json
from collections import defaultdict
from typing import Any

CALLS: dict[str, list[Any]] = defaultdict(list)
BEHAVIOUR: dict[str, Any] = {}
DONE: dict[str, dict[str, str]] = defaultdict(dict)  # function → sequence number → data


def reset() -> None:
    CALLS.clear()
    BEHAVIOUR.clear()
    DONE.clear()


def sqs_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Bodies "fail" are reported as failed items; BEHAVIOUR["sqs_raise"] makes the function fail."""
    CALLS["sqs"].append(event)
    if BEHAVIOUR.get("sqs_raise"):
        raise RuntimeError("function error")
    failures = [{"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "fail"]
    if BEHAVIOUR.get("sqs_bogus_failure"):
        failures.append({"itemIdentifier": "not-a-message-id"})
    return {"batchItemFailures": failures}


def _kinesis(name: str, event: dict[str, Any]) -> dict[str, Any]:
    CALLS[name].append(event)
    records = [(r["kinesis"]["sequenceNumber"], base64.b64decode(r["kinesis"]["data"]).decode())
               for r in event["Records"]]
    if any(data in BEHAVIOUR.get(f"{name}_poison", ()) for _, data in records):
        raise RuntimeError("poison record in batch")
    transient: set[str] = BEHAVIOUR.setdefault(f"{name}_fail_once", set())
    failures = []
    for sequence, data in records:
        if data in transient:
            transient.discard(data)
            failures.append({"itemIdentifier": sequence})
        elif not failures:  # after the first failure Lambda retries the rest anyway
            DONE[name][sequence] = data
    return {"batchItemFailures": failures}


def partial_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _kinesis("partial", event)


def poison_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _kinesis("poison", event)


def tick_handler(event: dict[str, Any], context: Any) -> None:
    CALLS["tick"].append(event)


def upload_handler(event: dict[str, Any], context: Any) -> None:
    """S3 → SQS → here: each SQS body is an S3 event document (or the one-off s3:TestEvent)."""
    for record in event["Records"]:
        CALLS["upload"].append(json.loads(record["body"]))
