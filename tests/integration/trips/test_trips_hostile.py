"""Issue 15 (trips): hostile input against the local API. Each test failed before its fix.

- garbage sent to the public verify route leaves no access-log item (only real proofs are logged);
- another user's trip or proof answers exactly like an unknown one (404, no existence oracle);
- imported trip ids cannot be computed from the order (keyed hash), re-imports stay idempotent;
- a second revocation does not overwrite the first (append-only history);
- huge numbers and absurd dates are 422 in Korean, never 500; a trip lies in a sane window;
- a LAB-mode TIFF sent to the QR decoder is a 4xx, a huge image is refused before decoding;
- an auditor verifying a re-signed token whose sealed part was altered gets valid:false, no record.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from chalicelib.clock import KST
from chalicelib.trips import token as jws

pytestmark = pytest.mark.integration

_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


@pytest.fixture
def proof(make_trip: Any, consent: Any, prove: Any) -> dict[str, Any]:
    consent("E1001")
    response = prove(make_trip()["trip_id"])
    assert response.status_code == 201, response.text
    return dict(response.json())


def _table(stack: Any) -> Any:
    from chalicelib import aws

    return aws.resource("dynamodb").Table(stack.physical["TripsTable"])


def _anonymous_log_count(stack: Any) -> int:
    from boto3.dynamodb.conditions import Key

    day = datetime.now(UTC).astimezone(KST).date().isoformat()
    return int(_table(stack).query(KeyConditionExpression=Key("pk").eq(f"ACCESS#{day}"),
                                   Select="COUNT")["Count"])


def _proof_log_count(stack: Any, proof_id: str) -> int:
    from boto3.dynamodb.conditions import Key

    return int(_table(stack).query(
        KeyConditionExpression=Key("pk").eq(f"PROOF#{proof_id}") & Key("sk").begins_with("LOG#"),
        Select="COUNT")["Count"])


def _enc(value: dict[str, Any]) -> str:
    return jws.b64url(json.dumps(value, separators=(",", ":")).encode())


def _sign(claims: dict[str, Any]) -> str:
    """A token signed with the stack's own proof key (what only an insider could make)."""
    from chalicelib.wiring import trips_store

    return str(trips_store().sign_jws(claims))


# -- 3: only real proofs are logged ------------------------------------------------------------------

def test_garbage_tokens_write_no_access_log_but_real_proofs_do(
        api_url: str, http: requests.Session, stack: Any, proof: dict[str, Any]) -> None:
    header, payload, signature = proof["token"].split(".")
    claims = json.loads(jws.b64url_decode(payload))
    garbage = ["garbage", "a.b.c", "x" * 4000,
               f"{_enc({'alg': 'ES256', 'kid': 'AAAAAAAAAAAA'})}.{payload}.{signature}",
               f"{header}.{_enc({**claims, 'fat': claims['fat'] + 60})}.{signature}"]  # tampered
    before, before_proof = _anonymous_log_count(stack), _proof_log_count(stack, proof["proof_id"])
    for token in garbage:
        response = http.post(f"{api_url}/proofs/verify", json={"token": token})
        assert response.status_code == 200 and response.json()["valid"] is False, token[:40]
    assert _anonymous_log_count(stack) == before
    assert _proof_log_count(stack, proof["proof_id"]) == before_proof
    assert http.post(f"{api_url}/proofs/verify", json={"token": proof["token"]}).json()["valid"] is True
    assert _proof_log_count(stack, proof["proof_id"]) == before_proof + 1


# -- 6: no existence oracle, unguessable import ids ----------------------------------------------------

def test_someone_elses_trip_and_proof_answer_like_unknown_ones(
        api_url: str, http: requests.Session, proof: dict[str, Any], consent: Any,
        auth_headers: Callable[..., dict[str, str]]) -> None:
    consent("E1002")
    other = auth_headers("E1002")
    pairs = [
        ("post", f"/trips/{proof['trip_id']}/proofs", "/trips/tnosuchtrip0/proofs"),
        ("get", f"/trips/{proof['trip_id']}/evidence", "/trips/tnosuchtrip0/evidence"),
        ("get", f"/trips/{proof['trip_id']}/evidence.pdf", "/trips/tnosuchtrip0/evidence.pdf"),
        ("get", f"/proofs/{proof['proof_id']}/qr.png", "/proofs/vnosuchproof00/qr.png"),
        ("get", f"/proofs/{proof['proof_id']}/qr.svg", "/proofs/vnosuchproof00/qr.svg"),
    ]
    fix = {"lat": 35.2386, "lon": 128.6929, "accuracy_m": 12.0, "nonce": "n0nce-0001-abcd",
           "captured_at": datetime.now(UTC).isoformat()}
    for method, theirs, unknown in pairs:
        body = {"json": fix} if method == "post" else {}
        answers = [getattr(http, method)(api_url + path, headers=other, **body) for path in (theirs, unknown)]
        assert [a.status_code for a in answers] == [404, 404], (theirs, [a.text for a in answers])
        assert answers[0].json() == answers[1].json(), theirs


def test_imported_trip_ids_are_keyed_and_reimports_stay_idempotent(
        api_url: str, http: requests.Session, auth_headers: Callable[..., dict[str, str]]) -> None:
    day = (datetime.now(UTC).astimezone(KST) + timedelta(days=5)).strftime("%Y-%m-%d")
    body = ("사번,성명,부서,출장지,주소,위도,경도,시작,종료,출장목적\n"
            f"E1003,박지훈,기후환경정책과,거제시청,,34.8806,128.6211,{day} 09:00,{day} 18:00,점검\n").encode()
    headers = {**auth_headers("M9001"), "Content-Type": "application/octet-stream"}
    first = http.post(f"{api_url}/admin/trips/import", data=body, headers=headers).json()
    again = http.post(f"{api_url}/admin/trips/import", data=body, headers=headers).json()
    trip_id = first["trips"][0]["trip_id"]
    assert again["trips"][0]["trip_id"] == trip_id and again["imported"] == 0
    start = datetime.fromisoformat(f"{day}T09:00").replace(tzinfo=KST)
    digest = hashlib.sha256(f"E1003|{start.isoformat()}|거제시청".encode()).digest()
    guessable = "t" + "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:11])
    assert trip_id != guessable


# -- 8: revocations are history -----------------------------------------------------------------------

def test_a_second_revoke_does_not_overwrite_the_first(
        api_url: str, http: requests.Session, proof: dict[str, Any],
        auth_headers: Callable[..., dict[str, str]]) -> None:
    path = f"{api_url}/proofs/{proof['proof_id']}/revoke"
    first = http.post(path, json={"reason": "중복 청구"}, headers=auth_headers("M9001"))
    assert first.status_code == 200, first.text
    second = http.post(path, json={"reason": "다른 사유로 덮어쓰기"}, headers=auth_headers("M9001"))
    assert second.status_code == 200, second.text
    assert second.json()["revoked"] == first.json()["revoked"]
    assert [r["reason"] for r in second.json()["revocations"]] == ["중복 청구", "다른 사유로 덮어쓰기"]
    result = http.post(f"{api_url}/proofs/verify", json={"token": proof["token"]}).json()
    assert result["reasons"][0].startswith("관리자가 취소한 증빙입니다: 중복 청구")


# -- 10: bounded numbers and dates --------------------------------------------------------------------

HUGE = "1" + "0" * 400


@pytest.mark.parametrize(("field", "raw"), [
    ("lat", HUGE), ("lon", "-" + HUGE), ("accuracy_m", HUGE),
    ("captured_at", '"0001-01-01T00:00:00+14:00"'), ("captured_at", '"9999-12-31T23:59:59-23:59"'),
    ("captured_at", '"9999-12-31T23:59:59+00:00"'),
])
def test_huge_numbers_and_extreme_dates_in_a_fix_are_422(
        api_url: str, http: requests.Session, make_trip: Any, consent: Any,
        auth_headers: Callable[..., dict[str, str]], field: str, raw: str) -> None:
    consent("E1001")
    trip = make_trip()
    values = {"lat": "35.2386", "lon": "128.6929", "accuracy_m": "12.0", "nonce": '"nonce-huge-0001"',
              "captured_at": json.dumps(datetime.now(UTC).isoformat()), field: raw}
    body = "{" + ",".join(f'"{k}":{v}' for k, v in values.items()) + "}"
    response = http.post(f"{api_url}/trips/{trip['trip_id']}/proofs", data=body,
                         headers={**auth_headers("E1001"), "Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["field"] == field and any("\uac00" <= ch <= "\ud7a3" for ch in error["message"])


@pytest.mark.parametrize("overrides", [
    {"lat": int(HUGE)}, {"radius_m": int(HUGE)},
    {"start": "0001-01-01T00:00:00+14:00", "end": "0001-01-02T00:00:00+14:00"},
    {"start": "9999-12-30T00:00:00", "end": "9999-12-31T00:00:00"},
    {"start": "1999-01-01T09:00:00+09:00", "end": "1999-01-01T18:00:00+09:00"},
])
def test_trips_far_from_today_or_with_huge_numbers_are_422(
        api_url: str, http: requests.Session, auth_headers: Callable[..., dict[str, str]],
        overrides: dict[str, Any]) -> None:
    start = datetime.now(UTC).astimezone(KST)
    body = {"destination": "경상남도청", "lat": 35.2383, "lon": 128.6925, "radius_m": 300,
            "start": start.isoformat(), "end": (start + timedelta(hours=8)).isoformat(),
            "purpose": "점검", **overrides}
    response = http.post(f"{api_url}/trips", json=body, headers=auth_headers("E1001"))
    assert response.status_code == 422, response.text
    assert any("\uac00" <= ch <= "\ud7a3" for ch in response.json()["error"]["message"])


def test_one_bad_row_of_the_hr_import_is_a_line_error_not_a_500(
        api_url: str, http: requests.Session, auth_headers: Callable[..., dict[str, str]]) -> None:
    day = (datetime.now(UTC).astimezone(KST) + timedelta(days=6)).strftime("%Y-%m-%d")
    body = ("사번,성명,부서,출장지,주소,위도,경도,시작,종료,출장목적\n"
            f"E1003,박지훈,기후환경정책과,김해시청,,35.2285,128.8894,{day} 09:00,{day} 18:00,점검\n"
            "E1003,박지훈,기후환경정책과,먼미래,,35.2,128.8,9999-12-30 09:00,9999-12-31 18:00,점검\n"
            "E1003,박지훈,기후환경정책과,먼과거,,35.2,128.8,0001-01-01T00:00+14:00,0001-01-01T18:00+14:00,점검\n"
            f"E1003,박지훈,기후환경정책과,거대한수,,{HUGE},128.8,{day} 09:00,{day} 18:00,점검\n").encode()
    response = http.post(f"{api_url}/admin/trips/import?dry_run=1", data=body,
                         headers={**auth_headers("M9001"), "Content-Type": "application/octet-stream"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["valid_rows"] == 1
    assert [e["line"] for e in report["errors"]] == [3, 4, 5]


# -- 12: the public QR decoder --------------------------------------------------------------------------

def _image(mode: str, size: tuple[int, int], fmt: str, **save: Any) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, size).save(out, format=fmt, **save)
    return out.getvalue()


def test_a_lab_tiff_is_a_4xx_and_huge_images_are_refused_before_decoding(
        api_url: str, http: requests.Session) -> None:
    url = f"{api_url}/proofs/decode-qr"
    lab = http.post(url, data=_image("LAB", (64, 64), "TIFF"),
                    headers={"Content-Type": "application/octet-stream"})
    assert 400 <= lab.status_code < 500, lab.text
    assert "error" in lab.json()
    big = _image("L", (6000, 4000), "PNG", optimize=True)  # 24 MP, a few kB compressed
    response = http.post(url, data=big, headers={"Content-Type": "image/png"})
    assert response.status_code == 413, response.text


# -- 15: the auditor and an altered sealed part ------------------------------------------------------

def test_an_auditor_verifying_an_altered_sealed_part_gets_valid_false_and_no_record(
        api_url: str, http: requests.Session, stack: Any, proof: dict[str, Any],
        auth_headers: Callable[..., dict[str, str]]) -> None:
    claims = json.loads(jws.b64url_decode(proof["token"].split(".")[1]))
    dkid, _, blob = claims["pd"].partition(".")
    raw = bytearray(jws.b64url_decode(blob))
    raw[-1] ^= 0x01
    forged = _sign({**claims, "pd": f"{dkid}.{jws.b64url(bytes(raw))}"})
    response = http.post(f"{api_url}/proofs/verify", json={"token": forged}, headers=auth_headers("A2001"))
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["valid"] is False and result["reasons"]
    assert "record" not in result
