"""The Korean mobile web pages, served by the app as HTML with strict security headers."""

from __future__ import annotations

import contextvars
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from chalice import Response

from chalicelib.errors import NotFound

WEB_DIR = Path(__file__).parent
STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json; charset=utf-8",
    ".webmanifest": "application/manifest+json; charset=utf-8",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
BINARY_SUFFIXES = (".png", ".ico")
# What a browser may ask for with GET may also be asked with HEAD (link checkers, "add to home").
PAGE_METHODS = ["GET", "HEAD"]

# Presigned S3 URLs (photos) live on another origin, locally http://127.0.0.1:4566.
_CSP = ("default-src 'self'; img-src 'self' data: blob: https: http:; "
        "connect-src {connect}; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors {ancestors}")


@lru_cache(maxsize=64)
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=32)
def _read_bytes(path: Path) -> bytes:
    return path.read_bytes()


_CONNECT_DEFAULT = "'self' https: http:"


# The path prefix of the current request: "/<stage>" on API Gateway's default execute-api domain
# (its URLs carry the stage), "" on a custom domain or locally. Set per request by app.py, so
# that pages, their links and app.js (through <meta name="gdesk-base">) work on either.
_prefix: contextvars.ContextVar[str] = contextvars.ContextVar("gdesk_path_prefix", default="")
_ROOT_ATTRIBUTE = re.compile(r'(\s(?:href|src|action)=")/(?!/)')


def stage_prefix(request: Any) -> str:
    """API Gateway puts the stage in ``requestContext.path`` exactly when the client called the
    default execute-api domain (``/prod/trips``); on a custom domain the path has no stage."""
    context = getattr(request, "context", None)
    if not isinstance(context, dict) or not context.get("stage"):
        return ""
    prefix = f"/{context['stage']}"
    called = str(context.get("path") or "")
    return prefix if called == prefix or called.startswith(prefix + "/") else ""


def bind_request(request: Any) -> None:
    """Remember the current request's path prefix for the pages rendered while handling it."""
    _prefix.set(stage_prefix(request))


_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^(?P<name>\[::1\]|{_LABEL}(?:\.{_LABEL})*)(?::(?P<port>\d{{1,5}}))?$")
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]"})


def _allowed_hosts(request: Any, fallback: str) -> set[str]:
    """Hosts a link may point at: the configured public URL's, ``GDESK_ALLOWED_HOSTS``, and this
    API's own default execute-api domain (``apiId`` is set by API Gateway, not by the client)."""
    from urllib.parse import urlsplit

    from chalicelib.settings import get_settings

    settings = get_settings()
    allowed = {h.lower() for h in settings.allowed_hosts}
    allowed.add(urlsplit(fallback).netloc.lower())
    context = getattr(request, "context", None)
    api_id = context.get("apiId") if isinstance(context, dict) else None
    host = str((getattr(request, "headers", None) or {}).get("host") or "").lower()
    default_domain = re.fullmatch(rf"([a-z0-9]+)\.execute-api\.{re.escape(settings.region)}\.amazonaws\.com",
                                  host)
    # API Gateway routes by Host, so an execute-api domain that reached us is ours; when API Gateway
    # says which API it is (apiId), it must be that one.
    if default_domain and (not isinstance(api_id, str) or api_id.lower() == default_domain.group(1)):
        allowed.add(host)
    return allowed


def request_base_url(request: Any, fallback: str) -> str:
    """scheme://host[/stage] the browser used to reach the app, for links in QR codes and pairing
    codes; ``fallback`` (the configured public URL) unless the Host is one we answer to
    (``_allowed_hosts``, or loopback) and the forwarded scheme is http or https. Request headers
    alone never decide where a generated link points."""
    headers = getattr(request, "headers", None) or {}
    host = str(headers.get("host") or "").strip().lower()
    match = _HOST.match(host)
    if not match or int(match.group("port") or 0) > 65535:
        return fallback
    loopback = match.group("name") in _LOOPBACK
    if not loopback and host not in _allowed_hosts(request, fallback):
        return fallback
    scheme = str(headers.get("x-forwarded-proto") or ("http" if loopback else "https"))
    scheme = scheme.split(",")[0].strip().lower()
    if scheme not in ("http", "https"):
        return fallback
    return f"{scheme}://{host}{stage_prefix(request)}"


# What every page's <head> carries, written once: the path prefix for app.js, the browser's theme
# colour and the icons (the installable pages add their own web app manifest).
_COMMON_HEAD = ('<meta name="gdesk-base" content="{prefix}">\n<meta name="theme-color" content="#0b5cad">\n'
                '<link rel="icon" href="{prefix}/favicon.ico" sizes="16x16 32x32 48x48">\n'
                '<link rel="apple-touch-icon" href="{prefix}/static/apple-touch-icon.png">')


@lru_cache(maxsize=128)
def _render(name: str, prefix: str) -> str:
    """The page with root-relative links under ``prefix`` and the common head (see above)."""
    html = _ROOT_ATTRIBUTE.sub(lambda m: m.group(1) + prefix + "/", _read(WEB_DIR / f"{name}.html"))
    return html.replace("<head>", "<head>\n" + _COMMON_HEAD.format(prefix=prefix), 1)


def page(name: str, frame_ancestors: str = "'none'", connect_src: str = _CONNECT_DEFAULT) -> Response:
    """An HTML page from ``chalicelib/web/<name>.html``; ``connect_src`` narrows where its
    scripts may fetch from (the login page: only the app and the OIDC issuer)."""
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": _CSP.format(ancestors=frame_ancestors, connect=connect_src),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }
    if frame_ancestors == "'none'":
        headers["X-Frame-Options"] = "DENY"
    return Response(body=_render(name, _prefix.get()), status_code=200, headers=headers)


@lru_cache(maxsize=1)
def _static_names() -> frozenset[str]:
    """The servable files, listed once: a request's name is looked up here and never reaches the
    file system (a 5,000-character name is simply not in the set)."""
    return frozenset(p.name for p in (WEB_DIR / "static").iterdir()
                     if p.is_file() and p.suffix in STATIC_TYPES and not p.name.startswith("."))


def static_file(name: str, cache_control: str = "public, max-age=300") -> Response:
    """A file from ``chalicelib/web/static``; only names in that folder's listing, never a path."""
    if name not in _static_names():
        raise NotFound("파일을 찾을 수 없습니다. (no such static file)")
    path = WEB_DIR / "static" / name
    content_type = STATIC_TYPES[path.suffix]
    body: str | bytes = _read_bytes(path) if path.suffix in BINARY_SUFFIXES else _read(path)
    return Response(body=body, status_code=200,
                    headers={"Content-Type": content_type, "X-Content-Type-Options": "nosniff",
                             "Cache-Control": cache_control})
