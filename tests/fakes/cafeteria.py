"""In-memory fakes of the cafeteria ports (``chalicelib/cafeteria/ports.py``): the zone-minute store
and the DLQ, for the unit tests of every use case."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

from chalicelib.cafeteria.density import CameraSample, MinuteKey, MinuteRecord, SlotMeans
from chalicelib.cafeteria.ports import StoredMinute, StoreUnavailable
from tests.events import load_event


class FakeCafeteriaStore:
    """``MinuteStore`` and ``CafeteriaReader`` in dictionaries, with injectable failures."""

    def __init__(self) -> None:
        self.items: dict[MinuteKey, StoredMinute] = {}
        self.rollups: dict[str, SlotMeans] = {}
        self.loads = 0
        self.saves = 0
        self.fail_keys: set[MinuteKey] = set()
        self.down = False  # every read fails as DynamoDB would when unreachable
        self.conflicts_left = 0  # lose this many races (another writer wrote in between)

    def _check(self) -> None:
        if self.down:
            raise StoreUnavailable("injected outage")

    def load(self, keys: Sequence[MinuteKey]) -> dict[MinuteKey, StoredMinute]:
        self._check()
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

    def put(self, key: MinuteKey, cameras: Mapping[str, CameraSample]) -> None:
        """Seed one zone-minute as if it had been ingested."""
        current = self.items.get(key)
        self.items[key] = StoredMinute(dict(cameras), (current.version if current else 0) + 1)

    # -- CafeteriaReader ---------------------------------------------------------------------------

    def _record(self, key: MinuteKey) -> MinuteRecord:
        return MinuteRecord(key[0], key[1], key[2], dict(self.items[key].cameras))

    def get_minutes(self, keys: Sequence[MinuteKey]) -> list[MinuteRecord]:
        self._check()
        return [self._record(k) for k in keys if k in self.items]

    def minutes(self, day: str, zone: str | None = None, start: str = "00:00",
                end: str = "23:59") -> list[MinuteRecord]:
        self._check()
        return [self._record(k) for k in sorted(self.items)
                if k[1] == day and (zone is None or (k[0] == zone and start <= k[2] <= end))]

    def summaries(self, days: Sequence[str]) -> dict[str, SlotMeans]:
        self._check()
        return {day: self.rollups[day] for day in days if day in self.rollups}

    def put_summary(self, day: str, means: SlotMeans, expires_at: int) -> None:
        self._check()
        self.rollups[day] = means


class FakeDeadLetters:
    def __init__(self) -> None:
        self.messages: list[Mapping[str, Any]] = []
        self.down = False

    def send(self, messages: Sequence[tuple[str, Mapping[str, Any]]]) -> set[str]:
        if self.down:
            return {message_id for message_id, _ in messages}
        self.messages.extend(body for _, body in messages)
        return set()


def kinesis_event(payloads: Sequence[Any], first_sequence: int = 1000) -> dict[str, Any]:
    """A Lambda Kinesis event carrying the given payloads, one record each."""
    records = []
    for i, payload in enumerate(payloads):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        seq = str(first_sequence + i)
        records.append(load_event("kinesis_record", kinesis__sequenceNumber=seq,
                                  kinesis__data=base64.b64encode(data).decode(),
                                  eventID=f"shardId-000000000000:{seq}"))
    return {"Records": records}
