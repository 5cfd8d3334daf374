"""Pages under API Gateway's stage path: the prefix comes from requestContext.path, and root links
of a page are rewritten under it (with the prefix in a meta tag for app.js)."""

from __future__ import annotations

from types import SimpleNamespace

from chalicelib import web

DEFAULT_DOMAIN = "abc.execute-api.ap-northeast-2.amazonaws.com"


def _request(path: str, stage: str = "prod", host: str = DEFAULT_DOMAIN) -> object:
    headers = {"host": host, "x-forwarded-proto": "https"}
    return SimpleNamespace(context={"stage": stage, "path": path}, headers=headers)


def test_the_stage_prefix_only_when_the_called_path_carries_it() -> None:
    assert web.stage_prefix(_request("/prod/trips")) == "/prod"
    assert web.stage_prefix(_request("/prod")) == "/prod"
    assert web.stage_prefix(_request("/trips", host="gdesk.example.go.kr")) == ""  # custom domain
    assert web.stage_prefix(_request("/production/x")) == ""
    assert web.stage_prefix(SimpleNamespace(context=None, headers={})) == ""


def test_the_base_url_the_browser_used() -> None:
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
