"""Proof tokens: compact JWS (RFC 7515) with ES256, and the AES-256-GCM sealed private part.

Pure functions over bytes and keys: signing itself is done by whoever holds the key (KMS in
``store.py``), which hands back a DER ECDSA signature; ``der_to_raw`` turns it into the JWS form.

Header: ``{"alg": "ES256", "kid": <12-char key id>}``.
Claims (short names keep the verify link inside QR version 18; see docs/trips.md):

====  =====================================================================================
iss   issuer (configured, default ``gdesk``)
iat   issued at (epoch seconds, server clock)
exp   end of the proof retention (epoch seconds); the public key stays published until then
jti   proof id
trp   trip id
sub   pseudonymous traveller reference (random per traveller; the mapping stays in the table)
fat   time the fix was judged at (epoch seconds; the server's receive time unless delayed)
vd    verdict bits: 1 passed, 2 inside the time window, 4 inside the radius, 8 accuracy ok
fl    flags (short codes, see ``FLAG_CODES``); omitted when there are none
pd    private part: ``<data key id>.<base64url(iv ‖ ciphertext ‖ tag)>``, AES-256-GCM with AAD
      ``jti.trp`` (it cannot be moved to another proof) of a packed record: latitude and
      longitude (1e-7°), accuracy (dm), distance to the destination (m), employee id, name
====  =====================================================================================
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

ALG = "ES256"
MAX_TOKEN_CHARS = 4096

FLAG_CODES = {"accuracy_suspicious": "acc", "speed_implausible": "spd", "clock_skew": "skw",
              "repeated_fix": "rep", "delayed": "dly"}
FLAG_NAMES = {code: name for name, code in FLAG_CODES.items()}
REQUIRED_CLAIMS = ("iss", "iat", "exp", "jti", "trp", "sub", "fat", "vd", "pd")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    if not isinstance(text, str) or any(c in text for c in "=+/ \n"):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _compact_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# -- keys ----------------------------------------------------------------------------------------

def public_jwk(der_spki: bytes) -> dict[str, str]:
    """The EC public JWK (with ``kid``, ``alg``, ``use``) of a DER SubjectPublicKeyInfo (KMS)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    key = load_der_public_key(der_spki)
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ValueError("proof signing keys must be P-256")
    numbers = key.public_numbers()
    jwk = {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")),
           "y": b64url(numbers.y.to_bytes(32, "big"))}
    return {**jwk, "kid": key_id(jwk), "alg": ALG, "use": "sig"}


def key_id(jwk: Mapping[str, str]) -> str:
    """First 12 characters (72 bits) of the RFC 7638 thumbprint: short, and stable per key."""
    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())[:12]


@lru_cache(maxsize=64)
def cached_public_key(kid: str, x: str, y: str) -> Any:
    """The key object of a published JWK, made once per process (keys are few and never change)."""
    return jwk_public_key({"kid": kid, "x": x, "y": y})


def jwk_public_key(jwk: Mapping[str, str]) -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    x = int.from_bytes(b64url_decode(jwk["x"]), "big")
    y = int.from_bytes(b64url_decode(jwk["y"]), "big")
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


# -- signing -------------------------------------------------------------------------------------

def der_to_raw(der: bytes) -> bytes:
    """DER ECDSA signature (KMS, OpenSSL) → JWS's fixed 64-byte r‖s."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def signing_input(kid: str, claims: Mapping[str, Any]) -> bytes:
    header = {"alg": ALG, "kid": kid}
    return f"{b64url(_compact_json(header))}.{b64url(_compact_json(claims))}".encode("ascii")


def assemble(message: bytes, der_signature: bytes) -> str:
    """The compact JWS from its signing input and the signer's DER signature."""
    return f"{message.decode('ascii')}.{b64url(der_to_raw(der_signature))}"


def sign(kid: str, claims: Mapping[str, Any], sign_der: Callable[[bytes], bytes]) -> str:
    """The compact JWS; ``sign_der(message)`` signs the raw message with ECDSA P-256/SHA-256."""
    message = signing_input(kid, claims)
    return assemble(message, sign_der(message))


def peek_kid(token: str) -> str | None:
    """The header's ``kid`` before any check (to pick the key), or None for garbage."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        return None
    header = _json_part(token.strip().split(".")[0])
    kid = header.get("kid") if header else None
    return kid if isinstance(kid, str) and 0 < len(kid) <= 64 else None


# -- the sealed private part ---------------------------------------------------------------------

VERDICT_BITS = {"passed": 1, "within_window": 2, "within_radius": 4, "accuracy_ok": 8}
_PACK_VERSION = 1


def verdict_bits(passed: bool, within_window: bool, within_radius: bool, accuracy_ok: bool) -> int:
    return passed * 1 | within_window * 2 | within_radius * 4 | accuracy_ok * 8


def bits_verdict(bits: int) -> dict[str, bool]:
    return {name: bool(bits & bit) for name, bit in VERDICT_BITS.items()}


def pack_private(lat: float, lon: float, accuracy_m: float, distance_m: float, employee_id: str,
                 name: str) -> bytes:
    """The private record as 15 bytes + two short strings (JSON would cost twice the QR area)."""
    import struct

    emp = employee_id.encode("utf-8")[:255]
    return struct.pack(">BiiHIB", _PACK_VERSION, round(lat * 1e7), round(lon * 1e7),
                       min(round(accuracy_m * 10), 65535), min(round(distance_m), 2**32 - 1),
                       len(emp)) + emp + name.encode("utf-8")[:120]


def unpack_private(data: bytes) -> dict[str, Any]:
    import struct

    version, lat, lon, acc, dist, emp_len = struct.unpack(">BiiHIB", data[:16])
    if version != _PACK_VERSION:
        raise ValueError("unknown private record version")
    return {"lat": lat / 1e7, "lon": lon / 1e7, "accuracy_m": acc / 10, "distance_m": dist,
            "employee_id": data[16:16 + emp_len].decode("utf-8"),
            "name": data[16 + emp_len:].decode("utf-8")}


def seal(data_key_id: str, key: bytes, plaintext: bytes, aad: bytes) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    iv = os.urandom(12)
    return f"{data_key_id}.{b64url(iv + AESGCM(key).encrypt(iv, plaintext, aad))}"


def sealed_key_id(sealed: str) -> str:
    key_id_part, sep, _ = sealed.partition(".")
    if not sep or not key_id_part:
        raise ValueError("malformed private part")
    return key_id_part


def unseal(sealed: str, key: bytes, aad: bytes) -> bytes:
    """The plaintext; raises ``cryptography.exceptions.InvalidTag`` when anything was altered."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    _, _, blob = sealed.partition(".")
    raw = b64url_decode(blob)
    return AESGCM(key).decrypt(raw[:12], raw[12:], aad)


def aad_for(claims: Mapping[str, Any]) -> bytes:
    return f"{claims.get('jti')}.{claims.get('trp')}".encode()


# -- verification --------------------------------------------------------------------------------

@dataclass
class Checked:
    """Outcome of checking a token's form, signature and claims (no table, no decryption)."""

    valid: bool
    reasons: list[str] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)

    def fail(self, reason: str) -> Checked:
        self.valid = False
        self.reasons.append(reason)
        return self


def _json_part(part: str) -> dict[str, Any] | None:
    try:
        value = json.loads(b64url_decode(part))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def check(token: str, keys: Mapping[str, Any], issuer: str, now: float,
          leeway: float = 60.0) -> Checked:
    """Check a compact JWS against ``keys`` (kid → EC public key object).

    Only ES256 with a known ``kid`` is accepted: ``alg: none``, HMAC (even keyed with the public
    key) and any other algorithm are refused before any key is touched.
    """
    result = Checked(valid=True)
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        return result.fail("토큰이 비어 있거나 너무 깁니다. (empty or oversized token)")
    parts = token.strip().split(".")
    if len(parts) != 3:
        return result.fail("토큰 형식이 올바르지 않습니다: 세 부분(header.payload.signature)이 아닙니다. "
                           "(malformed: not a compact JWS)")
    header = _json_part(parts[0])
    if header is None:
        return result.fail("토큰 헤더를 읽을 수 없습니다. (malformed header)")
    result.header = header
    alg = header.get("alg")
    if alg != ALG:
        return result.fail(f"허용되지 않은 서명 알고리즘입니다: {alg!s} (only ES256 is accepted)")
    if "crit" in header:
        return result.fail("알 수 없는 필수 헤더(crit)가 있습니다. (unsupported crit header)")
    kid = header.get("kid")
    key = keys.get(kid) if isinstance(kid, str) else None
    if key is None:
        return result.fail(f"알 수 없는 서명 키입니다: {kid!s} (unknown kid)")
    claims = _json_part(parts[1])
    if claims is None:
        return result.fail("토큰 내용(payload)을 읽을 수 없습니다. (malformed payload)")
    try:
        raw = b64url_decode(parts[2])
    except (ValueError, binascii.Error):
        return result.fail("서명 형식이 올바르지 않습니다. (malformed signature)")
    if len(raw) != 64 or not _signature_ok(key, f"{parts[0]}.{parts[1]}".encode("ascii"), raw):
        return result.fail("서명이 올바르지 않습니다: 위조되었거나 변조된 토큰입니다. (bad signature)")
    result.claims = claims
    return _check_claims(result, issuer, now, leeway)


def _signature_ok(key: Any, message: bytes, raw: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        key.verify(der, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def _check_claims(result: Checked, issuer: str, now: float, leeway: float) -> Checked:
    claims = result.claims
    missing = [name for name in REQUIRED_CLAIMS if name not in claims]
    if missing:
        return result.fail(f"필수 항목이 없습니다: {', '.join(missing)} (missing claims)")
    if claims["iss"] != issuer:
        result.fail(f"발급자(iss)가 올바르지 않습니다: {claims['iss']!s} (wrong issuer)")
    numbers = ("iat", "exp", "fat")
    if any(isinstance(claims[n], bool) or not isinstance(claims[n], int) for n in numbers):
        return result.fail("시각 항목(iat/exp/fat)의 형식이 올바르지 않습니다. (malformed times)")
    if claims["exp"] < now - leeway:
        result.fail("보존 기간이 지나 만료된 증빙입니다. (token expired)")
    if claims["iat"] > now + leeway:
        result.fail("발급 시각이 미래입니다. (issued in the future)")
    if isinstance(claims["vd"], bool) or not isinstance(claims["vd"], int) \
            or not isinstance(claims["pd"], str):
        result.fail("판정 항목의 형식이 올바르지 않습니다. (malformed verdict)")
    return result
