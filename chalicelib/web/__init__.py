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


def request_base_url(request: Any, fallback: str) -> str:
    """scheme://host[/stage] the browser used to reach the app; ``fallback`` without a Host."""
    headers = getattr(request, "headers", None) or {}
    host = headers.get("host")
    if not host:
        return fallback
    scheme = headers.get("x-forwarded-proto", "http").split(",")[0].strip()
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


def static_file(name: str, cache_control: str = "public, max-age=300") -> Response:
    """A file from ``chalicelib/web/static``; names are flat and checked, never a path."""
    path = WEB_DIR / "static" / name
    content_type = STATIC_TYPES.get(path.suffix)
    if "/" in name or name.startswith(".") or content_type is None or not path.is_file():
        raise NotFound("파일을 찾을 수 없습니다. (no such static file)")
    body: str | bytes = _read_bytes(path) if path.suffix in BINARY_SUFFIXES else _read(path)
    return Response(body=body, status_code=200,
                    headers={"Content-Type": content_type, "X-Content-Type-Options": "nosniff",
                             "Cache-Control": cache_control})
