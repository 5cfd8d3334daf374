"""``FakeTripsStore``: the trips port in memory, with a real P-256 signing key and real AES data
keys, so tokens made through it verify and seal exactly as with KMS (no network, milliseconds)."""

from __future__ import annotations

import copy
import os
import secrets
import time
from datetime import datetime
from typing import Any

from chalicelib.clock import KST, from_iso
from chalicelib.settings import TripsSettings
from chalicelib.trips import token as jws
from chalicelib.trips.orders import TripOrder
from chalicelib.trips.ports import FixHistoryChanged, SeenTap, TapContext
from chalicelib.trips.verdict import PreviousFix

SETTINGS = TripsSettings(table="trips", idempotency_table="idempotency", signing_key_alias="alias/sign",
                         data_key_alias="alias/data", issuer="gdesk-test", position_retention_days=90,
                         proof_retention_days=1825, accuracy_limit_m=100, double_tap_seconds=60)


class FakeTripsStore:
    def __init__(self, settings: TripsSettings = SETTINGS) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        self.settings = settings
        self.trips: dict[str, TripOrder] = {}
        self.profiles: dict[str, dict[str, Any]] = {}
        self.proofs: dict[str, dict[str, Any]] = {}
        self.positions: dict[str, dict[str, Any]] = {}
        self.fixes: dict[str, list[PreviousFix]] = {}
        self.last_tap: dict[str, dict[str, Any]] = {}  # trip id → {"proof_id", "at"}
        self.access: list[tuple[str | None, dict[str, Any]]] = []
        self.data_keys: dict[str, bytes] = {}
        self.fail_put_after: int | None = None  # put_trip raises after this many successful puts
        self._private_key = ec.generate_private_key(ec.SECP256R1())
        der = self._private_key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
        self.jwk = jws.public_jwk(der)
        self.taps: dict[tuple[str, str, str], SeenTap] = {}  # (traveller, trip, nonce) → its record
        self.fix_versions: dict[str, int] = {}  # traveller → how many fixes their history has taken

    # -- trip orders -------------------------------------------------------------------------
    def put_trip(self, order: TripOrder) -> bool:
        if self.fail_put_after is not None:
            if self.fail_put_after <= 0:
                raise ConnectionError("the table is unavailable")
            self.fail_put_after -= 1
        if order.trip_id in self.trips:
            return False
        self.trips[order.trip_id] = order
        return True

    def delete_trip(self, trip_id: str) -> None:
        self.trips.pop(trip_id, None)

    def get_trip(self, trip_id: str) -> TripOrder | None:
        return self.trips.get(trip_id)

    def trips_of(self, employee_id: str) -> list[TripOrder]:
        return [o for o in self.trips.values() if o.employee_id == employee_id]

    # -- traveller profile ---------------------------------------------------------------------
    def profile(self, employee_id: str) -> dict[str, Any]:
        profile = self.profiles.setdefault(employee_id, {"pseudonym": "p" + secrets.token_urlsafe(8)})
        return dict(profile)

    def set_consent(self, employee_id: str, version: str, at: datetime) -> dict[str, Any]:
        self.profile(employee_id)
        self.profiles[employee_id].update(consent_version=version, consent_at=at.isoformat())
        return self.profile(employee_id)

    def withdraw_consent(self, employee_id: str, at: datetime) -> int:
        self.profile(employee_id)
        profile = self.profiles[employee_id]
        profile.pop("consent_version", None)
        profile.pop("consent_at", None)
        profile["consent_withdrawn_at"] = at.isoformat()
        self.fixes.pop(employee_id, None)
        self.fix_versions.pop(employee_id, None)
        erased = [p for p in self.proofs.values()
                  if p["employee_id"] == employee_id and not p.get("position_erased_at")]
        for proof in erased:
            self.positions.pop(proof["proof_id"], None)
            proof["position_erased_at"] = at.isoformat()
        return len(erased)

    # -- proofs ----------------------------------------------------------------------------------
    def load_for_tap(self, trip_id: str, employee_id: str, nonce: str) -> TapContext:
        order = self.trips.get(trip_id)
        profile = dict(self.profiles.get(employee_id, {}))
        if order and order.employee_id == employee_id and not profile.get("pseudonym"):
            profile = self.profile(employee_id)
        last = self.last_tap.get(trip_id)
        return TapContext(order=order, profile=profile, last=dict(last) if last else None,
                          seen=self.taps.get((employee_id, trip_id, nonce)),
                          recent=tuple(self.recent_fixes(employee_id)),
                          recent_version=self.fix_versions.get(employee_id, 0))

    def recent_fixes(self, employee_id: str) -> list[PreviousFix]:
        return list(reversed(self.fixes.get(employee_id, [])))[:10]

    def save_proof(self, proof: dict[str, Any], position: dict[str, Any], double_tap_s: int,
                   fix_fingerprint: str, context: TapContext) -> SeenTap | str | None:
        now = from_iso(proof["created_at"]).timestamp()
        tap = (proof["employee_id"], proof["trip_id"], proof["nonce"])
        if tap in self.taps:
            return self.taps[tap]
        last = self.last_tap.get(proof["trip_id"])
        if last and last["at"] >= now - double_tap_s:
            return str(last["proof_id"])
        if self.fix_versions.get(proof["employee_id"], 0) != context.recent_version:
            raise FixHistoryChanged
        self.fix_versions[proof["employee_id"]] = context.recent_version + 1
        self.taps[tap] = SeenTap(fix=fix_fingerprint, proof_id=proof["proof_id"])
        self.last_tap[proof["trip_id"]] = {"proof_id": proof["proof_id"], "at": now}
        self.proofs[proof["proof_id"]] = copy.deepcopy(proof)
        self.positions[proof["proof_id"]] = dict(position)
        self.fixes.setdefault(proof["employee_id"], []).append(
            PreviousFix(position["lat"], position["lon"], from_iso(proof["judged_at"])))
        return None

    def get_proof(self, proof_id: str) -> dict[str, Any] | None:
        proof = self.proofs.get(proof_id)
        return copy.deepcopy(proof) if proof else None

    def get_position(self, proof_id: str) -> dict[str, Any] | None:
        position = self.positions.get(proof_id)
        return dict(position) if position else None

    def proofs_of_trip(self, trip_id: str) -> list[dict[str, Any]]:
        found = [copy.deepcopy(p) for p in self.proofs.values() if p["trip_id"] == trip_id]
        return sorted(found, key=lambda p: p["created_at"], reverse=True)

    def proofs_of_month(self, month: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(p) for p in self.proofs.values()
                if from_iso(p["created_at"]).astimezone(KST).strftime("%Y-%m") == month]

    def revoke(self, proof_id: str, by: str, reason: str, at: datetime) -> dict[str, Any] | None:
        proof = self.proofs.get(proof_id)
        if proof is None:
            return None
        entry = {"at": at.isoformat(), "by": by, "reason": reason}
        proof.setdefault("revoked", entry)
        proof["revocations"] = [*proof.get("revocations", []), entry]
        return copy.deepcopy(proof)

    def import_id_key(self) -> bytes:
        return b"fake-import-id-key"

    def log_access(self, proof_id: str | None, entry: dict[str, Any], at: datetime) -> None:
        self.access.append((proof_id, {**entry, "at": at.isoformat()}))

    # -- keys --------------------------------------------------------------------------------------
    def sign_jws(self, claims: dict[str, Any]) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec

        message = jws.signing_input(self.jwk["kid"], claims)
        return jws.assemble(message, self._private_key.sign(message, ec.ECDSA(hashes.SHA256())))

    def public_keys(self, refresh: bool = False) -> dict[str, dict[str, Any]]:
        return {self.jwk["kid"]: dict(self.jwk)}

    def public_key(self, kid: str) -> dict[str, Any] | None:
        return self.public_keys().get(kid)

    def current_data_key(self, now: datetime) -> tuple[str, bytes]:
        dkid = "k" + now.astimezone(KST).strftime("%y%m%d") + "fake"
        return dkid, self.data_keys.setdefault(dkid, os.urandom(32))

    def data_key(self, dkid: str) -> bytes | None:
        return self.data_keys.get(dkid)


def expire_tap_window(store: FakeTripsStore, trip_id: str) -> None:
    """As if the double-tap window of the trip's last proof had passed."""
    if trip_id in store.last_tap:
        store.last_tap[trip_id]["at"] = time.time() - store.settings.double_tap_seconds - 1
