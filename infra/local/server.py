"""The local API Gateway: serves the Chalice app over HTTP on 127.0.0.1 by turning each request
into the REST API proxy event API Gateway sends (``resourcePath`` matched against the app's
routes, path parameters, headers, base64 for the template's ``BinaryMediaTypes``) and invoking the
same Lambda handler (``app.app``) that runs in AWS. Requests are handled concurrently (one thread
each, each thread seeing its own ``current_request``: see ``per_thread_requests``; at most
``INVOCATIONS`` inside the handler at once, the others admitted in arrival order) behind a deep
listen backlog; bad framing (a Content-Length that is not one decimal number,
chunked bodies, huge headers) is answered at once in the JSON error shape, never with a dropped
connection or an HTML page, and a client that stops sending times out instead of holding a thread.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from infra.local.runtime import LambdaContext

MAX_BODY = 10 * 1024 * 1024  # API Gateway's payload limit
# Handler invocations at once, like as many warm Lambda containers; later requests wait their turn
# in arrival order. All threads share one interpreter lock: 50 requests interleaved inside the app
# made each one wait for the CPU between every step, and a proof (3 AWS calls) waited three times
# as often as a GET; admitted in order, each request runs nearly alone once it is in.
INVOCATIONS = 6
LISTEN_BACKLOG = 1024  # the stdlib default of 5 resets connections on a burst of double taps
CLIENT_TIMEOUT_S = 30  # a client that stops sending mid-request releases its thread after this
_ERRORS = {  # status → (code, Korean message) for the answers the server gives itself
    400: ("bad_request", "요청 형식이 올바르지 않습니다. (malformed request)"),
    404: ("not_found", "찾을 수 없습니다. (not found)"),
    408: ("request_timeout", "요청을 제시간에 받지 못했습니다. (request timeout)"),
    411: ("length_required", "Content-Length가 필요합니다. (length required)"),
    413: ("payload_too_large", "요청이 너무 큽니다. (payload too large)"),
    414: ("uri_too_long", "요청 주소가 너무 깁니다. (URI too long)"),
    431: ("headers_too_large", "요청 헤더가 너무 큽니다. (request header fields too large)"),
    500: ("internal_error", "서버 내부 오류가 발생했습니다. (internal error)"),
    501: ("not_implemented", "지원하지 않는 요청입니다. (not implemented)"),
    505: ("http_version_not_supported", "지원하지 않는 HTTP 버전입니다. (HTTP version not supported)"),
}
_JSON = "application/json; charset=utf-8"


def error_body(status: int, message: str | None = None) -> bytes:
    code, default = _ERRORS.get(status, ("error", "요청을 처리할 수 없습니다. (request failed)"))
    return json.dumps({"error": {"code": code, "message": message or default}}, ensure_ascii=False).encode()


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_binary(media_type: str, binary_types: tuple[str, ...]) -> bool:
    for declared in binary_types:
        if declared == "*/*" or declared == media_type or (
                declared.endswith("/*") and media_type.startswith(declared[:-1])):
            return True
    return False


def _default_binary_types() -> tuple[str, ...]:
    from infra.local.template import binary_media_types, load

    return binary_media_types(load())


class _PerThread:
    """An attribute of the app with one value per thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        return self if obj is None else getattr(self._local, "value", None)

    def __set__(self, obj: Any, value: Any) -> None:
        self._local.value = value


def per_thread_requests(app: Any) -> Any:
    """Chalice keeps the request it is handling on the app object (``app.current_request``, which
    every blueprint's ``current_request`` reads, and ``app.lambda_context``): right in Lambda, where
    a container handles one request at a time, wrong in this server, where a view could read the
    request another thread had just begun (seen under load as a proof POST with an empty body, and
    it could as well have been another user's token). Here each thread sees its own."""
    cls = type(app)
    if not getattr(cls, "_per_thread_requests", False):
        app.__dict__.pop("current_request", None)
        app.__dict__.pop("lambda_context", None)
        app.__class__ = type(cls.__name__, (cls,), {
            "_per_thread_requests": True, "current_request": _PerThread(), "lambda_context": _PerThread()})
    return app


class FifoSlots:
    """At most ``n`` holders at a time; the others wait and are let in in the order they came."""

    def __init__(self, n: int) -> None:
        self._lock = threading.Lock()
        self._free = max(1, n)
        self._waiting: deque[threading.Lock] = deque()

    def __enter__(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by the holder that hands its slot to us

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._free += 1


class LocalApiGateway:
    """API Gateway's REST proxy in front of the app. By default as reached on a custom domain
    (paths without the stage); ``stage_in_path=True`` as on the default execute-api domain, where
    every URL starts with ``/<stage>`` and ``requestContext.path`` carries it."""

    def __init__(self, app: Any, stage: str = "local", stage_in_path: bool = False,
                 binary_types: tuple[str, ...] | None = None) -> None:
        from chalice.local import RouteMatcher

        self.app = per_thread_requests(app)
        self.stage = stage
        self.stage_in_path = stage_in_path
        self.matcher = RouteMatcher(list(app.routes))
        self.slots = FifoSlots(INVOCATIONS)
        self.binary_types = _default_binary_types() if binary_types is None else binary_types

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
        is_binary = bool(body) and _is_binary(_media_type(content_type), self.binary_types)
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
        with self.slots:
            return self.app(event, context)


class _FramingError(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "gdesk-local"
    timeout = CLIENT_TIMEOUT_S
    gateway: LocalApiGateway

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet by default
        return

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The stdlib's own errors (bad request line, 414, 431, 501, 505) in our JSON shape."""
        self.close_connection = True
        self._send(code, {"Content-Type": _JSON}, error_body(code))

    def _content_length(self) -> int:
        if self.headers.get("Transfer-Encoding"):
            raise _FramingError(411)  # API Gateway needs a length too; browsers always send one
        values = [v.strip() for v in self.headers.get_all("Content-Length") or []]
        if not values:
            return 0
        if len(set(values)) != 1 or not (values[0].isascii() and values[0].isdigit()):
            raise _FramingError(400)
        if int(values[0]) > MAX_BODY:
            raise _FramingError(413)
        return int(values[0])

    def _read_body(self) -> bytes | None:
        """The body, or None after answering a framing error (the connection is then closed)."""
        try:
            length = self._content_length()
            body = self.rfile.read(length) if length else b""
            if len(body) != length:
                raise _FramingError(400)  # the client closed before sending what it announced
        except _FramingError as err:
            self.send_error(err.status)
            return None
        except TimeoutError:
            self.send_error(408)
            return None
        return body

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            return
        headers: dict[str, list[str]] = {}
        for key, value in self.headers.items():
            headers.setdefault(key.lower(), []).append(value)
        try:
            event = self.gateway.event(self.command, self.path, headers, body, self.client_address[0])
            if event is None:
                self._send(404, {"Content-Type": _JSON}, error_body(404))
                return
            result = self.gateway.invoke(event)
            payload = result.get("body") or ""
            data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode("utf-8")
        except Exception:  # noqa: BLE001 - API Gateway answers a failed integration itself; so do we
            logging.getLogger("gdesk.local").exception("the local API gateway failed a request")
            self._send(500, {"Content-Type": _JSON}, error_body(500))
            return
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
        if self.close_connection:
            self.send_header("Connection", "close")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _serve


def _handler_class(gateway: LocalApiGateway) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (_Handler,), {"gateway": gateway})


class _Server(ThreadingHTTPServer):
    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True


class LocalApiServer:
    """``ThreadingHTTPServer`` around the gateway; ``start()`` serves in a background thread."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 8000,
                 stage_in_path: bool = False) -> None:
        stage = "prod" if stage_in_path else "local"
        self.gateway = LocalApiGateway(app, stage=stage, stage_in_path=stage_in_path)
        self.httpd = _Server((host, port), _handler_class(self.gateway))
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
