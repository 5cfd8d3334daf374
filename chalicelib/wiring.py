"""The one place that decides which store and client each use case gets, built once per container.

Each tool has its own section; ``reset()`` forgets everything (tests that switch endpoints or
settings call it).
"""

from __future__ import annotations

import functools
from typing import Any

from chalicelib import aws
from chalicelib.settings import get_settings


# --- briefing meaning ---
@functools.cache
def briefing_embedder() -> Any:
    """The Embedder the settings choose: the packaged model, or Bedrock (client from aws.py)."""
    from chalicelib.briefing import embedding

    settings = get_settings().briefing
    if settings.embedder == "bedrock":
        return embedding.BedrockEmbedder(aws.client("bedrock-runtime"), settings.embedding_model_id,
                                         settings.embedding_dimensions)
    return embedding.PackagedEmbedder()
# --- end briefing meaning ---


def reset() -> None:
    briefing_embedder.cache_clear()
