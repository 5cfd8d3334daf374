"""Items as the crawler stores them (pk=ITEM#<id>, sk=META), for tests that stand in for it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone
from typing import Any

from chalicelib.briefing.model import Item

KST = timezone(timedelta(hours=9))


def make_item(title: str, text: str, agency: str = "국토교통부", **fields: Any) -> Item:
    item_id = fields.pop("item_id", secrets.token_hex(8))
    url = f"https://www.korea.kr/briefing/pressReleaseView.do?newsId={item_id}"
    values: dict[str, Any] = {
        "item_id": item_id, "url": url, "canonical_url": url, "title": title, "text": text,
        "agency": agency, "source_id": "korea-kr-press",
        "published_at": datetime.now(KST).replace(microsecond=0).isoformat(),
        "attachments": (), "content_hash": hashlib.sha256(text.encode()).hexdigest(),
        "duplicate_of": None,
    }
    values.update(fields)
    return Item(**values)


def put_item(store: Any, item: Item) -> None:
    """Write the item's metadata record like the crawler does (text lives in S3 there)."""
    store.table.put_item(Item={
        "pk": f"ITEM#{item.item_id}", "sk": "META", "item_id": item.item_id, "url": item.url,
        "canonical_url": item.canonical_url, "title": item.title, "agency": item.agency,
        "source_id": item.source_id, "published_at": item.published_at,
        "attachments": [{"name": a.name, "url": a.url, "kind": a.kind} for a in item.attachments],
        "content_hash": item.content_hash})
