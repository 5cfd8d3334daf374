"""The Embedder adapters and the compact vector format (the packaged model: tests/integration/briefing/
test_packaged_embedder.py, it takes seconds to load)."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from chalicelib.briefing import embedding as e


def test_pack_is_compact_and_keeps_the_cosine() -> None:
    rng = np.random.default_rng(7)
    a, b = e.normalize_rows(rng.normal(size=(2, 512)))
    packed = e.pack(a)
    assert len(packed) == 512 + 4
    back = e.unpack(packed)
    assert back is not None and back.dtype == np.float32
    assert abs(float(back @ b) - float(a @ b)) < 0.01
    assert float(back @ a) / float(np.linalg.norm(back)) > 0.999
    assert e.unpack(b"") is None and e.unpack_b64("") is None and e.unpack_b64("!!!") is None
    assert np.allclose(e.unpack_b64(e.pack_b64(a)), back)


def test_item_text_is_title_and_lead() -> None:
    text = e.item_text("제목", "본문 " * 500)
    assert text.startswith("제목. 본문")
    assert len(text) <= len("제목. ") + e.ITEM_LEAD_CHARS
    assert e.item_text("", "") == "(제목 없음)"


class _Body:
    def __init__(self, payload: bytes) -> None:
        self._stream = io.BytesIO(payload)

    def read(self) -> bytes:
        return self._stream.read()


class _RecordingClient:
    """Answers like bedrock-runtime's invoke_model (botocore returns the body as a stream)."""

    def __init__(self, answer: dict[str, object]) -> None:
        self.answer = answer
        self.calls: list[dict[str, object]] = []

    def invoke_model(self, **kwargs: object) -> dict[str, object]:
        self.calls.append(kwargs)
        return {"body": _Body(json.dumps(self.answer).encode()), "contentType": "application/json"}


def test_bedrock_request_is_titan_v2_shape() -> None:
    client = _RecordingClient({"embedding": [0.0, 3.0, 4.0] + [0.0] * 253, "inputTextTokenCount": 7,
                               "embeddingsByType": {"float": [0.0] * 256}})
    embedder = e.BedrockEmbedder(client, dimensions=256)
    vectors = embedder.encode(["물가 동향"])
    call = client.calls[0]
    assert call["modelId"] == "amazon.titan-embed-text-v2:0"
    assert call["contentType"] == "application/json" and call["accept"] == "application/json"
    assert json.loads(str(call["body"])) == {"inputText": "물가 동향", "dimensions": 256, "normalize": True,
                                             "embeddingTypes": ["float"]}
    assert vectors.shape == (1, 256) and abs(float(vectors[0, 1]) - 0.6) < 1e-6
    assert embedder.tokens_used == 7


def test_bedrock_bad_answers_are_embedding_errors() -> None:
    with pytest.raises(e.EmbeddingError, match="256-dimension"):
        e.BedrockEmbedder(_RecordingClient({"embedding": [1.0, 2.0]}), dimensions=256).encode(["x"])

    class Refusing:
        def invoke_model(self, **kwargs: object) -> dict[str, object]:
            raise RuntimeError("AccessDeniedException")

    with pytest.raises(e.EmbeddingError, match="AccessDenied"):
        e.BedrockEmbedder(Refusing()).encode(["x"])
    with pytest.raises(ValueError):
        e.BedrockEmbedder(Refusing(), dimensions=300)
