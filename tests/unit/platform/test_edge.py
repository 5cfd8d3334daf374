"""Hostile input at the edge, through the real app (its middleware, routes and error mapping):
every answer is a JSON 4xx, never a 500, and the checks run before any route, signed in or not.
Keys come from the dev issuer's JWKS file in tmp_path, so nothing touches the network."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from chalicelib import devissuer

JSON = {"Content-Type": "application/json"}

# -- helpers ---------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims() -> dict[str, Any]:
    now = int(time.time())
    return {"iss": devissuer.ISSUER, "aud": devissuer.AUDIENCE, "sub": "E1001", "iat": now,
            "exp": now + 600, "name": "김민준", "roles": ["employee"]}


def _json_error(response: Any, status: int | None = None) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, (response.status_code, response.body)
    if status is not None:
        assert response.status_code == status, response.body
    assert response.headers["Content-Type"].startswith("application/json")
    body = json.loads(response.body)
    assert set(body) == {"error"} and body["error"]["code"] and body["error"]["message"]
    return dict(body["error"])


def _json_routes() -> list[tuple[str, str]]:
    """(method, path) of every route that takes a JSON body, path parameters filled in."""
    from app import app

    routes = []
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            if method in ("POST", "PUT", "PATCH") and "application/json" in entry.content_types:
                routes.append((method, path.replace("{", "").replace("}", "")))
    return sorted(routes)


# -- 1: a key only with its own algorithm ----------------------------------------------------------


@pytest.fixture
def two_keys(dev_home: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The issuer's JWKS holds the dev EC key and an RSA key, both allowed by configuration."""
    from chalicelib import auth
    from chalicelib.settings import get_settings

    devissuer.ensure_keys(dev_home)
    ec_private = serialization.load_pem_private_key(
        (Path(dev_home) / "dev-issuer-key.pem").read_bytes(), None)
    ec_jwk = json.loads((Path(dev_home) / "dev-jwks.json").read_text())["keys"][0]
    rsa_private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_jwk = {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(rsa_private.public_key())),
               "kid": "rsa-1", "use": "sig"}
    p384_private = ec.generate_private_key(ec.SECP384R1())
    p384_jwk = {**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(p384_private.public_key())),
                "kid": "p384-1", "use": "sig"}
    path = Path(dev_home) / "two-keys.json"
    path.write_text(json.dumps({"keys": [ec_jwk, rsa_jwk, p384_jwk]}))
    monkeypatch.setenv("GDESK_OIDC_JWKS_URL", path.as_uri())
    monkeypatch.setenv("GDESK_JWT_ALGORITHMS", "ES256,RS256")
    get_settings.cache_clear()
    auth.reset()
    return {"ec": (ec_private, ec_jwk["kid"]), "rsa": (rsa_private, "rsa-1"),
            "p384": (p384_private, "p384-1")}


def _me(client: Any, token: str) -> Any:
    return client.http.get("/me", headers={"Authorization": f"Bearer {token}"})


def test_each_key_signs_in_with_its_own_algorithm(client: Any, two_keys: dict[str, Any]) -> None:
    ec_private, ec_kid = two_keys["ec"]
    rsa_private, rsa_kid = two_keys["rsa"]
    assert _me(client, jwt.encode(_claims(), ec_private, "ES256", headers={"kid": ec_kid})).status_code == 200
    rsa_token = jwt.encode(_claims(), rsa_private, "RS256", headers={"kid": rsa_kid})
    assert _me(client, rsa_token).status_code == 200


@pytest.mark.parametrize("signer,alg,kid_of", [
    ("rsa", "RS256", "ec"),     # RS256 with the kid of the EC key
    ("ec", "ES256", "rsa"),     # ES256 with the kid of the RSA key
    ("ec", "ES256", "p384"),    # ES256 with the kid of an EC key on another curve
])
def test_a_key_is_never_used_with_another_algorithm(client: Any, two_keys: dict[str, Any], signer: str,
                                                    alg: str, kid_of: str) -> None:
    private, _ = two_keys[signer]
    token = jwt.encode(_claims(), private, alg, headers={"kid": two_keys[kid_of][1]})
    error = _json_error(_me(client, token), 401)
    assert error["code"] == "unauthorized" and "algorithm" in error["message"]


# -- 9: nested and huge JSON, bounded before parsing, on every JSON route ---------------------------


def test_every_json_route_is_found() -> None:
    routes = _json_routes()
    assert ("POST", "/proofs/verify") in routes and ("POST", "/dev/login") in routes
    assert len(routes) >= 10


@pytest.mark.parametrize("signed_in", [False, True])
def test_deeply_nested_json_is_a_400_on_every_json_route(client: Any, dev_home: str, signed_in: bool) -> None:
    headers = {"Content-Type": "application/json"}
    if signed_in:
        headers["Authorization"] = f"Bearer {devissuer.issue_token(dev_home, 'A3001')}"
    for method, path in _json_routes():
        for body in ("[" * 20_000, '{"a":' * 5_000 + "1" + "}" * 5_000):
            response = client.http.request(method, path, headers=headers, body=body.encode())
            error = _json_error(response, 400)
            assert error["code"] == "json_too_deep", (method, path, error)


def test_a_huge_json_body_is_a_413_before_parsing(client: Any, dev_home: str) -> None:
    body = json.dumps({"token": "x" * 200_000}).encode()
    for method, path in _json_routes():
        response = client.http.request(method, path, headers={"Content-Type": "application/json"}, body=body)
        assert _json_error(response, 413)["code"] == "body_too_large", (method, path)


def test_brackets_inside_strings_do_not_count_as_depth(client: Any) -> None:
    body = json.dumps({"user": "[" * 5_000 + '{\\"' * 2_000})
    response = client.http.post("/dev/login", headers=JSON, body=body.encode())
    assert _json_error(response, 422)["code"] == "invalid_field"  # parsed: the field is too long


# -- 11: invalid Unicode is rejected at the edge -----------------------------------------------------


@pytest.mark.parametrize("text", [r'{"user": "\ud800"}', r'{"user": "a\udc00b"}', r'{"\ud83d": "E1001"}',
                                  r'{"user": ["\udfff"]}'])
def test_a_lone_surrogate_in_a_json_body_is_a_400(client: Any, text: str) -> None:
    response = client.http.post("/dev/login", headers=JSON, body=text.encode())
    assert _json_error(response, 400)["code"] == "invalid_unicode"


def test_a_proper_surrogate_pair_is_fine(client: Any) -> None:
    response = client.http.post("/dev/login", headers={"Content-Type": "application/json"},
                                body=rb'{"user": "\ud83d\ude00"}')
    assert _json_error(response, 404)["code"] == "not_found"


def test_invalid_utf8_in_a_json_body_is_a_400(client: Any) -> None:
    response = client.http.post("/dev/login", headers={"Content-Type": "application/json"},
                                body=b'{"user": "\xed\xa0\x80"}')
    assert _json_error(response, 400)["code"] == "malformed_json"


@pytest.mark.parametrize("where", ["queryStringParameters", "pathParameters", "headers"])
def test_a_surrogate_in_a_query_path_or_header_value_is_a_400(client: Any, dev_home: str, where: str) -> None:
    """What the gateway hands over is checked too: no lone surrogate reaches a route."""
    from app import app
    from infra.local.runtime import LambdaContext
    from infra.local.server import LocalApiGateway

    gateway = LocalApiGateway(app)
    event = gateway.event("GET", "/photos/p1", {"host": ["127.0.0.1"]}, b"", "127.0.0.1")
    assert event is not None
    event[where] = {**(event[where] or {}), "x": "\ud800"} if where != "pathParameters" \
        else {"photo_id": "p\udfff"}
    if where == "queryStringParameters":
        event["multiValueQueryStringParameters"] = {"x": ["\ud800"]}
    result = app(event, LambdaContext("f", 128, 3, ""))
    assert result["statusCode"] == 400, result
    assert json.loads(result["body"])["error"]["code"] == "invalid_unicode"


@pytest.mark.parametrize("header", [{"alg": "ES256", "kid": "\ud800"}, {"alg": "ES256\udc00", "kid": "k"}])
def test_a_surrogate_inside_a_bearer_tokens_header_is_a_401(client: Any, header: dict[str, str]) -> None:
    token = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(_claims()).encode())}.c2ln"
    error = _json_error(_me(client, token), 401)
    error["message"].encode("utf-8")


def test_a_deeply_nested_bearer_token_header_is_a_401(client: Any) -> None:
    token = f"{_b64(b'[' * 3_000)}.{_b64(json.dumps(_claims()).encode())}.c2ln"
    assert _json_error(_me(client, token), 401)["code"] == "unauthorized"


def test_a_proof_token_with_a_surrogate_in_its_header_is_invalid_with_a_printable_reason() -> None:
    from chalicelib.trips import token as proof_token

    for header in ({"alg": "ES256", "kid": "\ud800"}, {"alg": "\ud800"}):
        text = f"{_b64(json.dumps(header).encode())}.{_b64(b'{}')}.{_b64(bytes(64))}"
        checked = proof_token.check(text, {}, "https://issuer", time.time())
        assert not checked.valid
        json.dumps({"reasons": checked.reasons, "header": checked.header}, ensure_ascii=False).encode("utf-8")
        assert proof_token.peek_kid(text) is None


def test_a_deeply_nested_proof_token_header_is_invalid_not_a_crash() -> None:
    from chalicelib.trips import token as proof_token

    text = f"{_b64(b'[' * 1_500)}.{_b64(b'{}')}.{_b64(bytes(64))}"
    assert not proof_token.check(text, {}, "https://issuer", time.time()).valid
    assert proof_token.peek_kid(text) is None


# -- 13: static files -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["a" * 5_000 + ".js", "%2e%2e%2fapp.py", "..%2fweb%2f__init__.py",
                                  "nope.js", "app.js%00.css", "app.py", "\u00e9" * 300 + ".css"])
def test_unknown_static_paths_are_404(client: Any, name: str) -> None:
    assert _json_error(client.http.get(f"/static/{name}"), 404)["code"] == "not_found"


def test_known_static_files_are_served(client: Any) -> None:
    response = client.http.get("/static/app.js")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/javascript")
