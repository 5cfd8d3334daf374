"""Routes that make the pages installable: the favicon browsers ask for at /favicon.ico, and the
service worker at /sw.js (its place decides its scope: the whole app). The manifests and icons
are ordinary static files (/static/<tool>.webmanifest)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import web

bp = Blueprint(__name__)


@bp.route("/favicon.ico", methods=web.PAGE_METHODS)
def favicon():  # type: ignore[no-untyped-def]
    return web.static_file("favicon.ico", cache_control="public, max-age=86400")


@bp.route("/sw.js", methods=web.PAGE_METHODS)
def service_worker():  # type: ignore[no-untyped-def]
    # no-cache: the browser checks for a new worker on every visit (it still updates at most daily)
    return web.static_file("sw.js", cache_control="no-cache")
