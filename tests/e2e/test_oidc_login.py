"""Single sign-on for real: headless Chromium on /login clicks "기관 계정으로 로그인 (SSO)" and runs
the OIDC authorization code flow with PKCE against a small OIDC provider on 127.0.0.1 (discovery,
/authorize, /token checking the S256 code verifier, an ES256 ID token, its JWKS). The app runs
in-process with the dev issuer OFF and the Oidc* settings pointing at that provider, so the API
verifies the provider's token exactly as in AWS."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

CLIENT_ID = "gdesk-web"
DEMO_USER = {"sub": "E7001", "name": "한지민", "department": "정보통신과", "roles": ["employee"]}


@dataclass
class FakeIdp:
    """An OIDC provider that signs in one demo user at once (no login form) and remembers that in
    a session cookie, so ``prompt=none`` succeeds only after an interactive sign-in."""

    redirect_uri: str = ""  # the one registered callback URL
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    exchanged: int = 0
    silent: list[str] = field(default_factory=list)  # the answer to each prompt=none request
    errors: list[str] = field(default_factory=list)
    tamper_state: bool = False
    tamper_nonce: bool = False
    audience: str = CLIENT_ID  # another value makes ID tokens the app refuses
    httpd: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import ec

        self.key = ec.generate_private_key(ec.SECP256R1())

    @property
    def url(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def jwks(self) -> dict[str, Any]:
        from jwt.algorithms import ECAlgorithm

        jwk = json.loads(ECAlgorithm.to_jwk(self.key.public_key()))
        return {"keys": [dict(jwk, kid="idp-1", use="sig", alg="ES256")]}

    def id_token(self, nonce: str, lifetime: int = 600) -> str:
        import jwt

        now = int(time.time())
        claims = dict(DEMO_USER, iss=self.url, aud=self.audience, iat=now, exp=now + lifetime, nonce=nonce)
        return jwt.encode(claims, self.key, algorithm="ES256", headers={"kid": "idp-1"})

    def authorize(self, query: dict[str, str], has_session: bool
                  ) -> tuple[int, dict[str, str], dict[str, Any]]:
        problems = [name for name, ok in (
            ("client_id", query.get("client_id") == CLIENT_ID),
            ("redirect_uri", query.get("redirect_uri") == self.redirect_uri),
            ("response_type", query.get("response_type") == "code"),
            ("code_challenge_method", query.get("code_challenge_method") == "S256"),
            ("code_challenge", len(query.get("code_challenge", "")) == 43),
            ("scope", "openid" in query.get("scope", "").split()),
            ("state", bool(query.get("state"))), ("nonce", bool(query.get("nonce"))),
        ) if not ok]
        if problems:
            self.errors.append(f"authorize: bad {problems}")
            return 400, {}, {"error": "invalid_request", "error_description": f"bad {problems}"}
        if query.get("prompt") == "none":
            self.silent.append("code" if has_session else "login_required")
            if not has_session:
                answer = urlencode({"error": "login_required", "state": query["state"]})
                return 302, {"Location": f"{self.redirect_uri}?{answer}"}, {}
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"challenge": query["code_challenge"], "nonce": query["nonce"],
                            "redirect_uri": query["redirect_uri"]}
        state = "forged-state" if self.tamper_state else query["state"]
        return 302, {"Location": f"{self.redirect_uri}?{urlencode({'code': code, 'state': state})}",
                     "Set-Cookie": "idp_session=alive; Path=/authorize; HttpOnly; SameSite=Lax"}, {}

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = self.codes.pop(form.get("code", ""), None)  # a code is good once
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("client_id") != CLIENT_ID or form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_client"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not 43 <= len(verifier) <= 128 or challenge != grant["challenge"]:
            self.errors.append("token: PKCE verifier does not match the challenge")
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        self.exchanged += 1
        nonce = "another-nonce" if self.tamper_nonce else grant["nonce"]
        return 200, {"id_token": self.id_token(nonce), "access_token": "opaque", "token_type": "Bearer",
                     "expires_in": 600}

    def start(self) -> FakeIdp:
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

            def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Access-Control-Allow-Origin", "*")  # the browser calls us (CORS)
                self.send_header("Cache-Control", "no-store")
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    self._send(200, {"issuer": idp.url, "authorization_endpoint": f"{idp.url}/authorize",
                                     "token_endpoint": f"{idp.url}/token", "jwks_uri": f"{idp.url}/jwks",
                                     "response_types_supported": ["code"],
                                     "code_challenge_methods_supported": ["S256"],
                                     "id_token_signing_alg_values_supported": ["ES256"]})
                elif parts.path == "/jwks":
                    self._send(200, idp.jwks())
                elif parts.path == "/authorize":
                    status, headers, body = idp.authorize(
                        query, "idp_session=alive" in (self.headers.get("Cookie") or ""))
                    self._send(status, body, headers)
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if urlsplit(self.path).path != "/token" or not self.headers.get(
                        "Content-Type", "").startswith("application/x-www-form-urlencoded"):
                    self._send(400, {"error": "invalid_request"})
                    return
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, body = idp.token(form)
                self._send(status, body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, name="fake-idp", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()


@pytest.fixture(scope="module")
def idp() -> Iterator[FakeIdp]:
    provider = FakeIdp().start()
    try:
        yield provider
    finally:
        provider.stop()


@pytest.fixture(scope="module")
def sso_app(idp: FakeIdp) -> Iterator[str]:
    """The app over HTTP on 127.0.0.1 configured as deployed: no dev issuer, SSO with the fake IdP.

    The environment is restored afterwards (other tests in the session share this process).
    """
    from infra.local.cloud import reset_app_caches
    from infra.local.server import LocalApiServer

    env = {"GDESK_DEV_ISSUER": "0", "GDESK_OIDC_ISSUER": idp.url, "GDESK_OIDC_JWKS_URL": f"{idp.url}/jwks",
           "GDESK_OIDC_AUDIENCE": CLIENT_ID, "GDESK_OIDC_CLIENT_ID": CLIENT_ID,
           "GDESK_OIDC_SCOPES": "openid profile", "GDESK_PUBLIC_URL": ""}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    reset_app_caches()
    from app import app

    server = LocalApiServer(app, port=0).start()
    idp.redirect_uri = f"{server.url}/login"
    try:
        yield server.url
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_app_caches()



@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="ko-KR")
    try:
        yield context.new_page()
    finally:
        context.close()


def _reset(idp: FakeIdp) -> None:
    idp.tamper_state = idp.tamper_nonce = False
    idp.audience = CLIENT_ID
    idp.errors.clear()
    idp.silent.clear()


def test_sso_signs_in_and_returns_to_the_page_asked_for(sso_app: str, idp: FakeIdp, page: Any) -> None:
    _reset(idp)
    before = idp.exchanged
    page.goto(f"{sso_app}/?from=bookmark")  # no token: app.js sends us to /login?next=...
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.locator("#dev-users")).to_be_hidden()  # the dev issuer is off, as in AWS
    page.get_by_role("button", name="기관 계정으로 로그인 (SSO)").click()
    expect(page).to_have_url(f"{sso_app}/?from=bookmark")
    assert idp.silent == ["login_required"]  # tried without a click first; no IdP session yet
    expect(page.locator("header.bar .who")).to_contain_text("한지민 · 정보통신과")
    expect(page.locator("#roles")).to_have_text("권한: 직원")
    assert idp.exchanged == before + 1 and not idp.errors
    token = page.evaluate("localStorage.getItem('gdesk.token')")
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    assert claims["iss"] == idp.url and claims["aud"] == CLIENT_ID and claims["sub"] == "E7001"
    # The PKCE and state material is gone from sessionStorage once used.
    assert page.evaluate("sessionStorage.getItem('gdesk.oidc')") is None


def test_an_expired_token_leads_through_sso_again(sso_app: str, idp: FakeIdp, page: Any) -> None:
    _reset(idp)
    page.goto(f"{sso_app}/login?signed_out=1")  # an origin to write the token to, no silent attempt
    expired = idp.id_token("n", lifetime=-120)
    page.evaluate(f"localStorage.setItem('gdesk.token', {json.dumps(expired)})")
    page.goto(f"{sso_app}/")  # /me answers 401 → /login?next=%2F
    expect(page).to_have_url(f"{sso_app}/login?next=%2F")
    page.get_by_role("button", name="기관 계정으로 로그인 (SSO)").click()
    expect(page).to_have_url(f"{sso_app}/")
    expect(page.locator("header.bar .who")).to_contain_text("한지민")
    assert page.evaluate("localStorage.getItem('gdesk.token')") != expired


def _sign_in(sso_app: str, page: Any) -> str:
    """An interactive sign-in in this browser (the IdP session cookie is set); the app's token."""
    page.goto(f"{sso_app}/login")
    page.get_by_role("button", name="기관 계정으로 로그인 (SSO)").click()
    expect(page.locator("header.bar .who")).to_contain_text("한지민")
    return str(page.evaluate("localStorage.getItem('gdesk.token')"))


def _expire_token_and_forget_silent_attempts(page: Any, idp: FakeIdp) -> str:
    expired = idp.id_token("n", lifetime=-120)
    page.evaluate(f"localStorage.setItem('gdesk.token', {json.dumps(expired)});"
                  "sessionStorage.removeItem('gdesk.oidc.silent_at')")  # as if a minute had passed
    return expired


def test_with_a_live_idp_session_an_expired_token_is_renewed_without_a_click(
        sso_app: str, idp: FakeIdp, page: Any) -> None:
    _reset(idp)
    _sign_in(sso_app, page)
    expired = _expire_token_and_forget_silent_attempts(page, idp)
    before = idp.exchanged
    page.goto(f"{sso_app}/?tab=mine")  # /me answers 401 → /login → prompt=none → back, signed in
    expect(page).to_have_url(f"{sso_app}/?tab=mine")
    expect(page.locator("header.bar .who")).to_contain_text("한지민")
    assert idp.silent[-1] == "code" and idp.exchanged == before + 1 and not idp.errors
    renewed = page.evaluate("localStorage.getItem('gdesk.token')")
    assert renewed and renewed != expired


def test_after_signing_out_the_login_page_waits_for_a_click(sso_app: str, idp: FakeIdp, page: Any) -> None:
    _reset(idp)
    _sign_in(sso_app, page)
    page.evaluate("sessionStorage.removeItem('gdesk.oidc.silent_at')")
    silent_before = len(idp.silent)
    page.locator("#logout").click()
    expect(page).to_have_url(f"{sso_app}/login?signed_out=1")
    expect(page.get_by_role("button", name="기관 계정으로 로그인 (SSO)")).to_be_visible()
    assert page.evaluate("localStorage.getItem('gdesk.token')") is None
    assert len(idp.silent) == silent_before  # the live IdP session was not used to sign back in


def test_a_token_the_api_refuses_does_not_loop_through_the_idp(sso_app: str, idp: FakeIdp, page: Any) -> None:
    _reset(idp)
    _sign_in(sso_app, page)
    _expire_token_and_forget_silent_attempts(page, idp)
    idp.audience = "another-app"  # every new ID token is for someone else: the API says 401
    before = idp.exchanged
    page.goto(f"{sso_app}/")
    expect(page).to_have_url(f"{sso_app}/login?next=%2F")
    expect(page.get_by_role("button", name="기관 계정으로 로그인 (SSO)")).to_be_visible()
    page.wait_for_timeout(500)  # nothing else happens
    assert idp.silent[-1:] == ["code"] and idp.exchanged == before + 1  # one silent round, then stop


def test_a_wrong_state_is_rejected(sso_app: str, idp: FakeIdp, page: Any) -> None:
    _reset(idp)
    idp.tamper_state = True
    before = idp.exchanged
    page.goto(f"{sso_app}/login")
    page.get_by_role("button", name="기관 계정으로 로그인 (SSO)").click()
    expect(page.locator("#error")).to_contain_text("state 불일치")
    expect(page).to_have_url(f"{sso_app}/login")  # the code was removed from the address bar
    assert idp.exchanged == before  # the code was never exchanged
    assert page.evaluate("localStorage.getItem('gdesk.token')") is None


def test_a_callback_without_a_started_flow_is_rejected(sso_app: str, page: Any) -> None:
    page.goto(f"{sso_app}/login?code=stolen&state=whatever")
    expect(page.locator("#error")).to_contain_text("state 불일치")
    assert page.evaluate("localStorage.getItem('gdesk.token')") is None


def test_a_wrong_nonce_is_rejected(sso_app: str, idp: FakeIdp, page: Any) -> None:
    _reset(idp)
    idp.tamper_nonce = True
    page.goto(f"{sso_app}/login")
    page.get_by_role("button", name="기관 계정으로 로그인 (SSO)").click()
    expect(page.locator("#error")).to_contain_text("nonce가 일치하지 않습니다")
    assert page.evaluate("localStorage.getItem('gdesk.token')") is None


def test_an_idp_error_is_shown_in_korean(sso_app: str, page: Any) -> None:
    page.goto(f"{sso_app}/login?error=access_denied&state=x")
    expect(page.locator("#error")).to_contain_text("로그인을 거부했습니다: access_denied")


def test_an_offsite_next_is_not_followed(sso_app: str, idp: FakeIdp, page: Any) -> None:
    _reset(idp)
    page.goto(f"{sso_app}/login?next=//evil.example/x")
    page.get_by_role("button", name="기관 계정으로 로그인 (SSO)").click()
    expect(page).to_have_url(f"{sso_app}/")
    expect(page.locator("header.bar .who")).to_contain_text("한지민")


# Each is a same-site path only to a naive prefix check: the URL parser strips tab/CR/LF, turns "\\"
# into "/" and resolves dot segments, so all of these end up on another origin.
DISGUISED_NEXT = ["/%09/evil.example/x", "/%0a/evil.example/x", "/%0d/evil.example/x",
                  "/%5Cevil.example/x", "%5C%5Cevil.example/x", "/%5C/evil.example/x", "/.//evil.example/x",
                  "/%2F%2Fevil.example/x", "https://evil.example/x", "/%09%0a/%5Cevil.example"]


@pytest.mark.parametrize("next_value", DISGUISED_NEXT)
def test_an_offsite_next_in_disguise_is_not_followed(sso_app: str, idp: FakeIdp, page: Any,
                                                     next_value: str) -> None:
    _reset(idp)
    page.goto(f"{sso_app}/login?next={next_value}")
    page.get_by_role("button", name="기관 계정으로 로그인 (SSO)").click()
    expect(page).to_have_url(f"{sso_app}/")
    expect(page.locator("header.bar .who")).to_contain_text("한지민")


def test_a_same_site_next_with_query_and_fragment_is_kept(sso_app: str, idp: FakeIdp, page: Any) -> None:
    _reset(idp)
    page.goto(f"{sso_app}/login?next=%2Fverify%3Fa%3D1%23t")
    page.get_by_role("button", name="기관 계정으로 로그인 (SSO)").click()
    expect(page).to_have_url(f"{sso_app}/verify?a=1#t")


def test_the_dev_user_list_stays_when_the_dev_issuer_is_on(
        sso_app: str, page: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from infra.local.cloud import reset_app_caches

    monkeypatch.setenv("GDESK_DEV_ISSUER", "1")
    monkeypatch.setenv("GDESK_HOME", str(tmp_path))
    reset_app_caches()
    try:
        page.goto(f"{sso_app}/login")
        expect(page.locator("#dev-users button[data-user='E1001']")).to_contain_text("김민준")
        expect(page.get_by_role("button", name="기관 계정으로 로그인 (SSO)")).to_be_visible()
        expect(page.locator("#sso")).to_be_hidden()  # the paste-a-token card is for no dev issuer
    finally:
        monkeypatch.undo()
        reset_app_caches()
