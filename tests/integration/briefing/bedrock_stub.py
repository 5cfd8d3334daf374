"""A stub of the Amazon Bedrock runtime InvokeModel API on 127.0.0.1, in its real wire shape.

``POST /model/{modelId}/invoke`` with a JSON body; answers like the service does: the model's
JSON (Titan Text Embeddings V2: ``embedding``, ``inputTextTokenCount``, ``embeddingsByType``) with
``X-Amzn-Bedrock-Input-Token-Count``; errors as ``x-amzn-ErrorType`` + ``{"message"}``.
The vector is made from the text deterministically (character bigrams hashed into buckets), so
texts that share words are close, as with a real model. Every request is recorded.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

from tests.fakes.embedding import FakeEmbedder

KNOWN_MODELS = ("amazon.titan-embed-text-v2:0",)


def stub_vector(text: str, dimensions: int) -> list[float]:
    """The unit-test fake's vector (character bigrams hashed into buckets), as JSON floats."""
    return [float(v) for v in FakeEmbedder(dimensions).encode([text])[0]]


@dataclass
class BedrockStub:
    server: ThreadingHTTPServer
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve() -> BedrockStub:
    stub: BedrockStub

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _answer(self, status: int, payload: dict[str, Any],
                    headers: dict[str, str] | None = None) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("x-amzn-RequestId", "stub-" + hashlib.md5(body).hexdigest()[:8])  # noqa: S324
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, kind: str, message: str) -> None:
            self._answer(status, {"message": message}, {"x-amzn-ErrorType": f"{kind}:http://internal.amazon.com/"})

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            parts = self.path.split("/")
            record = {"path": self.path, "headers": dict(self.headers), "body": raw}
            stub.requests.append(record)
            if len(parts) != 4 or parts[1] != "model" or parts[3] != "invoke":
                self._error(404, "UnknownOperationException", "unknown operation")
                return
            model_id = unquote(parts[2])
            record["model_id"] = model_id
            if not self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256 "):
                self._error(403, "AccessDeniedException", "missing SigV4 signature")
                return
            if model_id not in KNOWN_MODELS:
                self._error(404, "ResourceNotFoundException", f"model {model_id} not found")
                return
            try:
                request = json.loads(raw)
                text = request["inputText"]
                dimensions = int(request.get("dimensions", 1024))
            except (ValueError, KeyError, TypeError):
                self._error(400, "ValidationException", "Malformed input request")
                return
            if not isinstance(text, str) or not text or dimensions not in (256, 512, 1024):
                self._error(400, "ValidationException", "Malformed input request: inputText, dimensions")
                return
            vector = stub_vector(text, dimensions)
            tokens = max(1, len(text) // 2)
            self._answer(200, {"embedding": vector, "inputTextTokenCount": tokens,
                               "embeddingsByType": {"float": vector}},
                         {"X-Amzn-Bedrock-Input-Token-Count": str(tokens)})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub = BedrockStub(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return stub
