"""The local cloud's development identity provider: a generated ES256 key, its JWKS file and
the demo users. Only used when ``GDESK_DEV_ISSUER`` is on (``gdesk up``, tests); the deployed
template never turns it on, so in AWS only the organisation's OIDC issuer signs tokens.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

ISSUER = "gdesk-local-dev-issuer"
AUDIENCE = "gdesk"

# Demo directory: id → (name, department, roles).
DEMO_USERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "E1001": ("김민준", "도로관리과", ("employee",)),
    "E1002": ("이서연", "복지정책과", ("employee",)),
    "E1003": ("박지훈", "기후환경정책과", ("employee",)),
    "A2001": ("최감사", "감사위원회", ("employee", "auditor")),
    "M9001": ("정관리", "정보통신담당관", ("employee", "admin")),
}


def _paths(home: str) -> tuple[Path, Path]:
    root = Path(home)
    return root / "dev-issuer-key.pem", root / "dev-jwks.json"


def ensure_keys(home: str) -> Path:
    """Create the dev signing key and its JWKS file once; return the JWKS file path."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key_path, jwks_path = _paths(home)
    if key_path.exists() and jwks_path.exists():
        return jwks_path
    key_path.parent.mkdir(parents=True, exist_ok=True)
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
    jwks_path.write_text(json.dumps({"keys": [_public_jwk(private)]}))
    return jwks_path


def _public_jwk(private: Any) -> dict[str, Any]:
    from jwt.algorithms import ECAlgorithm

    jwk = json.loads(ECAlgorithm.to_jwk(private.public_key()))
    jwk.update({"use": "sig", "alg": "ES256", "kid": _thumbprint(jwk)})
    return jwk


def _thumbprint(jwk: dict[str, Any]) -> str:
    import base64
    import hashlib

    canonical = json.dumps({k: jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def jwks_url(home: str) -> str:
    return ensure_keys(home).resolve().as_uri()


def issue_token(home: str, user_id: str, roles: tuple[str, ...] | None = None,
                name: str | None = None, department: str | None = None,
                ttl_seconds: int = 8 * 3600, now: float | None = None) -> str:
    """A bearer token for ``user_id``; demo users get their directory name/department/roles."""
    import jwt
    from cryptography.hazmat.primitives import serialization

    ensure_keys(home)
    key_path, _ = _paths(home)
    private = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    demo = DEMO_USERS.get(user_id, (user_id, "", ("employee",)))
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": ISSUER, "aud": AUDIENCE, "sub": user_id, "iat": issued, "exp": issued + ttl_seconds,
        "name": name or demo[0], "department": department if department is not None else demo[1],
        "roles": list(roles if roles is not None else demo[2]),
    }
    kid = _public_jwk(private)["kid"]
    return jwt.encode(claims, private, algorithm="ES256", headers={"kid": kid})  # type: ignore[arg-type]


def environment(home: str) -> dict[str, str]:
    """The auth settings the local cloud runs with when the dev issuer is on."""
    return {
        "GDESK_DEV_ISSUER": "1",
        "GDESK_OIDC_ISSUER": ISSUER,
        "GDESK_OIDC_AUDIENCE": AUDIENCE,
        "GDESK_OIDC_JWKS_URL": jwks_url(home),
        "GDESK_HOME": home,
    }
