"""The Korean mobile web pages, served by the app as HTML with strict security headers."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from chalice import Response

from chalicelib.errors import NotFound

WEB_DIR = Path(__file__).parent
STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json; charset=utf-8",
}

# Presigned S3 URLs (photos) live on another origin, locally http://127.0.0.1:4566.
_CSP = ("default-src 'self'; img-src 'self' data: blob: https: http:; "
        "connect-src {connect}; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors {ancestors}")


@lru_cache(maxsize=64)
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


_CONNECT_DEFAULT = "'self' https: http:"


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
    return Response(body=_read(WEB_DIR / f"{name}.html"), status_code=200, headers=headers)


def static_file(name: str) -> Response:
    """A file from ``chalicelib/web/static``; names are flat and checked, never a path."""
    path = WEB_DIR / "static" / name
    content_type = STATIC_TYPES.get(path.suffix)
    if "/" in name or name.startswith(".") or content_type is None or not path.is_file():
        raise NotFound("파일을 찾을 수 없습니다. (no such static file)")
    return Response(body=_read(path), status_code=200,
                    headers={"Content-Type": content_type, "X-Content-Type-Options": "nosniff",
                             "Cache-Control": "public, max-age=300"})
