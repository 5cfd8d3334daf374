"""The cafeteria store's ports: what the use cases (``service.py``, ``ingest.py``) need from
storage, typed as Protocols. ``store.py`` implements them over DynamoDB and SQS;
``tests/fakes/cafeteria.py`` in memory. Pure: no boto3, no Chalice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.cafeteria.density import CameraSample, MinuteKey, MinuteRecord, SlotMeans


class StoreUnavailable(RuntimeError):
    """DynamoDB or SQS did not accept a request (throttled, down, misconfigured)."""


@dataclass(frozen=True)
class StoredMinute:
    cameras: dict[str, CameraSample]
    version: int


class MinuteStore(Protocol):
    """What the ingest use case writes through: versioned zone-minutes."""

    def load(self, keys: Sequence[MinuteKey]) -> dict[MinuteKey, StoredMinute]: ...

    def save(self, key: MinuteKey, cameras: Mapping[str, CameraSample], summary: Mapping[str, Any],
             expected_version: int | None, expires_at: int) -> bool: ...


class CafeteriaReader(Protocol):
    """What the read views need: zone-minutes by key or by day, and the past days' roll-ups."""

    def get_minutes(self, keys: Sequence[MinuteKey]) -> list[MinuteRecord]: ...

    def minutes(self, day: str, zone: str | None = None, start: str = "00:00",
                end: str = "23:59") -> list[MinuteRecord]: ...

    def summaries(self, days: Sequence[str]) -> dict[str, SlotMeans]: ...

    def put_summary(self, day: str, means: SlotMeans, expires_at: int) -> None: ...


class DeadLetters(Protocol):
    """Where malformed records go: ``send`` returns the ids it could not take."""

    def send(self, messages: Sequence[tuple[str, Mapping[str, Any]]]) -> set[str]: ...
