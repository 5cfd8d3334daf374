"""SSO settings, the public /auth/config route, the login page's CSP, loopback-only http JWKS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.settings import AuthSettings, SettingsError, is_loopback_url

ISSUER = "https://cognito-idp.ap-northeast-2.amazonaws.com/ap-northeast-2_AbCdEf"


def _reset() -> None:
    from infra.local.cloud import reset_app_caches

    reset_app_caches()


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("GDESK_DEV_ISSUER", "GDESK_OIDC_CLIENT_ID", "GDESK_OIDC_SCOPES", "GDESK_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GDESK_OIDC_ISSUER", ISSUER)
    monkeypatch.setenv("GDESK_OIDC_JWKS_URL", ISSUER + "/.well-known/jwks.json")
    monkeypatch.setenv("GDESK_OIDC_AUDIENCE", "5abc123clientid")
    _reset()
    yield monkeypatch
    monkeypatch.undo()
    _reset()


def _get(path: str, headers: dict[str, str] | None = None) -> Any:
    from chalice.test import Client

    from app import app

    _reset()
    with Client(app) as client:
        return client.http.get(path, headers=headers or {})


def test_sso_is_off_by_default() -> None:
    settings = AuthSettings.from_env({"GDESK_OIDC_ISSUER": ISSUER})
    assert settings.client_id == "" and settings.sso is False
    assert settings.scopes == "openid profile email"
    assert settings.public_url == ""


def test_sso_settings_are_read() -> None:
    settings = AuthSettings.from_env({"GDESK_OIDC_ISSUER": ISSUER, "GDESK_OIDC_CLIENT_ID": "5abc",
                                      "GDESK_OIDC_SCOPES": "  openid   email ",
                                      "GDESK_PUBLIC_URL": "https://gdesk.example.go.kr/"})
    assert settings.sso and settings.client_id == "5abc"
    assert settings.scopes == "openid email"
    assert settings.public_url == "https://gdesk.example.go.kr"
    assert settings.issuer_origin == "https://cognito-idp.ap-northeast-2.amazonaws.com"


@pytest.mark.parametrize("env,match", [
    ({"GDESK_OIDC_SCOPES": "profile email"}, "openid"),
    ({"GDESK_OIDC_ISSUER": "http://idp.example.com", "GDESK_OIDC_CLIENT_ID": "c"}, "https"),
    ({"GDESK_OIDC_ISSUER": "https://idp.example.com; script-src *", "GDESK_OIDC_CLIENT_ID": "c"}, "https"),
    ({"GDESK_OIDC_ISSUER": "", "GDESK_OIDC_CLIENT_ID": "c"}, "https"),
    ({"GDESK_OIDC_ISSUER": ISSUER, "GDESK_OIDC_CLIENT_ID": "a b"}, "CLIENT_ID"),
])
def test_bad_sso_settings_fail_at_start_up(env: dict[str, str], match: str) -> None:
    with pytest.raises(SettingsError, match=match):
        AuthSettings.from_env(env)


def test_a_loopback_http_issuer_is_allowed_for_local_idps() -> None:
    settings = AuthSettings.from_env({"GDESK_OIDC_ISSUER": "http://127.0.0.1:5556/realms/x",
                                      "GDESK_OIDC_CLIENT_ID": "gdesk"})
    assert settings.sso and settings.issuer_origin == "http://127.0.0.1:5556"


@pytest.mark.parametrize("url,expected", [
    ("http://127.0.0.1:8080/jwks", True), ("http://localhost/jwks", True), ("http://[::1]:9/j", True),
    ("http://127.0.0.1.evil.example/jwks", False), ("http://localhost.evil.example/", False),
    ("http://10.0.0.1/jwks", False), ("https://idp.example.com/jwks", False), ("http://[bad", False),
])
def test_loopback_detection(url: str, expected: bool) -> None:
    assert is_loopback_url(url) is expected


def test_auth_config_says_sso_is_off_with_a_200(app_env: pytest.MonkeyPatch) -> None:
    """Issue 16 item 6: the login page asks on every visit; "off" is an answer, not a 404."""
    response = _get("/auth/config")
    assert response.status_code == 200
    assert response.json_body == {"sso": False}


def test_auth_config_is_public_and_uses_the_request_origin(app_env: pytest.MonkeyPatch) -> None:
    app_env.setenv("GDESK_OIDC_CLIENT_ID", "5abc123clientid")
    response = _get("/auth/config", {"host": "abc123.execute-api.ap-northeast-2.amazonaws.com",
                                     "x-forwarded-proto": "https"})
    assert response.status_code == 200, response.body  # no Authorization header: public
    assert response.json_body == {
        "issuer": ISSUER, "client_id": "5abc123clientid", "scopes": "openid profile email",
        "redirect_uri": "https://abc123.execute-api.ap-northeast-2.amazonaws.com/login"}  # no stage here


def test_auth_config_prefers_the_public_url(app_env: pytest.MonkeyPatch) -> None:
    app_env.setenv("GDESK_OIDC_CLIENT_ID", "5abc123clientid")
    app_env.setenv("GDESK_PUBLIC_URL", "https://gdesk.example.go.kr/")
    app_env.setenv("GDESK_OIDC_SCOPES", "openid email")
    body = _get("/auth/config", {"host": "evil.example"}).json_body
    assert body["redirect_uri"] == "https://gdesk.example.go.kr/login"
    assert body["scopes"] == "openid email"


def _connect_src(response: Any) -> set[str]:
    csp = response.headers["Content-Security-Policy"]
    directive = next(d.strip() for d in csp.split(";") if d.strip().startswith("connect-src"))
    return set(directive.split()[1:])


def test_login_csp_allows_only_the_app_when_sso_is_off(app_env: pytest.MonkeyPatch) -> None:
    response = _get("/login")
    assert response.status_code == 200
    assert _connect_src(response) == {"'self'"}
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_login_csp_allows_the_issuer_when_sso_is_on(app_env: pytest.MonkeyPatch) -> None:
    app_env.setenv("GDESK_OIDC_CLIENT_ID", "5abc123clientid")
    sources = _connect_src(_get("/login"))
    assert {"'self'", "https://cognito-idp.ap-northeast-2.amazonaws.com"} <= sources


def test_other_pages_keep_their_csp(app_env: pytest.MonkeyPatch) -> None:
    assert _connect_src(_get("/")) == {"'self'", "https:", "http:"}


def test_login_page_has_the_sso_button_and_no_inline_script() -> None:
    import re

    html = (Path(__file__).resolve().parents[3] / "chalicelib/web/login.html").read_text("utf-8")
    assert "기관 계정으로 로그인 (SSO)" in html
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", html))


def test_http_jwks_is_refused_off_loopback_without_the_dev_issuer() -> None:
    from chalicelib.auth import TokenVerifier
    from chalicelib.errors import Unauthorized

    settings = AuthSettings.from_env({"GDESK_OIDC_ISSUER": ISSUER,
                                      "GDESK_OIDC_JWKS_URL": "http://idp.example.com/jwks"})
    with pytest.raises(Unauthorized, match="https"):
        TokenVerifier(settings).signing_key("k1")
