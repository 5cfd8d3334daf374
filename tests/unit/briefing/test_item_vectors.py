"""Item vectors are made once, when the crawler hands items to the matcher, and stored with them."""

from __future__ import annotations

from typing import Any

from chalicelib.briefing.crawling import items as ident
from chalicelib.briefing.crawling.crawler import Crawler
from chalicelib.briefing.embedding import EmbeddingError, unpack_b64
from chalicelib.briefing.model import Item
from infra.commands.memory_items import MemoryItemStore
from tests.fakes.embedding import FakeEmbedder


def item(n: int, **fields: Any) -> Item:
    return Item(item_id=f"i{n}", url=f"https://example.go.kr/{n}", canonical_url=f"https://example.go.kr/{n}",
                title=f"도로 제설 대책 {n}", text="폭설에 대비해 제설 장비를 확충한다.", agency="국토교통부",
                source_id="s", published_at="2026-12-02T09:00:00+09:00", content_hash=f"h{n}", **fields)


class Quiet:
    def error(self, message: str, extra: dict[str, Any] | None = None) -> None:
        self.last = (message, extra)


def crawler(embedder: Any, handed: list[list[Item]]) -> tuple[Crawler, MemoryItemStore]:
    store = MemoryItemStore()
    return Crawler(None, store, None, on_new_items=handed.append, embedder=embedder,  # type: ignore[arg-type]
                   logger=Quiet()), store


def test_hand_off_embeds_new_items_once_and_stores_the_vectors() -> None:
    handed: list[list[Item]] = []
    embedder = FakeEmbedder()
    current, store = crawler(embedder, handed)
    for n in range(2):
        store.put_item(item(n), [n + 1] * ident.NUM_HASHES)
    assert current.hand_off([store.items["i0"], store.items["i1"]]) == 2
    assert embedder.calls == [["도로 제설 대책 0. 폭설에 대비해 제설 장비를 확충한다.",
                               "도로 제설 대책 1. 폭설에 대비해 제설 장비를 확충한다."]]
    assert all(unpack_b64(i.vector) is not None for i in handed[0])
    assert store.items["i0"].vector == handed[0][0].vector  # stored with the item
    store.pending_ids.append("i0")  # handed again (say the notifier failed): not embedded again
    current.hand_off([])
    assert len(embedder.calls) == 1 and handed[1][0].vector == store.items["i0"].vector


def test_a_failing_embedder_does_not_stop_the_hand_off() -> None:
    class Down:
        model_id, dim = "down", 4

        def encode(self, texts: Any) -> Any:
            raise EmbeddingError("throttled")

    handed: list[list[Item]] = []
    current, store = crawler(Down(), handed)
    store.put_item(item(0), [1] * ident.NUM_HASHES)
    assert current.hand_off([store.items["i0"]]) == 1
    assert handed[0][0].vector == "" and "throttled" in str(current.log.last)
