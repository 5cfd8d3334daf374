"""The crawler's store: items, their texts, duplicate indexes, crawl state (port: ``ports.ItemStorePort``).

BriefingTable (single table, shared with the notifier's store) — the crawler's rows:

| pk                  | sk           | what                                                          |
|---------------------|--------------|---------------------------------------------------------------|
| ITEM#<item_id>      | META         | the item without its text (+ MinHash signature); gsi1 by day  |
| URL#<sha256(url)>   | URL          | claim of a canonical URL: the conditional put that makes an   |
|                     |              | item unique however often it is crawled                       |
| HASH#<content_hash> | HASH         | first item with this exact text                               |
| BAND#<band key>     | ITEM#<id>    | MinHash LSH band → near-duplicate candidates (TTL 30 days)    |
| PENDING             | ITEM#<id>    | stored but not yet handed to the notifier (outbox)            |
| SOURCE#<source_id>  | STATE        | conditional-GET validators, last attempt/success/error        |

gsi1: gsi1pk = ``ITEMS#<YYYY-MM-DD>`` (KST day of publication), gsi1sk = ``<published_at>#<id>``.
BriefingBucket: ``items/<item_id>.txt`` — the extracted text (UTF-8).

An item, its URL claim, its hash claim, its bands and its outbox row are written in ONE
transaction: a crash never leaves a claimed URL without its item, and a retry of the same
item fails the URL condition instead of storing it twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, replace
from typing import Any

from chalicelib import aws
from chalicelib.briefing.crawling import items as ident
from chalicelib.briefing.crawling.ports import SourceState
from chalicelib.briefing.model import Item

__all__ = ["BAND_TTL_S", "PENDING_PK", "ItemStore", "SourceState", "item_key", "text_key"]

BAND_TTL_S = 30 * 24 * 3600
PENDING_PK = "PENDING"


def item_key(item_id: str) -> dict[str, str]:
    return {"pk": f"ITEM#{item_id}", "sk": "META"}


def text_key(item_id: str) -> str:
    return f"items/{item_id}.txt"


class ItemStore:
    def __init__(self, table_name: str, bucket: str, dynamodb: Any = None, s3: Any = None) -> None:
        self.table_name = table_name
        self.bucket = bucket
        self._dynamodb = dynamodb
        self._s3 = s3

    # -- clients (lazy: never at import; wiring may pass its own) -------------------------------------

    @property
    def table(self) -> Any:
        return (self._dynamodb or aws.resource("dynamodb")).Table(self.table_name)

    @property
    def s3(self) -> Any:
        return self._s3 or aws.client("s3")

    # -- items -------------------------------------------------------------------------------------

    def known(self, item_ids: Iterable[str]) -> set[str]:
        """The ids among ``item_ids`` that are already stored."""
        wanted = list(dict.fromkeys(item_ids))
        found: set[str] = set()
        client = self.table.meta.client
        for start in range(0, len(wanted), 100):
            keys = [item_key(i) for i in wanted[start:start + 100]]
            request: dict[str, Any] = {self.table_name: {"Keys": keys, "ProjectionExpression": "pk"}}
            for _attempt in range(8):
                answer = client.batch_get_item(RequestItems=request)
                rows = answer["Responses"].get(self.table_name, [])
                found.update(row["pk"].removeprefix("ITEM#") for row in rows)
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(0.05)
        return found

    def find_duplicate(self, content_hash: str, signature: Sequence[int]) -> str | None:
        """The root item this text duplicates: exactly (same hash) or nearly (MinHash ≥ threshold)."""
        exact = self.table.get_item(Key={"pk": f"HASH#{content_hash}", "sk": "HASH"}).get("Item")
        if exact:
            return str(exact["item_id"])
        candidates: set[str] = set()
        for band in ident.band_keys(signature):
            answer = self.table.query(KeyConditionExpression="pk = :pk",
                                      ExpressionAttributeValues={":pk": f"BAND#{band}"},
                                      ProjectionExpression="item_id", Limit=50)
            candidates.update(str(row["item_id"]) for row in answer.get("Items", []))
        best: tuple[float, str] | None = None
        for row in self._get_many([item_key(c) for c in candidates], "item_id, signature, duplicate_of"):
            blob = row.get("signature")
            if blob is None:
                continue
            score = ident.similarity(signature, ident.unpack_signature(bytes(blob.value)))
            if score >= ident.NEAR_DUPLICATE_JACCARD and (best is None or score > best[0]):
                best = (score, str(row.get("duplicate_of") or row["item_id"]))
        return best[1] if best else None

    def put_item(self, item: Item, signature: Sequence[int], now: float | None = None) -> Item | None:
        """Store a new item (text in S3, the rest in one transaction) and return it as stored
        (``duplicate_of`` may have been set by a concurrent round). None: its canonical URL is
        already stored — nothing was written to the table."""
        now = time.time() if now is None else now
        self.s3.put_object(Bucket=self.bucket, Key=text_key(item.item_id), Body=item.text.encode("utf-8"),
                           ContentType="text/plain; charset=utf-8")
        meta = item.to_dict()
        del meta["text"]
        meta.update(item_key(item.item_id))
        meta.update({"text_key": text_key(item.item_id), "fetched_at": int(now),
                     "signature": ident.pack_signature(signature),
                     "gsi1pk": f"ITEMS#{item.published_at[:10]}",
                     "gsi1sk": f"{item.published_at}#{item.item_id}"})
        meta = {k: v for k, v in meta.items() if v is not None}
        writes: list[dict[str, Any]] = [
            _put({"pk": f"URL#{ident.url_key(item.canonical_url)}", "sk": "URL", "item_id": item.item_id,
                  "url": item.canonical_url}, unique=True),
            _put(meta, unique=True),
        ]
        if item.duplicate_of is None:
            writes.append(_put({"pk": f"HASH#{item.content_hash}", "sk": "HASH", "item_id": item.item_id},
                               unique=True))
            writes += [_put({"pk": f"BAND#{band}", "sk": f"ITEM#{item.item_id}", "item_id": item.item_id,
                             "expires_at": int(now + BAND_TTL_S)}) for band in ident.band_keys(signature)]
            writes.append(_put({"pk": PENDING_PK, "sk": f"ITEM#{item.item_id}", "item_id": item.item_id,
                                "since": int(now)}))
        client = self.table.meta.client
        for attempt in range(3):
            try:
                client.transact_write_items(TransactItems=[{"Put": {"TableName": self.table_name, **w}}
                                                           for w in writes])
                return item
            except client.exceptions.TransactionCanceledException as exc:
                reasons = [r.get("Code") for r in exc.response.get("CancellationReasons", [])]
                if reasons[:2] and "ConditionalCheckFailed" in reasons[:2]:
                    return None  # URL (or item) already stored: the same item, crawled again
                if len(reasons) > 2 and reasons[2] == "ConditionalCheckFailed" and item.duplicate_of is None:
                    # another round stored the same text a moment ago: this one is its duplicate
                    other = self.table.get_item(Key={"pk": f"HASH#{item.content_hash}", "sk": "HASH"})
                    original = str(other.get("Item", {}).get("item_id", "")) or None
                    if original:
                        return self.put_item(replace(item, duplicate_of=original), signature, now)
                if attempt == 2:
                    raise
                time.sleep(0.1 * (attempt + 1))  # TransactionConflict with a concurrent round
        return None

    def load_item(self, item_id: str) -> Item | None:
        row = self.table.get_item(Key=item_key(item_id)).get("Item")
        if row is None:
            return None
        return Item.from_dict({**_plain(row), "text": self.load_text(item_id)})

    def load_text(self, item_id: str) -> str:
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=text_key(item_id))["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return ""
        return str(body.decode("utf-8"))

    def items_of_day(self, day: str, limit: int = 100) -> list[Item]:
        """Items published on one KST day (``YYYY-MM-DD``), newest first, without their texts."""
        answer = self.table.query(IndexName="gsi1", KeyConditionExpression="gsi1pk = :d",
                                  ExpressionAttributeValues={":d": f"ITEMS#{day}"}, ScanIndexForward=False,
                                  Limit=limit)
        return [Item.from_dict({**_plain(row), "text": ""}) for row in answer.get("Items", [])]

    # -- the outbox to the notifier ------------------------------------------------------------------

    def pending(self, limit: int = 200) -> list[str]:
        answer = self.table.query(KeyConditionExpression="pk = :p",
                                  ExpressionAttributeValues={":p": PENDING_PK}, Limit=limit)
        return [str(row["item_id"]) for row in answer.get("Items", [])]

    def handed_off(self, item_ids: Iterable[str]) -> None:
        with self.table.batch_writer() as batch:
            for item_id in item_ids:
                batch.delete_item(Key={"pk": PENDING_PK, "sk": f"ITEM#{item_id}"})

    # -- crawl state ------------------------------------------------------------------------------------

    def get_state(self, source_id: str) -> SourceState:
        row = self.table.get_item(Key={"pk": f"SOURCE#{source_id}", "sk": "STATE"}).get("Item")
        if row is None:
            return SourceState(source_id)
        fields = SourceState.__dataclass_fields__
        return SourceState(**{k: _number(v) for k, v in row.items() if k in fields})

    def put_state(self, state: SourceState) -> None:
        row = {k: v for k, v in asdict(state).items() if v is not None}
        for name in ("last_attempt", "last_success"):
            row[name] = _decimal(row[name])
        self.table.put_item(Item={"pk": f"SOURCE#{state.source_id}", "sk": "STATE", **row})

    # -- helpers ------------------------------------------------------------------------------------

    def _get_many(self, keys: list[dict[str, str]], projection: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        client = self.table.meta.client
        names = {f"#a{i}": name.strip() for i, name in enumerate(projection.split(","))}
        for start in range(0, len(keys), 100):
            request: dict[str, Any] = {self.table_name: {
                "Keys": keys[start:start + 100], "ProjectionExpression": ", ".join(names),
                "ExpressionAttributeNames": names}}
            for _attempt in range(8):
                answer = client.batch_get_item(RequestItems=request)
                rows += answer["Responses"].get(self.table_name, [])
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(0.05)
        return rows


def _put(item: dict[str, Any], unique: bool = False) -> dict[str, Any]:
    spec: dict[str, Any] = {"Item": item}
    if unique:
        spec["ConditionExpression"] = "attribute_not_exists(pk)"
    return spec


def _decimal(value: float) -> Any:
    from decimal import Decimal

    return Decimal(str(round(value, 3)))


def _number(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: _number(v) for k, v in row.items()}
