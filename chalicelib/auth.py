"""Sign-in: verification of the organisation's OIDC bearer tokens, roles, the current user.

Tokens are verified with PyJWT against the keys published at the configured JWKS URL (an
organisation IdP such as a Cognito user pool; locally the dev issuer's key file). Algorithms are
pinned by configuration to asymmetric ones, so ``alg=none`` and HMAC-signed-with-the-public-key
tokens are rejected before any key is looked at. ``exp``, ``iat``, ``iss`` and ``aud`` are required.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from chalicelib.errors import Forbidden, Unauthorized
from chalicelib.settings import AuthSettings, get_settings, is_loopback_url

ROLES = ("employee", "auditor", "admin")
MAX_TOKEN_CHARS = 16_384
_CURVES = {"ES256": "secp256r1"}  # EC algorithms → the one curve each may be used with


def key_fits(key: Any, alg: str) -> bool:
    """A JWKS key is used only with its own algorithm: the JWK's ``alg`` (or, without one, what its
    ``kty``/``crv`` imply) must be ``alg``, and the key object must be of that family and curve."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    if getattr(key, "algorithm_name", None) != alg:
        return False
    if alg in _CURVES:
        return isinstance(key.key, ec.EllipticCurvePublicKey) and key.key.curve.name == _CURVES[alg]
    return alg.startswith("RS") and isinstance(key.key, rsa.RSAPublicKey)


def token_header(token: str) -> dict[str, Any]:
    """The JOSE header of a compact JWS, parsed with the edge's bounds (size, depth, valid Unicode)."""
    import base64
    import binascii

    from chalicelib.validation import parse_json

    part = token.split(".", 1)[0]
    try:
        header = parse_json(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)), max_depth=4)
    except (ValueError, binascii.Error) as exc:
        raise Unauthorized("토큰 형식이 올바르지 않습니다. (malformed token)") from exc
    if not isinstance(header, dict) or token.count(".") != 2:
        raise Unauthorized("토큰 형식이 올바르지 않습니다. (malformed token)")
    return header


@dataclass(frozen=True)
class User:
    id: str
    name: str
    department: str
    roles: tuple[str, ...] = field(default_factory=tuple)

    def has(self, role: str) -> bool:
        return role in self.roles

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "department": self.department,
                "roles": list(self.roles)}


class TokenVerifier:
    """Verifies bearer tokens against the issuer's JWKS.

    The key set is cached for ``jwks_cache_seconds``; a token with an unknown ``kid`` triggers one
    refetch (key rotation at the IdP), at most once a minute so garbage kids cannot hammer the IdP.
    Only HTTPS JWKS URLs are fetched, except the dev issuer's local file and loopback hosts.
    """

    REFRESH_FLOOR_SECONDS = 60

    def __init__(self, config: AuthSettings) -> None:
        self._config = config
        self._keys: dict[str, Any] = {}
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def _fetch(self) -> dict[str, Any]:
        import json
        import urllib.request
        from urllib.parse import urlsplit

        from jwt import PyJWKSet

        url = self._config.jwks_url
        scheme = urlsplit(url).scheme
        allowed = {"https", "file", "http"} if self._config.dev_issuer else {"https"}
        if is_loopback_url(url):
            # A JWKS on this very machine (tests' fake IdP, a developer's local Keycloak) cannot be
            # tampered with in transit, so plain http is fine there; every other host needs https.
            allowed.add("http")
        if not url or scheme not in allowed:
            raise Unauthorized("인증 설정이 올바르지 않습니다. (JWKS URL must be https)")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - scheme checked
                document = json.loads(response.read(1_000_000))
            key_set = PyJWKSet.from_dict(document)
        except Exception as exc:  # noqa: BLE001 - any fetch/parse failure means: cannot verify now
            raise Unauthorized("인증 키를 가져올 수 없습니다. (JWKS unavailable)") from exc
        return {key.key_id: key for key in key_set.keys if key.key_id}

    def signing_key(self, kid: str) -> Any:
        now = time.monotonic()
        with self._lock:
            stale = now - self._fetched_at > self._config.jwks_cache_seconds
            may_refresh = now - self._fetched_at > self.REFRESH_FLOOR_SECONDS
            if stale or (kid not in self._keys and may_refresh):
                self._keys, self._fetched_at = self._fetch(), now
            key = self._keys.get(kid)
        if key is None:
            raise Unauthorized("알 수 없는 서명 키입니다. (unknown signing key)")
        return key

    def verify(self, token: str) -> User:
        import jwt

        if len(token) > MAX_TOKEN_CHARS:
            raise Unauthorized("토큰 형식이 올바르지 않습니다. (malformed token)")
        header = token_header(token)
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self._config.algorithms:
            raise Unauthorized(f"허용되지 않은 서명 알고리즘입니다: {str(alg)[:20]} (algorithm not allowed)")
        if not header.get("kid"):
            raise Unauthorized("토큰에 kid가 없습니다. (token has no kid)")
        key = self.signing_key(str(header["kid"]))
        if not key_fits(key, alg):
            raise Unauthorized(f"이 서명 키는 {alg} 알고리즘에 쓸 수 없습니다. "
                               "(algorithm does not match the key)")
        try:
            claims = jwt.decode(
                token, key=key.key, algorithms=[alg], audience=self._config.audience,
                issuer=self._config.issuer, leeway=30,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("토큰이 만료되었습니다. 다시 로그인하세요. (token expired)") from exc
        except jwt.InvalidAudienceError as exc:
            raise Unauthorized("토큰의 대상(aud)이 올바르지 않습니다. (wrong audience)") from exc
        except jwt.InvalidIssuerError as exc:
            raise Unauthorized("토큰 발급자(iss)가 올바르지 않습니다. (wrong issuer)") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"토큰을 검증할 수 없습니다. ({exc})") from exc
        return user_from_claims(claims)


def user_from_claims(claims: dict[str, Any]) -> User:
    raw_roles = claims.get("roles", claims.get("cognito:groups", []))
    if isinstance(raw_roles, str):
        raw_roles = raw_roles.split()
    roles = tuple(r for r in raw_roles if r in ROLES)
    return User(
        id=str(claims["sub"]),
        name=str(claims.get("name", claims["sub"])),
        department=str(claims.get("department", claims.get("custom:department", ""))),
        roles=roles,
    )


_verifier: TokenVerifier | None = None
_verifier_lock = threading.Lock()


def verifier() -> TokenVerifier:
    global _verifier
    with _verifier_lock:
        if _verifier is None:
            _verifier = TokenVerifier(get_settings().auth)
        return _verifier


def reset() -> None:
    """Forget the cached verifier (tests that change the auth settings)."""
    global _verifier
    with _verifier_lock:
        _verifier = None


def bearer_token(headers: Any) -> str:
    value = (headers or {}).get("authorization") or ""
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized()
    return token.strip()


def current_user(request: Any, *roles: str) -> User:
    """The signed-in user of this request, who must hold at least one of ``roles`` (if given).

    The verified user is kept on the request's context so a request is verified once.
    """
    context = request.context if isinstance(request.context, dict) else {}
    user = context.get("gdesk_user")
    if user is None:
        user = verifier().verify(bearer_token(request.headers))
        context["gdesk_user"] = user
        from chalicelib.observability import logger

        logger.append_keys(user_id=user.id)
    if roles and not any(user.has(role) for role in roles):
        raise Forbidden(f"이 기능은 {'/'.join(roles)} 권한이 필요합니다. (role required)")
    return user
