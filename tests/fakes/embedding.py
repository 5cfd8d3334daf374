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
