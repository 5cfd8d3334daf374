"""The verifier caches the issuer's key set and refetches once for an unknown kid (key rotation),
at most once per floor interval so random kids cannot make it hammer the IdP."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from chalicelib.auth import TokenVerifier
from chalicelib.errors import Unauthorized
from chalicelib.settings import AuthSettings

ISSUER = "https://idp.example.kr/pool"


def _jwk(private: Any, kid: str) -> dict[str, Any]:
    if isinstance(private, rsa.RSAPrivateKey):
        jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
        alg = "RS256"
    else:
        jwk = json.loads(ECAlgorithm.to_jwk(private.public_key()))
        alg = "ES256"
    jwk.update({"kid": kid, "use": "sig", "alg": alg})
    return jwk


def _token(private: Any, kid: str, sub: str = "E1001") -> str:
    now = int(time.time())
    alg = "RS256" if isinstance(private, rsa.RSAPrivateKey) else "ES256"
    claims = {"iss": ISSUER, "aud": "gdesk", "sub": sub, "iat": now, "exp": now + 300, "roles": ["employee"]}
    return jwt.encode(claims, private, algorithm=alg, headers={"kid": kid})


class CountingVerifier(TokenVerifier):
    def __init__(self, config: AuthSettings) -> None:
        super().__init__(config)
        self.fetches = 0

    def _fetch(self) -> dict[str, Any]:
        self.fetches += 1
        return super()._fetch()


@pytest.fixture
def jwks_file(tmp_path: Path) -> Path:
    return tmp_path / "jwks.json"


def _publish(path: Path, *keys: dict[str, Any]) -> None:
    path.write_text(json.dumps({"keys": list(keys)}))


def _verifier(path: Path, cache_seconds: int = 3600) -> CountingVerifier:
    # dev_issuer=True only so the file:// URL may be read; everything else is as in production.
    config = AuthSettings(issuer=ISSUER, audience="gdesk", jwks_url=path.as_uri(),
                          algorithms=("ES256", "RS256"), jwks_cache_seconds=cache_seconds, dev_issuer=True)
    return CountingVerifier(config)


def test_the_key_set_is_fetched_once_and_cached(jwks_file: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    _publish(jwks_file, _jwk(key, "k1"))
    verifier = _verifier(jwks_file)
    for sub in ("E1001", "E1002", "E1003"):
        assert verifier.verify(_token(key, "k1", sub)).id == sub
    assert verifier.fetches == 1


def test_rsa_keys_work_too(jwks_file: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _publish(jwks_file, _jwk(key, "r1"))
    assert _verifier(jwks_file).verify(_token(key, "r1")).roles == ("employee",)


def test_an_unknown_kid_triggers_one_refetch_after_rotation(jwks_file: Path) -> None:
    old, new = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    _publish(jwks_file, _jwk(old, "old"))
    verifier = _verifier(jwks_file)
    verifier.verify(_token(old, "old"))
    # The IdP rotates: it now publishes the new key (and keeps the old one for a while).
    _publish(jwks_file, _jwk(new, "new"), _jwk(old, "old"))
    verifier._fetched_at -= TokenVerifier.REFRESH_FLOOR_SECONDS + 1  # the floor interval has passed
    assert verifier.verify(_token(new, "new")).id == "E1001"
    assert verifier.fetches == 2
    verifier.verify(_token(old, "old"))
    verifier.verify(_token(new, "new"))
    assert verifier.fetches == 2


def test_unknown_kids_do_not_hammer_the_idp(jwks_file: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    _publish(jwks_file, _jwk(key, "k1"))
    verifier = _verifier(jwks_file)
    verifier.verify(_token(key, "k1"))
    for i in range(20):
        with pytest.raises(Unauthorized, match="unknown signing key"):
            verifier.verify(_token(key, f"garbage-{i}"))
    assert verifier.fetches == 1


def test_the_cache_expires(jwks_file: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    _publish(jwks_file, _jwk(key, "k1"))
    verifier = _verifier(jwks_file, cache_seconds=600)
    verifier.verify(_token(key, "k1"))
    verifier._fetched_at -= 601
    verifier.verify(_token(key, "k1"))
    assert verifier.fetches == 2


def test_a_removed_key_stops_verifying_after_the_cache_expires(jwks_file: Path) -> None:
    old, new = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    _publish(jwks_file, _jwk(old, "old"))
    verifier = _verifier(jwks_file, cache_seconds=600)
    verifier.verify(_token(old, "old"))
    _publish(jwks_file, _jwk(new, "new"))
    verifier._fetched_at -= 601
    with pytest.raises(Unauthorized):
        verifier.verify(_token(old, "old"))
