"""One tap through the local API on the moto server: KMS signing (ES256) and AES-GCM data keys,
the nonce's record in the proof's transaction, the double-tap window, consent, and who may do what."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

from chalicelib import qr
from chalicelib.trips import token as jws

pytestmark = pytest.mark.integration


def _claims(token: str) -> dict[str, Any]:
    return json.loads(jws.b64url_decode(token.split(".")[1]))


def test_one_tap_gives_a_kms_signed_token_that_verifies(
        api_url: str, http: requests.Session, make_trip: Any, consent: Any, prove: Any,
        auth_headers: Callable[..., dict[str, str]]) -> None:
    consent("E1001")
    trip = make_trip()
    response = prove(trip["trip_id"])
    assert response.status_code == 201, response.text
    proof = response.json()
    assert proof["verdict"]["passed"] is True
    assert proof["verdict"]["distance_m"] < 100
    token = proof["token"]
    header = json.loads(jws.b64url_decode(token.split(".")[0]))
    assert header["alg"] == "ES256" and len(header["kid"]) == 12
    claims = _claims(token)
    assert claims["jti"] == proof["proof_id"] and claims["trp"] == trip["trip_id"]
    assert claims["vd"] == 15 and claims["sub"].startswith("p")
    # The signature checks against the published JWKS with the public key only.
    keys = http.get(f"{api_url}/.well-known/jwks.json").json()["keys"]
    key = next(k for k in keys if k["kid"] == header["kid"])
    assert key["kty"] == "EC" and key["crv"] == "P-256" and "d" not in key
    assert jws.check(token, {key["kid"]: jws.jwk_public_key(key)}, "gdesk", claims["iat"]).valid
    # No name, employee id or coordinates in the clear.
    text = base64.urlsafe_b64decode(token.split(".")[1] + "==").decode()
    for secret in ("김민준", "E1001", "35.238", "128.69"):
        assert secret not in text and secret not in proof["verify_url"]
    # The QR of the verify link stays small enough for a phone camera.
    assert proof["verify_url"] == f"{api_url}/verify#{token}"
    assert qr.version_of(proof["verify_url"]) <= 18
    # Anyone can verify; the public answer names nobody and no position.
    result = http.post(f"{api_url}/proofs/verify", json={"token": token}).json()
    assert result["valid"] is True and result["reasons"] == []
    assert result["summary"]["passed"] is True and "record" not in result
    assert "김민준" not in json.dumps(result, ensure_ascii=False)
    # An auditor gets the decrypted record (name, exact position) and the trip order.
    audited = http.post(f"{api_url}/proofs/verify", json={"token": token},
                        headers=auth_headers("A2001")).json()
    record = audited["record"]
    assert record["traveller"]["name"] == "김민준" and record["traveller"]["department"] == "도로관리과"
    assert record["position"]["lat"] == pytest.approx(35.2386) and record["position"]["accuracy_m"] == 12.0
    assert record["trip"]["destination"] == "경상남도청"


def test_the_same_nonce_returns_the_same_proof_even_after_the_double_tap_window(
        make_trip: Any, consent: Any, prove: Any, fix: Any) -> None:
    consent("E1001")
    trip = make_trip()
    body = fix()
    first = prove(trip["trip_id"], body=body)
    again = prove(trip["trip_id"], body=dict(body))
    assert first.status_code == 201 and again.status_code == 201  # Powertools replays the response
    assert again.json()["proof_id"] == first.json()["proof_id"]
    assert again.json()["token"] == first.json()["token"]
    # The same nonce with another position is refused, not silently answered with the old proof.
    other = prove(trip["trip_id"], body={**body, "lat": 35.30})
    assert other.status_code == 409 and other.json()["error"]["code"] == "nonce_reused"


def test_a_second_tap_within_60_seconds_returns_the_first_proof(
        make_trip: Any, consent: Any, prove: Any) -> None:
    consent("E1001")
    trip = make_trip()
    first = prove(trip["trip_id"])
    second = prove(trip["trip_id"], lat=35.2387)  # another nonce, another fix
    assert first.status_code == 201
    assert second.status_code == 200 and second.json()["repeated"] is True
    assert second.json()["proof_id"] == first.json()["proof_id"]


def test_simultaneous_taps_with_different_nonces_give_one_proof(
        make_trip: Any, consent: Any, prove: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    consent("E1001")
    trip = make_trip()
    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(lambda i: prove(trip["trip_id"], lat=35.2386 + i * 1e-5), range(4)))
    assert all(r.status_code in (200, 201) for r in responses), [r.text for r in responses]
    assert len({r.json()["proof_id"] for r in responses}) == 1
    assert sum(r.status_code == 201 for r in responses) == 1


def test_the_same_tap_sent_four_times_at_once_gives_one_proof_and_the_same_answer(
        api_url: str, http: requests.Session, make_trip: Any, consent: Any, prove: Any, fix: Any,
        auth_headers: Callable[..., dict[str, str]]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    consent("E1001")
    trip = make_trip()
    body = fix()
    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(lambda _: prove(trip["trip_id"], body=dict(body)), range(4)))
    assert all(r.status_code == 201 for r in responses), [r.text for r in responses]
    assert len({(r.json()["proof_id"], r.json()["token"]) for r in responses}) == 1
    listed = http.get(f"{api_url}/trips", headers=auth_headers("E1001")).json()["trips"]
    mine = next(t for t in listed if t["trip_id"] == trip["trip_id"])
    assert mine["last_proof"]["proof_id"] == responses[0].json()["proof_id"]


def test_the_travellers_last_fixes_flag_repeats_and_speed_across_trips_until_consent_is_withdrawn(
        api_url: str, http: requests.Session, make_trip: Any, consent: Any, prove: Any,
        auth_headers: Callable[..., dict[str, str]]) -> None:
    user, spot = "E9401", {"lat": 35.23912, "lon": 128.69311}
    consent(user)
    first = prove(make_trip(user=user)["trip_id"], user=user, **spot)
    assert first.status_code == 201 and first.json()["verdict"]["flags"] == []
    again = prove(make_trip(user=user)["trip_id"], user=user, **spot)  # another trip, the same fix
    assert "repeated_fix" in again.json()["verdict"]["flags"]
    far = prove(make_trip(user=user)["trip_id"], user=user, lat=35.70, lon=128.69)  # 51 km at once
    assert "speed_implausible" in far.json()["verdict"]["flags"]
    assert http.delete(f"{api_url}/trips/consent", headers=auth_headers(user)).status_code == 200
    consent(user)
    fresh = prove(make_trip(user=user)["trip_id"], user=user, **spot)  # the history went with consent
    assert fresh.status_code == 201 and fresh.json()["verdict"]["flags"] == []


def test_a_tap_judged_on_a_stale_fix_history_is_not_written_but_judged_again(
        private_store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses
    import secrets
    from datetime import UTC, datetime, timedelta

    from chalicelib.auth import User
    from chalicelib.trips import service
    from chalicelib.trips.inputs import parse_tap

    st, user = private_store, User(id="E8101", name="한결", department="총무과", roles=("employee",))
    start = datetime.now(UTC) - timedelta(hours=1)
    trips = [service.create_trip(st, user, {
        "destination": "경상남도청", "lat": 35.2383, "lon": 128.6925, "start": start.isoformat(),
        "end": (start + timedelta(hours=4)).isoformat(), "purpose": "점검"})["trip_id"] for _ in range(2)]
    st.set_consent(user.id, service.CONSENT_VERSION, datetime.now(UTC))

    def tap() -> Any:
        return parse_tap({"lat": 35.23912, "lon": 128.69311, "accuracy_m": 8, "nonce": secrets.token_hex(8),
                          "captured_at": datetime.now(UTC).isoformat()})

    service.create_proof(st, user, trips[0], tap(), "http://127.0.0.1:8000")
    read, reads = st.load_for_tap, []

    def load(*args: Any) -> Any:  # the first read is from before the proof above was written
        reads.append(args)
        context = read(*args)
        return dataclasses.replace(context, recent=(), recent_version=0) if len(reads) == 1 else context

    monkeypatch.setattr(st, "load_for_tap", load)
    second = service.create_proof(st, user, trips[1], tap(), "http://127.0.0.1:8000")
    assert len(reads) == 2 and "repeated_fix" in second["verdict"]["flags"]
    assert len(st.recent_fixes(user.id)) == 2


def test_a_proof_outside_the_radius_is_recorded_with_the_reason(
        make_trip: Any, consent: Any, prove: Any) -> None:
    consent("E1001")
    trip = make_trip()
    response = prove(trip["trip_id"], lat=35.2280, lon=128.6811)  # 창원시청, 1.5 km away
    assert response.status_code == 201
    verdict = response.json()["verdict"]
    assert verdict["passed"] is False and verdict["within_radius"] is False
    assert verdict["reasons"][0] == "목적지에서 1.5km 떨어져 있습니다 (허용 반경 300m)"
    assert _claims(response.json()["token"])["vd"] == 2 | 8


def test_no_proof_without_location_consent(make_trip: Any, prove: Any) -> None:
    trip = make_trip(user="E9301")  # a user of no other test: never consented
    response = prove(trip["trip_id"], user="E9301")
    assert response.status_code == 403
    assert "동의" in response.json()["error"]["message"]


def test_another_employee_cannot_prove_or_read_someone_elses_trip(
        api_url: str, http: requests.Session, make_trip: Any, consent: Any, prove: Any,
        auth_headers: Callable[..., dict[str, str]]) -> None:
    consent("E1001")
    consent("E1002")
    trip = make_trip()
    response = prove(trip["trip_id"], user="E1002")
    assert response.status_code == 404  # issue 15: answered like an unknown trip
    proof = prove(trip["trip_id"]).json()
    for path in (f"/proofs/{proof['proof_id']}/qr.png", f"/proofs/{proof['proof_id']}/qr.svg"):
        assert http.get(api_url + path, headers=auth_headers("E1002")).status_code == 404
        assert http.get(api_url + path, headers=auth_headers("E1001")).status_code == 200
        assert http.get(api_url + path).status_code == 401
    listed = http.get(f"{api_url}/trips", headers=auth_headers("E1002")).json()["trips"]
    assert trip["trip_id"] not in {t["trip_id"] for t in listed}
    # Verifying someone's token as a plain employee shows no record.
    result = http.post(f"{api_url}/proofs/verify", json={"token": proof["token"]},
                       headers=auth_headers("E1002")).json()
    assert result["valid"] is True and "record" not in result


@pytest.mark.parametrize("bad", [
    {"lat": 91}, {"lon": "x"}, {"accuracy_m": -1}, {"nonce": "short"}, {"captured_at": "yesterday"},
    {"captured_at": "2025-05-20T10:00:00"}, {"lat": None},
])
def test_bad_fixes_are_422_and_write_nothing(make_trip: Any, consent: Any, prove: Any, fix: Any,
                                            bad: dict[str, Any]) -> None:
    consent("E1001")
    trip = make_trip()
    body = {**fix(), **bad}
    response = prove(trip["trip_id"], body={k: v for k, v in body.items() if v is not None})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] in bad
    good = prove(trip["trip_id"])
    assert good.status_code == 201 and good.json()["repeated"] is False


def test_unknown_trip_is_404(prove: Any, consent: Any) -> None:
    consent("E1001")
    assert prove("tnosuchtrip00").status_code == 404


def test_qr_png_decodes_to_the_verify_link(api_url: str, http: requests.Session, make_trip: Any,
                                           consent: Any, prove: Any,
                                           auth_headers: Callable[..., dict[str, str]]) -> None:
    import io

    import zxingcpp
    from PIL import Image

    consent("E1001")
    proof = prove(make_trip()["trip_id"]).json()
    response = http.get(f"{api_url}/proofs/{proof['proof_id']}/qr.png", headers=auth_headers("A2001"))
    assert response.headers["Content-Type"] == "image/png"
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert [r.text for r in results] == [proof["verify_url"]]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode
