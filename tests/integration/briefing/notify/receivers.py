"""Real HTTP receivers on 127.0.0.1 for the notifier's tests and the local demo."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: Any  # case-insensitive (http.client.HTTPMessage)
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every POST; answers ``fail_next`` requests with 500 first, then 200 (or the
    JSON in ``answer``)."""

    fail_next: int = 0
    status_when_failing: int = 500
    answers: dict[str, Any] = field(default_factory=dict)  # path → JSON answer
    requests: list[Received] = field(default_factory=list)  # everything, failed ones too
    delivered: list[Received] = field(default_factory=list)  # answered 2xx
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                record = Received(self.path, self.headers, self.rfile.read(length))
                with receiver.lock:
                    receiver.requests.append(record)
                    failing = receiver.fail_next > 0
                    if failing:
                        receiver.fail_next -= 1
                    else:
                        receiver.delivered.append(record)
                status = receiver.status_when_failing if failing else 200
                body = json.dumps(receiver.answers.get(self.path.split("?")[0], {"ok": True})).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
