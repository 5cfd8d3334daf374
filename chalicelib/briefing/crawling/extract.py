"""Main text, title, publication time and attachment links of an article page.

The text comes from trafilatura with ``favor_precision`` (measured against its other options,
newspaper4k, a readability-style extractor, a fallback and an ensemble in bench/extraction.py: see
docs/briefing-crawler.md). Everything runs offline: trafilatura needs no downloaded data and
is imported only when a page is extracted, so the crawler's cold start does not pay for it
until there is a new article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from chalicelib.briefing.dates import parse_any, to_kst_iso
from chalicelib.briefing.model import Attachment

_KIND = re.compile(r"\.(hwpx|hwp|pdf)(?![a-z0-9])", re.IGNORECASE)
_TIME_META = ("article:published_time", "og:article:published_time", "article:published", "pubdate",
              "publishdate", "publish-date", "date", "dc.date", "dcterms.date", "dc.date.issued",
              "datepublished", "regdate")
_BOILERPLATE_TITLE = re.compile(r"\s*[|\-–—:]\s*[^|\-–—:]{1,40}$")


@dataclass(frozen=True)
class Extracted:
    title: str
    text: str
    published_at: str | None  # ISO 8601 KST
    attachments: tuple[Attachment, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "text": self.text, "published_at": self.published_at,
                "attachments": [{"name": a.name, "url": a.url, "kind": a.kind} for a in self.attachments]}


def extract(html: str, url: str | None = None) -> Extracted:
    """Never raises for odd pages: an empty text means "nothing article-like found"."""
    import lxml.html

    try:
        doc = lxml.html.document_fromstring(html) if html.strip() else None
    except Exception:  # noqa: BLE001 - not HTML at all
        doc = None
    text, meta_title, meta_date = _main_text(html, url)
    title = _title(doc) or meta_title
    published = _published(doc) or (to_kst_iso(d) if (d := parse_any(meta_date)) else None)
    attachments = find_attachments(doc, url or "") if doc is not None else ()
    return Extracted(title=title, text=text, published_at=published, attachments=attachments)


def _main_text(html: str, url: str | None) -> tuple[str, str, str | None]:
    import trafilatura

    try:
        # with_metadata=False: title and time come from our own cheaper look at the page (and the
        # feed), which spares htmldate's search — a third of trafilatura's time per page.
        # favor_precision: better on both benchmark sets (bench/extraction.py), above all on Korean
        # government pages, whose survey forms, 공공누리 notices and previous/next rows it drops.
        document = trafilatura.bare_extraction(html, url=url, with_metadata=False, include_comments=False,
                                               include_tables=True, favor_precision=True)
        result = document.as_dict() if document is not None and not isinstance(document, dict) else document
    except Exception:  # noqa: BLE001 - trafilatura gives up on some inputs by raising
        result = None
    if not isinstance(result, dict):
        return "", "", None
    return (str(result.get("text") or "").strip(), str(result.get("title") or "").strip(),
            result.get("date"))


def _title(doc: Any) -> str:
    if doc is None:
        return ""
    for xpath in ('//meta[@property="og:title"]/@content', '//meta[@name="twitter:title"]/@content',
                  "//h1//text()", "//title/text()"):
        values = [" ".join(v.split()) for v in doc.xpath(xpath) if str(v).strip()]
        if values:
            title = values[0] if not xpath.startswith("//h1") else " ".join(values)
            return _BOILERPLATE_TITLE.sub("", title) if xpath == "//title/text()" else title
    return ""


def _published(doc: Any) -> str | None:
    if doc is None:
        return None
    for meta in doc.xpath("//meta[@content]"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if key in _TIME_META:
            moment = parse_any(meta.get("content"))
            if moment:
                return to_kst_iso(moment)
    for node in doc.xpath("//time[@datetime]"):
        moment = parse_any(node.get("datetime"))
        if moment:
            return to_kst_iso(moment)
    return None


def find_attachments(doc: Any, base_url: str) -> tuple[Attachment, ...]:
    """HWP / HWPX / PDF links: by the file name in the URL, the link text or its title (download
    scripts such as ``fileDownload.do?fileSn=1`` only name the file in the text)."""
    found: dict[str, Attachment] = {}
    for link in doc.xpath("//a[@href]"):
        href = link.get("href", "").strip()
        if not href or href.lower().startswith(("javascript:", "mailto:", "#")):
            continue
        absolute = urljoin(base_url, href) if base_url else href
        if urlsplit(absolute).scheme not in ("http", "https"):
            continue
        text = " ".join(link.text_content().split())
        label = " ".join(filter(None, [unquote(urlsplit(absolute).path), text, link.get("title", "")]))
        match = _KIND.search(label)
        if not match or absolute in found:
            continue
        name = text or unquote(urlsplit(absolute).path.rsplit("/", 1)[-1])
        found[absolute] = Attachment(name=name[:200], url=absolute, kind=match.group(1).lower())  # type: ignore[arg-type]
    return tuple(found.values())
