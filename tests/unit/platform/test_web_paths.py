"""Pages under API Gateway's stage path: the prefix comes from requestContext.path, and root links
of a page are rewritten under it (with the prefix in a meta tag for app.js)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from chalicelib import web

DEFAULT_DOMAIN = "abc.execute-api.ap-northeast-2.amazonaws.com"


def _request(path: str, stage: str = "prod", host: str = DEFAULT_DOMAIN, proto: str = "https") -> object:
    headers = {"host": host, "x-forwarded-proto": proto}
    # API Gateway sets apiId (its own, not the client's): its default domain is <apiId>.execute-api…
    return SimpleNamespace(context={"stage": stage, "path": path, "apiId": "abc"}, headers=headers)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from chalicelib.settings import get_settings

    monkeypatch.setenv("AWS_REGION", "ap-northeast-2")
    monkeypatch.setenv("GDESK_ALLOWED_HOSTS", "gdesk.example.go.kr, Other.Example.go.kr:8443")
    get_settings.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()


def test_the_stage_prefix_only_when_the_called_path_carries_it() -> None:
    assert web.stage_prefix(_request("/prod/trips")) == "/prod"
    assert web.stage_prefix(_request("/prod")) == "/prod"
    assert web.stage_prefix(_request("/trips", host="gdesk.example.go.kr")) == ""  # custom domain
    assert web.stage_prefix(_request("/production/x")) == ""
    assert web.stage_prefix(SimpleNamespace(context=None, headers={})) == ""


def test_the_base_url_the_browser_used(settings: None) -> None:
    assert web.request_base_url(_request("/prod/x"), "http://fallback") == \
        "https://abc.execute-api.ap-northeast-2.amazonaws.com/prod"
    assert web.request_base_url(_request("/x", host="gdesk.example.go.kr"), "f") == "https://gdesk.example.go.kr"
    assert web.request_base_url(SimpleNamespace(context={}, headers={}), "http://fallback") == "http://fallback"


def test_pages_put_root_links_under_the_prefix() -> None:
    staged = web._render("home", "/prod")
    assert '<meta name="gdesk-base" content="/prod">' in staged
    assert 'href="/prod/static/app.css"' in staged and 'src="/prod/static/app.js"' in staged
    assert 'href="/static/' not in staged and 'src="/static/' not in staged
    plain = web._render("home", "")
    assert '<meta name="gdesk-base" content="">' in plain and 'href="/static/app.css"' in plain


@pytest.mark.parametrize("host,proto", [
    ("evil.example", "https"),                      # a host nobody configured
    ("evil.example", "javascript"),
    ("gdesk.example.go.kr", "javascript"),          # an allowed host, a scheme that is not http(s)
    ("gdesk.example.go.kr", "https://evil.example/#"),
    ("gdesk.example.go.kr@evil.example", "https"),  # userinfo trick
    ("evil.example/gdesk.example.go.kr", "https"),
    ("gdesk.example.go.kr:99999", "https"),
    ("xyz.execute-api.ap-northeast-2.amazonaws.com", "https"),  # another API's default domain
    ("other.example.go.kr:8444", "https"),          # allowed host, another port
    ("", "https"),
])
def test_links_never_follow_a_host_or_scheme_from_the_request(settings: None, host: str, proto: str) -> None:
    assert web.request_base_url(_request("/x", host=host, proto=proto), "https://configured.example") \
        == "https://configured.example"


def test_allowed_hosts_and_loopback(settings: None) -> None:
    assert web.request_base_url(_request("/x", host="other.example.go.kr:8443"), "f") == \
        "https://other.example.go.kr:8443"
    assert web.request_base_url(_request("/x", host="127.0.0.1:8123", proto="http"), "f") == "http://127.0.0.1:8123"
    assert web.request_base_url(_request("/x", host="localhost:9", proto="http"), "f") == "http://localhost:9"
    # the configured public URL's own host is always allowed
    assert web.request_base_url(_request("/x", host="desk.example.kr"), "https://desk.example.kr") == \
        "https://desk.example.kr"
