from __future__ import annotations

import dataclasses

import pytest

from chalicelib.briefing.model import Attachment, Item


def _item() -> Item:
    return Item(item_id="a" * 32, url="https://www.korea.kr/x?id=1", canonical_url="https://www.korea.kr/x?id=1",
                title="제목", text="본문", agency="행정안전부", source_id="korea-kr",
                published_at="2024-05-01T09:00:00+09:00",
                attachments=(Attachment("붙임.hwp", "https://www.korea.kr/a.hwp", "hwp"),),
                content_hash="b" * 64)


def test_round_trip_through_dict() -> None:
    item = _item()
    data = item.to_dict()
    assert data["attachments"] == [{"name": "붙임.hwp", "url": "https://www.korea.kr/a.hwp", "kind": "hwp"}]
    assert data["duplicate_of"] is None
    assert Item.from_dict(data) == item


def test_frozen_and_hashable() -> None:
    item = _item()
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.title = "x"  # type: ignore[misc]
    assert len({item, _item()}) == 1


def test_attachment_kind_checked() -> None:
    with pytest.raises(ValueError):
        Attachment.from_dict({"name": "a.exe", "url": "https://x/a.exe", "kind": "exe"})
