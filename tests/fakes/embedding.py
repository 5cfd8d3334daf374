"""A deterministic in-memory Embedder for unit tests: bag of character bigrams hashed into
``dim`` buckets, L2-normalised. Texts sharing words get high cosine; unrelated texts near 0.
(The real model is exercised in tests/unit/briefing/test_embedding.py and the integration tests.)"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np


class FakeEmbedder:
    model_id = "fake-bigram"

    def __init__(self, dim: int = 512) -> None:
        self.dim = dim
        self.calls: list[list[str]] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            squashed = "".join(text.split())
            for i in range(len(squashed) - 1):
                digest = hashlib.blake2b(squashed[i:i + 2].encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


class TopicEmbedder(FakeEmbedder):
    """FakeEmbedder plus one shared direction per topic: texts naming different words of a topic
    ("미술관 기획전", "공연") come out close, as a sentence model would put them, while sharing no
    word the lexical scorer could match."""

    model_id = "fake-topic"
    TOPICS = (("문화", "예술", "공연", "전시", "축제", "미술관", "기획전", "오케스트라", "연주회"),
              ("물가", "금리", "수출", "경제", "지표"))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = super().encode(texts)
        for row, text in enumerate(texts):
            for dim, words in enumerate(self.TOPICS):
                out[row, dim] += 2.0 * sum(word in text for word in words)
        return out / np.linalg.norm(out, axis=1, keepdims=True).clip(min=1e-9)
