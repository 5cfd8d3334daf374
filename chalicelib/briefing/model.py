"""The item the crawler hands to the matcher: one press release or notice, deduplicated."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Item:
    item_id: str
    url: str
    canonical_url: str
    title: str
    text: str
    agency: str
    source_id: str
    published_at: str  # ISO 8601 with the KST offset (+09:00)
    attachments: list[dict[str, Any]]  # {"name", "url", "kind": "hwp" | "hwpx" | "pdf" | ...}
    content_hash: str
    duplicate_of: str | None = None  # the item this one repeats (same release from several agencies)
