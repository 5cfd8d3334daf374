"""Key rotation and retention on a private copy of the trips resources (KMS and DynamoDB on the
moto server): old tokens keep verifying after `gdesk keys rotate`, and the TTL sweep removes exact
positions and shreds the data keys, while the signed proof itself stays checkable."""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.auth import User
from chalicelib.trips import service as proofs
from chalicelib.trips import token as jws
from chalicelib.trips.inputs import parse_tap
from chalicelib.trips.store import TripsStore
from chalicelib.trips.verdict import KST

pytestmark = pytest.mark.integration

TRAVELLER = User(id="E8001", name="문가온", department="총무과", roles=("employee",))
AUDITOR = User(id="A8001", name="감사", department="감사위원회", roles=("employee", "auditor"))


def _proof(st: Any, lat: float = 35.2386) -> dict[str, Any]:
    start = datetime.now(UTC).astimezone(KST) - timedelta(hours=1)
    trip = proofs.create_trip(st, TRAVELLER, {
        "destination": "경상남도청", "lat": 35.2383, "lon": 128.6925, "start": start.isoformat(),
        "end": (start + timedelta(hours=4)).isoformat(), "purpose": "점검"})
    st.set_consent(TRAVELLER.id, proofs.CONSENT_VERSION, datetime.now(UTC))
    return proofs.create_proof(st, TRAVELLER, trip["trip_id"], parse_tap({
        "lat": lat, "lon": 128.6929, "accuracy_m": 8, "captured_at": datetime.now(UTC).isoformat(),
        "nonce": secrets.token_hex(8)}), "http://127.0.0.1:8000")


def _kid(token: str) -> str:
    return str(json.loads(jws.b64url_decode(token.split(".")[0]))["kid"])


def test_rotation_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(private_store: Any) -> None:
    st = private_store
    before = _proof(st)
    old_kid = _kid(before["token"])
    old_arn = st.current_signing_key()[1]
    rotated_from, new_kid = st.rotate_signing_key()
    assert rotated_from == old_kid and new_kid != old_kid

    after = _proof(st, lat=35.2387)
    assert _kid(after["token"]) == new_kid
    st = TripsStore(st.settings)  # another container: nothing cached
    assert {old_kid, new_kid} <= set(st.public_keys())
    assert proofs.check_token(st, before["token"]).valid
    assert proofs.verify(st, before["token"], None, "127.0.0.1")["valid"] is True
    assert proofs.verify(st, after["token"], None, "127.0.0.1")["valid"] is True
    # The old KMS key can sign nothing more; its public key is kept until its tokens expire.
    assert st.kms.describe_key(KeyId=old_arn)["KeyMetadata"]["Enabled"] is False
    registry = {k["sk"]: k for k in st.signing_keys()}
    assert registry[old_kid]["status"] == "retired" and registry[new_kid]["status"] == "active"
    claims = json.loads(jws.b64url_decode(before["token"].split(".")[1]))
    assert registry[old_kid]["expires_at"] >= claims["exp"]


def test_a_retired_key_leaves_the_jwks_when_its_retention_ends(private_store: Any,
                                                               private_stack: Any) -> None:
    st = private_store
    _, runtime = private_stack
    _proof(st)
    old_kid, new_kid = st.rotate_signing_key()
    retention = (st.settings.proof_retention_days + 2) * 86400
    runtime.sweep_ttl(now=time.time() + retention)
    st = TripsStore(st.settings)  # another container
    keys = st.public_keys()
    assert old_kid not in keys and new_kid in keys


def test_positions_expire_and_data_keys_are_shredded_but_the_proof_still_verifies(
        private_store: Any, private_stack: Any) -> None:
    st = private_store
    _, runtime = private_stack
    proof = _proof(st)
    record = proofs.verify(st, proof["token"], AUDITOR, "127.0.0.1")["record"]
    assert record["position"]["lat"] == pytest.approx(35.2386) and record["stored_position"]["lat"] == 35.2386
    assert record["traveller"]["name"] == "문가온"

    # After two days only the double-tap guard and the idempotency record are gone; a day before
    # the retention ends the position is still there.
    day = 86400
    assert runtime.sweep_ttl(now=time.time() + 2 * day) == 2
    assert runtime.sweep_ttl(now=time.time() + 89 * day) == 0
    assert st.get_position(proof["proof_id"]) is not None
    deleted = runtime.sweep_ttl(now=time.time() + 92 * day)
    assert deleted >= 3  # exact position, the traveller's fix history, the day's data key (+ pointer)
    st = TripsStore(st.settings)  # a new container: no plaintext data key left in memory anywhere
    assert st.get_position(proof["proof_id"]) is None
    assert st.recent_fixes(TRAVELLER.id) == []
    result = proofs.verify(st, proof["token"], AUDITOR, "127.0.0.1")
    assert result["valid"] is True
    assert result["record"]["position"] is None and result["record"]["stored_position"] is None
    assert "파기" in result["record"]["position_note"]
    assert result["summary"]["passed"] is True
