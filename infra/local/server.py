"""The local API Gateway: serves the Chalice app over HTTP on 127.0.0.1 by turning each request
into the REST API proxy event API Gateway sends (``resourcePath`` matched against the app's
routes, path parameters, headers, base64 for binary bodies) and invoking the same Lambda handler
(``app.app``) that runs in AWS. Requests are handled concurrently (one thread each).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from infra.local.runtime import LambdaContext

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
BINARY_PREFIXES = ("image/", "application/octet-stream", "multipart/form-data")
_NOT_FOUND = json.dumps({"error": {"code": "not_found", "message": "찾을 수 없습니다. (not found)"}},
                        ensure_ascii=False).encode()


class LocalApiGateway:
    """API Gateway's REST proxy in front of the app. By default as reached on a custom domain
    (paths without the stage); ``stage_in_path=True`` as on the default execute-api domain, where
    every URL starts with ``/<stage>`` and ``requestContext.path`` carries it."""

    def __init__(self, app: Any, stage: str = "local", stage_in_path: bool = False) -> None:
        from chalice.local import RouteMatcher

        self.app = app
        self.stage = stage
        self.stage_in_path = stage_in_path
        self.matcher = RouteMatcher(list(app.routes))

    def event(self, method: str, raw_path: str, headers: dict[str, list[str]], body: bytes,
              client_ip: str) -> dict[str, Any] | None:
        """The API Gateway REST proxy event for a request, or None when no route matches."""
        parts = urlsplit(raw_path)
        called = parts.path or "/"
        if self.stage_in_path:
            prefix = f"/{self.stage}"
            if called != prefix and not called.startswith(prefix + "/"):
                return None
            parts = parts._replace(path=called[len(prefix):] or "/")
        try:
            match = self.matcher.match_route(parts.path or "/")
        except ValueError:
            return None
        query = parse_qs(parts.query, keep_blank_values=True)
        single_headers = {k: v[-1] for k, v in headers.items()}
        content_type = single_headers.get("content-type", "")
        is_binary = bool(body) and content_type.startswith(BINARY_PREFIXES)
        path = parts.path if parts.path == "/" else parts.path.rstrip("/")
        return {
            "resource": match.route,
            "path": path,
            "httpMethod": method,
            "headers": single_headers or None,
            "multiValueHeaders": headers or None,
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": match.captured or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": match.route, "httpMethod": method, "path": called,
                "stage": self.stage, "requestId": str(uuid.uuid4()), "accountId": "123456789012",
                "apiId": "local", "protocol": "HTTP/1.1", "domainName": single_headers.get("host", ""),
                "requestTimeEpoch": int(time.time() * 1000),
                "identity": {"sourceIp": client_ip, "userAgent": single_headers.get("user-agent", "")},
            },
            "body": (base64.b64encode(body).decode() if is_binary else body.decode("utf-8", "replace"))
            if body else None,
            "isBase64Encoded": is_binary,
        }

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        context = LambdaContext("gdesk-local-ApiFunction", 512, 15, "")
        return self.app(event, context)


def _handler_class(gateway: LocalApiGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "gdesk-local"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by default
            return

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(413, {"Content-Type": "application/json"}, json.dumps(
                    {"error": {"code": "payload_too_large", "message": "요청이 너무 큽니다."}}).encode())
                return
            body = self.rfile.read(length) if length else b""
            headers: dict[str, list[str]] = {}
            for key, value in self.headers.items():
                headers.setdefault(key.lower(), []).append(value)
            event = gateway.event(self.command, self.path, headers, body, self.client_address[0])
            if event is None:
                self._send(404, {"Content-Type": "application/json; charset=utf-8"}, _NOT_FOUND)
                return
            result = gateway.invoke(event)
            payload = result.get("body") or ""
            data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode("utf-8")
            out_headers: dict[str, Any] = dict(result.get("headers") or {})
            for key, values in (result.get("multiValueHeaders") or {}).items():
                out_headers[key] = values
            self._send(int(result.get("statusCode", 200)), out_headers, data)

        def _send(self, status: int, headers: dict[str, Any], data: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                if key.lower() in ("content-length", "connection"):
                    continue
                for item in value if isinstance(value, list) else [value]:
                    self.send_header(key, str(item))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _serve

    return Handler


class LocalApiServer:
    """``ThreadingHTTPServer`` around the gateway; ``start()`` serves in a background thread."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 8000,
                 stage_in_path: bool = False) -> None:
        stage = "prod" if stage_in_path else "local"
        self.gateway = LocalApiGateway(app, stage=stage, stage_in_path=stage_in_path)
        self.httpd = ThreadingHTTPServer((host, port), _handler_class(self.gateway))
        self.httpd.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}"

    def start(self) -> LocalApiServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="api-server", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
