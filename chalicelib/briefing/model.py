"""The crawled item: the one value the crawler hands the notifier
(``notifying.new_item_matching.on_new_items``).

Plain, frozen and JSON-friendly so that both halves of the tool (crawler, notifier) and the
store can pass it around without knowing each other. ``to_dict``/``from_dict`` are the only
(de)serialisation: the store writes ``to_dict()`` minus ``text`` to DynamoDB and ``text`` to S3.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

AttachmentKind = Literal["hwp", "hwpx", "pdf"]
ATTACHMENT_KINDS: tuple[str, ...] = ("hwp", "hwpx", "pdf")


@dataclass(frozen=True)
class Attachment:
    """A file linked from a press release (한글 HWP/HWPX or PDF).

    After the crawler has tried to read it: ``status`` is ``read`` (``excerpt``: its first lines;
    its full text is in the item's text), ``unreadable`` (``reason``, in Korean: password, corrupt,
    too large, not downloadable …) or ``skipped`` (beyond the files read per item); ``""`` when
    nobody tried (items stored before attachments were read)."""

    name: str
    url: str
    kind: AttachmentKind
    status: str = ""
    reason: str = ""
    excerpt: str = ""

    def to_dict(self) -> dict[str, str]:
        """Name, URL and kind; status, reason and excerpt only once the crawler has set them."""
        return {k: v for k, v in asdict(self).items() if v or k in ("name", "url", "kind")}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Attachment:
        kind = str(data["kind"])
        if kind not in ATTACHMENT_KINDS:
            raise ValueError(f"attachment kind must be one of {ATTACHMENT_KINDS}, got {kind!r}")
        return cls(name=str(data["name"]), url=str(data["url"]), kind=kind,  # type: ignore[arg-type]
                   status=str(data.get("status") or ""), reason=str(data.get("reason") or ""),
                   excerpt=str(data.get("excerpt") or ""))


@dataclass(frozen=True)
class Item:
    """One press release or notice, deduplicated and with its main text.

    - ``item_id``: stable hash of ``canonical_url`` (``items.item_id_for``), 32 hex chars.
    - ``published_at``: ISO 8601 in KST (``+09:00``); the fetch time when the source gives none.
    - ``content_hash``: SHA-256 of the normalised text (title + body): the exact-duplicate key.
    - ``duplicate_of``: the ``item_id`` of an earlier item with (nearly) the same text — the same
      release issued by several agencies — or None. Duplicates are stored but not notified.
    - ``vector``: the meaning vector of title + lead (``embedding.pack_b64``), embedded once when
      the crawler hands the item to the matcher; "" until then.
    """

    item_id: str
    url: str
    canonical_url: str
    title: str
    text: str
    agency: str
    source_id: str
    published_at: str
    attachments: tuple[Attachment, ...] = field(default_factory=tuple)
    content_hash: str = ""
    duplicate_of: str | None = None
    vector: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["attachments"] = [a.to_dict() for a in self.attachments]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Item:
        return cls(
            item_id=str(data["item_id"]),
            url=str(data["url"]),
            canonical_url=str(data["canonical_url"]),
            title=str(data.get("title", "")),
            text=str(data.get("text", "")),
            agency=str(data.get("agency", "")),
            source_id=str(data.get("source_id", "")),
            published_at=str(data.get("published_at", "")),
            attachments=tuple(Attachment.from_dict(a) for a in data.get("attachments") or ()),
            content_hash=str(data.get("content_hash", "")),
            duplicate_of=data.get("duplicate_of") or None,
            vector=str(data.get("vector") or ""),
        )
