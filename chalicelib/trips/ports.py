"""The port of the trips tool: what its use cases need from storage and keys.

``store.TripsStore`` implements it on DynamoDB and KMS; ``tests/fakes/trips.py`` in memory. The
service types against this Protocol only, so every use case runs in a unit test without a network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from chalicelib.settings import TripsSettings
from chalicelib.trips.orders import TripOrder
from chalicelib.trips.verdict import PreviousFix


@dataclass(frozen=True)
class SeenTap:
    """What a tap's nonce already produced: the fingerprint of the fix it came with and its proof."""

    fix: str
    proof_id: str


@dataclass(frozen=True)
class TapContext:
    """Everything a tap is judged and written against, read in one round trip."""

    order: TripOrder | None
    profile: dict[str, Any]
    last: dict[str, Any] | None  # the trip's double-tap guard: its last proof id and time
    seen: SeenTap | None  # what this tap's nonce already produced
    recent: tuple[PreviousFix, ...] = ()  # the traveller's last fixes, newest first
    recent_version: int = 0  # how many fixes that history has taken (the condition of the next write)


class FixHistoryChanged(Exception):  # noqa: N818 - a condition, not an error: judge the tap again
    """Another proof of the traveller was written since the tap's context was read."""


class TripsPort(Protocol):
    settings: TripsSettings

    # trip orders
    def put_trip(self, order: TripOrder) -> bool: ...
    def delete_trip(self, trip_id: str) -> None: ...
    def get_trip(self, trip_id: str) -> TripOrder | None: ...
    def trips_of(self, employee_id: str) -> list[TripOrder]: ...

    # traveller profile (pseudonym, location consent)
    def profile(self, employee_id: str) -> dict[str, Any]: ...
    def set_consent(self, employee_id: str, version: str, at: datetime) -> dict[str, Any]: ...
    def withdraw_consent(self, employee_id: str, at: datetime) -> int: ...

    # proofs
    def load_for_tap(self, trip_id: str, employee_id: str, nonce: str) -> TapContext: ...
    def recent_fixes(self, employee_id: str) -> list[PreviousFix]: ...
    def save_proof(self, proof: dict[str, Any], position: dict[str, Any], double_tap_s: int,
                   fix_fingerprint: str, context: TapContext) -> SeenTap | str | None: ...
    def get_proof(self, proof_id: str) -> dict[str, Any] | None: ...
    def get_position(self, proof_id: str) -> dict[str, Any] | None: ...
    def proofs_of_trip(self, trip_id: str) -> list[dict[str, Any]]: ...
    def proofs_of_month(self, month: str) -> list[dict[str, Any]]: ...
    def revoke(self, proof_id: str, by: str, reason: str, at: datetime) -> dict[str, Any] | None: ...
    def log_access(self, proof_id: str | None, entry: dict[str, Any], at: datetime) -> None: ...
    def import_id_key(self) -> bytes: ...

    # keys: signing (JWS) and the day's data key (sealed private part)
    def sign_jws(self, claims: dict[str, Any]) -> str: ...
    def public_keys(self, refresh: bool = False) -> dict[str, dict[str, Any]]: ...
    def public_key(self, kid: str) -> dict[str, Any] | None: ...
    def current_data_key(self, now: datetime) -> tuple[str, bytes]: ...
    def data_key(self, dkid: str) -> bytes | None: ...

