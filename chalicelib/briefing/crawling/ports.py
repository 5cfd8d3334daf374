"""The crawler's port: what the crawl round needs from its store (``store.ItemStore`` on DynamoDB
and S3; ``tests/fakes/briefing.py::FakeItemStore`` in memory). Pure: no boto3 here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from chalicelib.briefing.model import Item


@dataclass
class SourceState:
    source_id: str
    etag: str | None = None
    last_modified: str | None = None
    last_attempt: float = 0.0  # epoch seconds
    last_success: float = 0.0
    last_error: str | None = None
    failures: int = 0  # rounds in a row that failed
    items_total: int = 0
    empty_rounds: int = 0  # rounds in a row that read the source but found no entry in it


class ItemStorePort(Protocol):
    def known(self, item_ids: Iterable[str]) -> set[str]:
        """The ids among ``item_ids`` that are already stored."""

    def find_duplicate(self, content_hash: str, signature: Sequence[int]) -> str | None:
        """The root item this text duplicates (same hash, or MinHash above the threshold)."""

    def put_item(self, item: Item, signature: Sequence[int], now: float | None = None) -> Item | None:
        """Store a new item once; None when its canonical URL is already stored."""

    def set_vectors(self, vectors: dict[str, str]) -> None:
        """Store items' meaning vectors with them (item id → ``embedding.pack_b64``)."""

    def load_item(self, item_id: str) -> Item | None: ...

    def pending(self, limit: int = 200) -> list[str]:
        """Items stored but not yet handed to the notifier (the outbox)."""

    def handed_off(self, item_ids: Iterable[str]) -> None: ...

    def get_state(self, source_id: str) -> SourceState: ...

    def put_state(self, state: SourceState) -> None: ...
