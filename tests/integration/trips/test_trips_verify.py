"""POST /proofs/verify on the local API: every forgery is valid:false with its reason, revocation
by an admin, and every verification and position access is in the access log."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import pytest
import requests

from chalicelib.trips import token as jws

pytestmark = pytest.mark.integration


@pytest.fixture
def proof(make_trip: Any, consent: Any, prove: Any) -> dict[str, Any]:
    consent("E1001")
    response = prove(make_trip()["trip_id"])
    assert response.status_code == 201
    return dict(response.json())


def _verify(api_url: str, http: requests.Session, token: str, headers: dict[str, str] | None = None
            ) -> dict[str, Any]:
    response = http.post(f"{api_url}/proofs/verify", json={"token": token}, headers=headers or {})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _parts(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    return (json.loads(jws.b64url_decode(header)), json.loads(jws.b64url_decode(payload)), signature)


def _enc(value: dict[str, Any]) -> str:
    return jws.b64url(json.dumps(value, separators=(",", ":")).encode())


def test_forgeries_are_refused_with_their_reasons(api_url: str, http: requests.Session,
                                                 proof: dict[str, Any]) -> None:
    token = proof["token"]
    header, claims, signature = _parts(token)
    jwk = next(k for k in http.get(f"{api_url}/.well-known/jwks.json").json()["keys"]
               if k["kid"] == header["kid"])
    forgeries = {
        "tampered": (f"{_enc(header)}.{_enc({**claims, 'vd': 15, 'fat': claims['fat'] + 3600})}.{signature}",
                     "서명이 올바르지 않습니다"),
        "truncated": (token[:-12], "서명"),
        "unknown kid": (f"{_enc({**header, 'kid': 'AAAAAAAAAAAA'})}.{token.split('.', 1)[1]}",
                        "알 수 없는 서명 키"),
        "alg none": (f"{_enc({'alg': 'none', 'kid': header['kid']})}.{token.split('.')[1]}.", "none"),
        "moved to another trip": (f"{_enc(header)}.{_enc({**claims, 'trp': 'tother'})}.{signature}", "서명"),
    }
    signing_input = f"{_enc({'alg': 'HS256', 'kid': header['kid']})}.{token.split('.')[1]}"
    mac = hmac.new(json.dumps(jwk).encode(), signing_input.encode(), hashlib.sha256).digest()
    forgeries["HS256 with the public key"] = (f"{signing_input}.{jws.b64url(mac)}", "HS256")
    for name, (forged, reason) in forgeries.items():
        result = _verify(api_url, http, forged)
        assert result["valid"] is False, name
        assert reason in result["reasons"][0], (name, result["reasons"])
        assert result["summary"] is None, name


def test_a_token_with_the_wrong_issuer_is_refused_even_when_signed_by_our_key(
        api_url: str, http: requests.Session, proof: dict[str, Any]) -> None:
    from chalicelib.wiring import trips_store as store

    _, claims, _ = _parts(proof["token"])
    forged = store().sign_jws({**claims, "iss": "https://evil.example"})
    result = _verify(api_url, http, forged)
    assert result["valid"] is False and "발급자" in result["reasons"][0]


def test_a_signed_token_for_a_proof_that_was_never_issued_is_refused(
        api_url: str, http: requests.Session, proof: dict[str, Any]) -> None:
    from chalicelib.wiring import trips_store as store

    _, claims, _ = _parts(proof["token"])
    result = _verify(api_url, http, store().sign_jws({**claims, "jti": "neverissued0"}))
    assert result["valid"] is False and "등록되지 않은 증빙" in result["reasons"][0]
    # A second signature over the same claims is not the token that was issued for the proof.
    result = _verify(api_url, http, store().sign_jws(claims))
    assert result["valid"] is False and "발급된 토큰이 아닙니다" in result["reasons"][0]


def test_admin_revokes_and_the_token_is_then_invalid(
        api_url: str, http: requests.Session, proof: dict[str, Any],
        auth_headers: Callable[..., dict[str, str]]) -> None:
    path = f"{api_url}/proofs/{proof['proof_id']}/revoke"
    assert http.post(path, json={"reason": "중복 청구"}, headers=auth_headers("E1001")).status_code == 403
    assert http.post(path, json={"reason": "중복 청구"}, headers=auth_headers("A2001")).status_code == 403
    assert http.post(path, json={}, headers=auth_headers("M9001")).status_code == 422
    assert http.post(f"{api_url}/proofs/nosuchproof/revoke", json={"reason": "없음"},
                     headers=auth_headers("M9001")).status_code == 404
    response = http.post(path, json={"reason": "중복 청구"}, headers=auth_headers("M9001"))
    assert response.status_code == 200 and response.json()["revoked"]["by"] == "M9001"
    result = _verify(api_url, http, proof["token"])
    assert result["valid"] is False
    assert result["reasons"][0].startswith("관리자가 취소한 증빙입니다: 중복 청구")


def test_verify_accepts_the_whole_link(api_url: str, http: requests.Session, proof: dict[str, Any]) -> None:
    assert _verify(api_url, http, proof["verify_url"])["valid"] is True


@pytest.mark.parametrize("body", [{}, {"token": 5}, {"token": ""}, {"token": "x" * 5000}])
def test_malformed_verify_requests_are_422(api_url: str, http: requests.Session, body: Any) -> None:
    response = http.post(f"{api_url}/proofs/verify", json=body)
    assert response.status_code == 422 and response.json()["error"]["field"] == "token"


def test_every_verification_and_position_access_is_logged(
        api_url: str, http: requests.Session, proof: dict[str, Any],
        auth_headers: Callable[..., dict[str, str]]) -> None:
    from chalicelib.wiring import trips_store as store

    _verify(api_url, http, proof["token"])
    _verify(api_url, http, proof["token"], auth_headers("A2001"))
    log = store().access_log(proof["proof_id"])
    entries = [(e["action"], e["who"], e["valid"]) for e in log]
    assert ("verify", "anonymous", True) in entries
    assert ("verify", "A2001", True) in entries
    assert ("position", "A2001", True) in entries
    assert all(e["ip"] == "127.0.0.1" and e["at"] for e in log)
    assert not any(action == "position" and who == "anonymous" for action, who, _ in entries)
