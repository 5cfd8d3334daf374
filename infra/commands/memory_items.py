"""The crawler's store in memory: ``gdesk crawl --dry-run`` (try sources without a cloud) and the
fake of ``chalicelib.briefing.crawling.ports.ItemStorePort`` that tests use
(``tests/fakes/briefing.py::FakeItemStore``). Not thread-safe; one process only. Not part of the
Lambda code: production stores are in ``chalicelib``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chalicelib.briefing.crawling import items as ident
from chalicelib.briefing.crawling.ports import SourceState
from chalicelib.briefing.model import Item


class MemoryItemStore:
    """The same interface as ``ItemStore``, in dictionaries."""

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.signatures: dict[str, tuple[int, ...]] = {}
        self.urls: dict[str, str] = {}
        self.hashes: dict[str, str] = {}
        self.bands: dict[str, set[str]] = {}
        self.pending_ids: list[str] = []
        self.states: dict[str, SourceState] = {}

    def known(self, item_ids: Iterable[str]) -> set[str]:
        return {i for i in item_ids if i in self.items}

    def find_duplicate(self, content_hash: str, signature: Sequence[int]) -> str | None:
        if content_hash in self.hashes:
            return self.hashes[content_hash]
        candidates = set().union(*(self.bands.get(b, set()) for b in ident.band_keys(signature)))
        scored = [(ident.similarity(signature, self.signatures[c]), c) for c in candidates]
        best = max((s for s in scored if s[0] >= ident.NEAR_DUPLICATE_JACCARD), default=None)
        if best is None:
            return None
        return self.items[best[1]].duplicate_of or best[1]

    def put_item(self, item: Item, signature: Sequence[int], now: float | None = None) -> Item | None:
        if item.canonical_url in self.urls:
            return None
        self.urls[item.canonical_url] = item.item_id
        self.items[item.item_id] = item
        self.signatures[item.item_id] = tuple(signature)
        if item.duplicate_of is None:
            self.hashes.setdefault(item.content_hash, item.item_id)
            for band in ident.band_keys(signature):
                self.bands.setdefault(band, set()).add(item.item_id)
            self.pending_ids.append(item.item_id)
        return item

    def load_item(self, item_id: str) -> Item | None:
        return self.items.get(item_id)

    def pending(self, limit: int = 200) -> list[str]:
        return self.pending_ids[:limit]

    def handed_off(self, item_ids: Iterable[str]) -> None:
        done = set(item_ids)
        self.pending_ids = [i for i in self.pending_ids if i not in done]

    def get_state(self, source_id: str) -> SourceState:
        return self.states.get(source_id) or SourceState(source_id)

    def put_state(self, state: SourceState) -> None:
        self.states[state.source_id] = state
