"""The Bedrock adapter over real HTTP: boto3's bedrock-runtime client (from chalicelib.aws, the
endpoint from AWS_ENDPOINT_URL_BEDROCK_RUNTIME) against a stub speaking the InvokeModel wire shape."""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest

from chalicelib import aws, wiring
from chalicelib.briefing import embedding, relevance
from chalicelib.settings import get_settings
from tests.integration.briefing import bedrock_stub

pytestmark = pytest.mark.integration


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[bedrock_stub.BedrockStub]:
    server = bedrock_stub.serve()
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("GDESK_BRIEFING_EMBEDDER", "bedrock")
    monkeypatch.setenv("GDESK_BRIEFING_EMBEDDING_DIMENSIONS", "256")

    def reset() -> None:
        get_settings.cache_clear()
        aws.reset()
        wiring.reset()

    reset()
    try:
        yield server
    finally:
        server.close()
        monkeypatch.undo()
        reset()


def test_settings_choose_bedrock_and_requests_have_the_documented_shape(
        stub: bedrock_stub.BedrockStub) -> None:
    embedder = wiring.briefing_embedder()
    assert isinstance(embedder, embedding.BedrockEmbedder)
    vectors = embedder.encode(["지역 경제 동향, 물가, 금리", "기준금리 동결과 물가"])
    assert vectors.shape == (2, 256)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    first = stub.requests[0]
    assert first["path"] == "/model/amazon.titan-embed-text-v2%3A0/invoke"
    assert first["model_id"] == "amazon.titan-embed-text-v2:0"
    assert first["headers"]["Content-Type"] == "application/json"
    assert first["headers"]["Accept"] == "application/json"
    assert first["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256 ")
    assert "/bedrock/aws4_request" in first["headers"]["Authorization"]
    assert json.loads(first["body"]) == {"inputText": "지역 경제 동향, 물가, 금리", "dimensions": 256,
                                         "normalize": True, "embeddingTypes": ["float"]}
    assert embedder.tokens_used > 0


def test_bedrock_vectors_drive_the_same_meaning_code(stub: bedrock_stub.BedrockStub) -> None:
    embedder = wiring.briefing_embedder()
    profile = relevance.build_meaning_profile(embedder, "경제정책과", "물가, 금리 동향")
    assert profile is not None and profile.model_id == "amazon.titan-embed-text-v2:0"
    items = embedder.encode([embedding.item_text("금리 동향 점검", "물가와 금리 동향을 점검했다"),
                             embedding.item_text("프로야구 개막", "야구장 관중이 몰렸다")])
    close, far = (relevance.meaning_of(profile, v) for v in items)
    assert close.similarity > far.similarity
    assert close.facet == "금리 동향"


def test_service_errors_become_embedding_errors(stub: bedrock_stub.BedrockStub,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GDESK_BRIEFING_EMBEDDING_MODEL", "amazon.titan-embed-text-v9:0")
    get_settings.cache_clear()
    wiring.reset()
    with pytest.raises(embedding.EmbeddingError, match="ResourceNotFound"):
        wiring.briefing_embedder().encode(["물가"])
