"""The JWS and the sealed private part, with a local P-256 key in place of KMS; a second JOSE
library (joserfc) agrees on every valid token, and each forgery is refused with its reason."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from chalicelib.trips import token as jws

NOW = 1_747_700_000


@pytest.fixture(scope="module")
def key() -> Any:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def jwk(key: Any) -> dict[str, str]:
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    return jws.public_jwk(der)


def _claims(**overrides: Any) -> dict[str, Any]:
    return {"iss": "gdesk", "iat": NOW, "exp": NOW + 86400 * 365, "jti": "abcDEF123_-x", "trp": "tabc",
            "sub": "pxyz", "fat": NOW, "vd": 15, "pd": "k2505abc.AAAA", **overrides}


def _sign(key: Any, kid: str, claims: dict[str, Any]) -> str:
    return jws.sign(kid, claims, lambda message: key.sign(message, ec.ECDSA(hashes.SHA256())))


def _keys(jwk: dict[str, str]) -> dict[str, Any]:
    return {jwk["kid"]: jws.jwk_public_key(jwk)}


def test_a_signed_token_checks_here_and_in_joserfc(key: Any, jwk: dict[str, str]) -> None:
    from joserfc import jws as jose_jws
    from joserfc.jwk import ECKey

    token = _sign(key, jwk["kid"], _claims())
    result = jws.check(token, _keys(jwk), "gdesk", NOW)
    assert result.valid and result.reasons == [] and result.claims["jti"] == "abcDEF123_-x"
    other = jose_jws.deserialize_compact(token, ECKey.import_key(jwk), algorithms=["ES256"])
    assert json.loads(other.payload) == _claims()
    assert other.headers() == {"alg": "ES256", "kid": jwk["kid"]}


def test_jwk_is_public_only_and_the_kid_is_a_thumbprint_prefix(jwk: dict[str, str]) -> None:
    from joserfc.jwk import ECKey

    assert set(jwk) == {"kty", "crv", "x", "y", "kid", "alg", "use"}
    assert len(jwk["kid"]) == 12
    assert ECKey.import_key(jwk).thumbprint().startswith(jwk["kid"])


def test_der_to_raw_is_fixed_width(key: Any) -> None:
    for _ in range(20):  # DER lengths vary (leading zeros); r||s is always 64 bytes
        der = key.sign(b"m", ec.ECDSA(hashes.SHA256()))
        assert len(jws.der_to_raw(der)) == 64


def _forge_header(token: str, header: dict[str, Any]) -> str:
    return ".".join([jws.b64url(json.dumps(header).encode()), *token.split(".")[1:]])


def _reasons(token: str, jwk: dict[str, str], now: int = NOW) -> list[str]:
    result = jws.check(token, _keys(jwk), "gdesk", now)
    assert not result.valid
    return result.reasons


def test_forgeries_are_refused_with_a_reason(key: Any, jwk: dict[str, str]) -> None:
    token = _sign(key, jwk["kid"], _claims())
    header, payload, signature = token.split(".")
    # Tampered payload (the verdict bits flipped to "passed").
    tampered = _claims(vd=15, trp="tother")
    assert "서명이 올바르지 않습니다" in _reasons(f"{header}.{jws.b64url(json.dumps(tampered).encode())}."
                                           f"{signature}", jwk)[0]
    # Truncated.
    assert "서명" in _reasons(token[:-10], jwk)[0]
    assert "세 부분" in _reasons(f"{header}.{payload}", jwk)[0]
    # Unknown kid.
    assert "알 수 없는 서명 키" in _reasons(_forge_header(token, {"alg": "ES256", "kid": "nope"}), jwk)[0]
    # alg=none with an empty signature.
    none = f"{jws.b64url(json.dumps({'alg': 'none', 'kid': jwk['kid']}).encode())}.{payload}."
    assert "none" in _reasons(none, jwk)[0]
    # HS256 keyed with the public key (the classic algorithm-confusion attack).
    hs_header = jws.b64url(json.dumps({"alg": "HS256", "kid": jwk["kid"]}).encode())
    for secret in (json.dumps(jwk).encode(), jwk["x"].encode()):
        mac = hmac.new(secret, f"{hs_header}.{payload}".encode(), hashlib.sha256).digest()
        assert "HS256" in _reasons(f"{hs_header}.{payload}.{jws.b64url(mac)}", jwk)[0]
    # Wrong issuer, even correctly signed.
    assert "발급자" in _reasons(_sign(key, jwk["kid"], _claims(iss="evil")), jwk)[0]
    # Expired (past the retention).
    assert "만료" in _reasons(token, jwk, now=NOW + 86400 * 366)[0]
    # Missing claims.
    assert "필수 항목" in _reasons(_sign(key, jwk["kid"], {"iss": "gdesk"}), jwk)[0]
    # Garbage.
    for junk in ("", "a.b.c", "...", "x" * 5000, "eyJ.eyJ.sig"):
        assert not jws.check(junk, _keys(jwk), "gdesk", NOW).valid


def test_signature_of_another_key_is_refused(jwk: dict[str, str]) -> None:
    attacker = ec.generate_private_key(ec.SECP256R1())
    forged = _sign(attacker, jwk["kid"], _claims())  # claims our kid
    assert "서명이 올바르지 않습니다" in _reasons(forged, jwk)[0]


def test_the_sealed_part_round_trips_and_is_bound_to_its_proof() -> None:
    import os

    from cryptography.exceptions import InvalidTag

    key = os.urandom(32)
    packed = jws.pack_private(35.2386123, 128.6929456, 12.3, 41.6, "E1001", "김민준")
    assert len(packed) < 40
    claims = _claims()
    sealed = jws.seal("k2505abc", key, packed, jws.aad_for(claims))
    assert jws.sealed_key_id(sealed) == "k2505abc"
    assert "김민준".encode() not in jws.b64url_decode(sealed.split(".")[1])
    record = jws.unpack_private(jws.unseal(sealed, key, jws.aad_for(claims)))
    assert record == {"lat": 35.2386123, "lon": 128.6929456, "accuracy_m": 12.3, "distance_m": 42,
                      "employee_id": "E1001", "name": "김민준"}
    with pytest.raises(InvalidTag):  # moved to another proof
        jws.unseal(sealed, key, jws.aad_for(_claims(jti="other")))
    with pytest.raises(InvalidTag):  # another key
        jws.unseal(sealed, os.urandom(32), jws.aad_for(claims))


def test_verdict_bits() -> None:
    assert jws.verdict_bits(True, True, True, True) == 15
    assert jws.bits_verdict(2 | 8) == {"passed": False, "within_window": True, "within_radius": False,
                                       "accuracy_ok": True}


def test_peek_kid_never_raises() -> None:
    assert jws.peek_kid("nope") is None
    assert jws.peek_kid("!!.x.y") is None
    header = jws.b64url(json.dumps({"alg": "ES256", "kid": "abc"}).encode())
    assert jws.peek_kid(f"{header}.x.y") == "abc"


def test_check_is_fast(key: Any, jwk: dict[str, str]) -> None:
    token = _sign(key, jwk["kid"], _claims())
    keys = _keys(jwk)
    started = time.perf_counter()
    for _ in range(50):
        jws.check(token, keys, "gdesk", NOW)
    assert (time.perf_counter() - started) / 50 < 0.01  # generous bound; bench/trips.py measures p50
