"""Real HTTP servers on 127.0.0.1 for the crawler's tests: each route answers like a real site
would — or misbehaves like one (hangs, 500s, 20 MB bodies, redirects to the metadata service)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Route = Callable[[BaseHTTPRequestHandler], None] | tuple[int, dict[str, str], bytes]


@dataclass
class Site:
    server: ThreadingHTTPServer
    routes: dict[str, Route] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    request_headers: list[dict[str, str]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def count(self, path: str) -> int:
        return sum(1 for hit in self.hits if hit == path)


def make_handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet tests
            return

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            site.hits.append(self.path)
            site.request_headers.append({k.lower(): v for k, v in self.headers.items()})
            route = site.routes.get(self.path)
            if route is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if callable(route):
                try:
                    route(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return
            status, headers, body = route
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def serve() -> Site:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    site = Site(server)
    server.RequestHandlerClass = make_handler(site)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return site




def hang(site: Site) -> Route:
    """Accepts the connection, reads the request, never answers (until the test ends)."""
    def route(handler: BaseHTTPRequestHandler) -> None:
        site.release.wait(30)
    return route


def huge(size: int, declare_length: bool = True) -> Route:
    """A body of ``size`` bytes, streamed (with or without Content-Length)."""
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        if declare_length:
            handler.send_header("Content-Length", str(size))
        else:
            handler.send_header("Connection", "close")
        handler.end_headers()
        chunk = b"<p>" + b"x" * 65530 + b"</p>"
        sent = 0
        while sent < size:
            handler.wfile.write(chunk[: min(len(chunk), size - sent)])
            sent += len(chunk)
        handler.close_connection = True
    return route


def drip(site: Site, interval: float) -> Route:
    """Headers at once, then one byte every ``interval`` seconds: never a timeout per read."""
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        for _ in range(1000):
            handler.wfile.write(b"x")
            handler.wfile.flush()
            if site.release.wait(interval):
                return
    return route


def redirect(location: str, status: int = 302) -> Route:
    return (status, {"Location": location}, b"")


def page(body: str | bytes, content_type: str = "text/html; charset=utf-8",
         headers: dict[str, str] | None = None) -> Route:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return (200, {"Content-Type": content_type, **(headers or {})}, data)
