"""In-memory stand-ins for the cafeteria store and DLQ (unit tests and the benchmark)."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.cafeteria.density import CameraSample, MinuteKey
from chalicelib.cafeteria.store import StoredMinute, StoreUnavailable
from tests.events import load_event


class MemoryStore:
    def __init__(self) -> None:
        self.items: dict[MinuteKey, StoredMinute] = {}
        self.loads = 0
        self.saves = 0
        self.fail_keys: set[MinuteKey] = set()
        self.conflicts_left = 0  # lose this many races (another writer wrote in between)

    def load(self, keys: Sequence[MinuteKey]) -> dict[MinuteKey, StoredMinute]:
        self.loads += 1
        return {k: self.items[k] for k in keys if k in self.items}

    def save(self, key: MinuteKey, cameras: Mapping[str, CameraSample], summary: Mapping[str, Any],
             expected_version: int | None, expires_at: int) -> bool:
        if key in self.fail_keys:
            raise StoreUnavailable(f"injected failure for {key}")
        current = self.items.get(key)
        if self.conflicts_left:
            self.conflicts_left -= 1
            other = dict(current.cameras) if current else {}
            other["intruder"] = (1, 1)
            self.items[key] = StoredMinute(other, (current.version if current else 0) + 1)
            return False
        if (current.version if current else None) != expected_version:
            return False
        self.saves += 1
        self.items[key] = StoredMinute(dict(cameras), (expected_version or 0) + 1)
        return True


class MemoryDLQ:
    def __init__(self) -> None:
        self.messages: list[Mapping[str, Any]] = []
        self.down = False

    def send(self, messages: Sequence[tuple[str, Mapping[str, Any]]]) -> set[str]:
        if self.down:
            return {message_id for message_id, _ in messages}
        self.messages.extend(body for _, body in messages)
        return set()


def kinesis_event(payloads: Sequence[Any], first_sequence: int = 1000) -> dict[str, Any]:
    """A Lambda Kinesis event (the shape the runtime and AWS send) for the given payloads."""
    records = []
    for i, payload in enumerate(payloads):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        seq = str(first_sequence + i)
        records.append(load_event("kinesis_record", kinesis__sequenceNumber=seq,
                                  kinesis__data=base64.b64encode(data).decode(),
                                  eventID=f"shardId-000000000000:{seq}"))
    return {"Records": records}
