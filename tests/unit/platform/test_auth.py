"""Sign-in through the real app: every rejected token is a 401 (a missing role a 403) with the JSON
error body. Keys come from the dev issuer's JWKS file in tmp_path, so nothing touches the network."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from chalice.test import Client
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from chalicelib import devissuer
from chalicelib.platform.http import App

ME = {"id": "E1001", "name": "김민준", "department": "도로관리과", "roles": ["employee"]}


def _private_key(home: str) -> Any:
    devissuer.ensure_keys(home)
    return serialization.load_pem_private_key((Path(home) / "dev-issuer-key.pem").read_bytes(), None)


def _kid(home: str) -> str:
    return str(json.loads((Path(home) / "dev-jwks.json").read_text())["keys"][0]["kid"])


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": devissuer.ISSUER, "aud": devissuer.AUDIENCE, "sub": "E1001", "iat": now,
              "exp": now + 600, "name": "김민준", "department": "도로관리과", "roles": ["employee"]}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(home: str, claims: dict[str, Any], kid: str | None = None) -> str:
    return jwt.encode(claims, _private_key(home), algorithm="ES256", headers={"kid": kid or _kid(home)})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _get_me(client: Any, token: str | None = None, scheme: str = "Bearer") -> Any:
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    return client.http.get("/me", headers=headers)


def _assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith("application/json")
    body = json.loads(response.body)
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert body["error"]["message"]
    return dict(body["error"])


def test_a_valid_dev_token_signs_in(client: Any, dev_home: str) -> None:
    response = _get_me(client, devissuer.issue_token(dev_home, "E1001"))
    assert response.status_code == 200
    assert json.loads(response.body) == ME


def test_a_hand_signed_token_with_the_dev_key_signs_in(client: Any, dev_home: str) -> None:
    assert _get_me(client, _sign(dev_home, _claims())).status_code == 200


def test_no_authorization_header(client: Any) -> None:
    response = _get_me(client)
    _assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("scheme,token", [("Basic", "dXNlcjpwYXNz"), ("Bearer", ""), ("", "abc")])
def test_not_a_bearer_token(client: Any, scheme: str, token: str) -> None:
    _assert_error(_get_me(client, token, scheme), 401, "unauthorized")


def test_garbage_token(client: Any) -> None:
    error = _assert_error(_get_me(client, "not.a.jwt"), 401, "unauthorized")
    assert "malformed" in error["message"]


def test_expired_token(client: Any, dev_home: str) -> None:
    token = devissuer.issue_token(dev_home, "E1001", ttl_seconds=60, now=time.time() - 3600)
    error = _assert_error(_get_me(client, token), 401, "unauthorized")
    assert "만료" in error["message"] and "expired" in error["message"]


def test_wrong_audience(client: Any, dev_home: str) -> None:
    error = _assert_error(_get_me(client, _sign(dev_home, _claims(aud="another-app"))), 401, "unauthorized")
    assert "audience" in error["message"]


def test_wrong_issuer(client: Any, dev_home: str) -> None:
    error = _assert_error(_get_me(client, _sign(dev_home, _claims(iss="https://evil.example"))), 401,
                          "unauthorized")
    assert "issuer" in error["message"]


@pytest.mark.parametrize("missing", ["exp", "iat", "iss", "aud", "sub"])
def test_required_claims(client: Any, dev_home: str, missing: str) -> None:
    _assert_error(_get_me(client, _sign(dev_home, _claims(**{missing: None}))), 401, "unauthorized")


def test_a_token_from_the_future_is_rejected(client: Any, dev_home: str) -> None:
    now = int(time.time())
    token = _sign(dev_home, _claims(iat=now + 3600, exp=now + 7200))
    _assert_error(_get_me(client, token), 401, "unauthorized")


def test_alg_none_is_rejected(client: Any, dev_home: str) -> None:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": _kid(dev_home)}).encode())
    payload = _b64(json.dumps(_claims()).encode())
    error = _assert_error(_get_me(client, f"{header}.{payload}."), 401, "unauthorized")
    assert "algorithm" in error["message"]


def test_hs256_signed_with_the_public_key_is_rejected(client: Any, dev_home: str) -> None:
    """The classic key-confusion attack: HMAC with the (public) verification key as the secret."""
    public_pem = _private_key(dev_home).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    jwk = json.loads((Path(dev_home) / "dev-jwks.json").read_text())["keys"][0]
    for secret in (public_pem, json.dumps(jwk).encode()):
        header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": _kid(dev_home)}).encode())
        payload = _b64(json.dumps(_claims()).encode())
        signature = _b64(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        error = _assert_error(_get_me(client, f"{header}.{payload}.{signature}"), 401, "unauthorized")
        assert "algorithm" in error["message"]


def test_a_token_signed_by_another_key_with_the_right_kid_is_rejected(client: Any, dev_home: str) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(_claims(), other, algorithm="ES256", headers={"kid": _kid(dev_home)})
    _assert_error(_get_me(client, token), 401, "unauthorized")


def test_unknown_kid(client: Any, dev_home: str) -> None:
    error = _assert_error(_get_me(client, _sign(dev_home, _claims(), kid="rotated-away")), 401,
                          "unauthorized")
    assert "unknown signing key" in error["message"]


def test_a_token_without_kid(client: Any, dev_home: str) -> None:
    token = jwt.encode(_claims(), _private_key(dev_home), algorithm="ES256")
    _assert_error(_get_me(client, token), 401, "unauthorized")


def test_an_algorithm_not_pinned_by_configuration(client: Any, dev_home: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import auth
    from chalicelib.settings import get_settings

    monkeypatch.setenv("GDESK_JWT_ALGORITHMS", "RS256")
    get_settings.cache_clear()
    auth.reset()
    _assert_error(_get_me(client, devissuer.issue_token(dev_home, "E1001")), 401, "unauthorized")


def test_without_the_dev_issuer_only_https_jwks_urls_are_fetched(client: Any, dev_home: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import auth
    from chalicelib.settings import get_settings

    monkeypatch.setenv("GDESK_DEV_ISSUER", "0")
    get_settings.cache_clear()
    auth.reset()
    error = _assert_error(_get_me(client, devissuer.issue_token(dev_home, "E1001")), 401, "unauthorized")
    assert "https" in error["message"]


def test_an_unreadable_jwks_is_a_401_not_a_500(client: Any, dev_home: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib import auth
    from chalicelib.settings import get_settings

    monkeypatch.setenv("GDESK_OIDC_JWKS_URL", (Path(dev_home) / "missing.json").as_uri())
    get_settings.cache_clear()
    auth.reset()
    error = _assert_error(_get_me(client, devissuer.issue_token(dev_home, "E1001")), 401, "unauthorized")
    assert "JWKS" in error["message"]


# -- roles -------------------------------------------------------------------------------------


def _role_app() -> App:
    """A small app with the real error middleware and a route that needs the auditor role."""
    import app as app_module
    from chalicelib.auth import current_user

    role_app = App(app_name="roles")
    role_app.register_middleware(app_module.json_errors, "http")

    @role_app.route("/audit")
    def audit() -> dict[str, Any]:
        return current_user(role_app.current_request, "auditor", "admin").to_dict()

    return role_app


def test_a_missing_role_is_a_403(dev_home: str) -> None:
    with Client(_role_app()) as role_client:
        denied = role_client.http.get("/audit", headers={
            "Authorization": f"Bearer {devissuer.issue_token(dev_home, 'E1001')}"})
        error = _assert_error(denied, 403, "forbidden")
        assert "auditor" in error["message"]
        allowed = role_client.http.get("/audit", headers={
            "Authorization": f"Bearer {devissuer.issue_token(dev_home, 'A2001')}"})
        assert allowed.status_code == 200 and json.loads(allowed.body)["roles"] == ["employee", "auditor"]
        anonymous = role_client.http.get("/audit")
        _assert_error(anonymous, 401, "unauthorized")


def test_unknown_roles_are_dropped_and_cognito_groups_are_read() -> None:
    from chalicelib.auth import user_from_claims

    user = user_from_claims({"sub": "u1", "cognito:groups": ["employee", "root"],
                             "custom:department": "감사위원회"})
    assert user.roles == ("employee",) and user.department == "감사위원회" and user.name == "u1"
    assert user_from_claims({"sub": "u2", "roles": "employee admin"}).roles == ("employee", "admin")


# -- dev issuer routes ----------------------------------------------------------------------------


def test_dev_login_issues_a_token_for_demo_users_only(client: Any) -> None:
    users = json.loads(client.http.get("/dev/users").body)["users"]
    assert {u["id"] for u in users} == set(devissuer.DEMO_USERS)
    ok = client.http.post("/dev/login", body=json.dumps({"user": "E1002"}),
                          headers={"Content-Type": "application/json"})
    token = json.loads(ok.body)["token"]
    assert json.loads(_get_me(client, token).body)["name"] == "이서연"
    stranger = client.http.post("/dev/login", body=json.dumps({"user": "X1"}),
                                headers={"Content-Type": "application/json"})
    _assert_error(stranger, 404, "not_found")


def test_dev_routes_are_404_without_the_dev_issuer(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.settings import get_settings

    monkeypatch.setenv("GDESK_DEV_ISSUER", "0")
    get_settings.cache_clear()
    _assert_error(client.http.get("/dev/users"), 404, "not_found")
    _assert_error(client.http.post("/dev/login", body=json.dumps({"user": "E1001"}),
                                   headers={"Content-Type": "application/json"}), 404, "not_found")
