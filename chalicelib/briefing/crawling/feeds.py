"""Turning a fetched feed or list page into entries (link, title, time, summary).

``rss``: RSS 2.0 / Atom through feedparser, given bytes that are already decoded and re-encoded
as UTF-8 (so an EUC-KR feed without a declaration still parses, and feedparser never sees a
string it could mistake for a URL to fetch). ``html_list``: lxml + CSS selectors per source.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

from chalicelib.briefing.crawling.sources import ListSelectors, Source
from chalicelib.briefing.dates import parse_any, to_kst_iso

_XML_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""", re.IGNORECASE)


class FeedError(Exception):
    """The document is not a usable feed / list page (the message says why)."""


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str
    published_at: str | None = None  # ISO 8601 KST
    summary: str = ""  # plain text
    author: str = ""


def parse(source: Source, text: str, base_url: str) -> list[FeedEntry]:
    if source.kind == "rss":
        return parse_rss(text, base_url)
    assert source.selectors is not None
    return parse_html_list(text, base_url, source.selectors)


def parse_rss(text: str, base_url: str) -> list[FeedEntry]:
    import feedparser

    data = _XML_ENCODING.sub(r"\1", text.lstrip("\ufeff"), count=1).encode("utf-8")
    parsed = feedparser.parse(data, response_headers={"content-type": "application/xml; charset=utf-8"},
                              resolve_relative_uris=False, sanitize_html=False)
    out = []
    for entry in parsed.get("entries") or []:
        link = entry.get("link") or _first_link(entry)
        title = _plain(entry.get("title", ""))
        if not link or not title:
            continue
        out.append(FeedEntry(
            url=urljoin(base_url, link.strip()), title=title,
            published_at=_entry_time(entry), summary=_plain(_summary(entry)),
            author=_plain(entry.get("author", "") or "")))
    if not out and parsed.get("bozo"):
        # feedparser's loose parser salvages what it can; with nothing usable the feed is broken
        raise FeedError(f"malformed feed: {_short(parsed.get('bozo_exception'))}")
    if not out and not parsed.get("version"):
        raise FeedError("not an RSS/Atom feed")
    return out


def parse_html_list(text: str, base_url: str, selectors: ListSelectors) -> list[FeedEntry]:
    import lxml.html

    if not text.strip():
        raise FeedError("empty list page")
    try:
        doc = lxml.html.document_fromstring(text)
    except Exception as exc:  # noqa: BLE001 - lxml raises several types for garbage
        raise FeedError(f"not an HTML page: {_short(exc)}") from exc
    rows = doc.cssselect(selectors.item)
    if not rows:
        raise FeedError(f"the item selector {selectors.item!r} matches nothing (has the page changed?)")
    out = []
    for row in rows:
        links = row.cssselect(selectors.link) or ([row] if row.tag == "a" else [])
        href = links[0].get("href", "").strip() if links else ""
        if not href or href.lower().startswith(("javascript:", "#", "mailto:")):
            continue
        title_nodes = row.cssselect(selectors.title) if selectors.title else links[:1]
        title = _squash(title_nodes[0].text_content()) if title_nodes else ""
        when = None
        if selectors.date:
            date_nodes = row.cssselect(selectors.date)
            moment = parse_any(_squash(date_nodes[0].text_content())) if date_nodes else None
            when = to_kst_iso(moment) if moment else None
        if title:
            out.append(FeedEntry(url=urljoin(base_url, href), title=title, published_at=when))
    return out


def _entry_time(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return to_kst_iso(datetime.fromtimestamp(calendar.timegm(value), UTC))
    for key in ("published", "updated", "dc_date"):
        moment = parse_any(entry.get(key))
        if moment:
            return to_kst_iso(moment)
    return None


def _summary(entry: Any) -> str:
    content = entry.get("content") or []
    if content and content[0].get("value"):
        return str(content[0]["value"])
    return str(entry.get("summary", "") or "")


def _first_link(entry: Any) -> str:
    for link in entry.get("links") or []:
        if link.get("href"):
            return str(link["href"])
    return ""


def _plain(value: str) -> str:
    if "<" not in value and "&" not in value:
        return _squash(value)
    import lxml.html

    try:
        return _squash(lxml.html.fragment_fromstring(value, create_parent="div").text_content())
    except Exception:  # noqa: BLE001 - a fragment lxml cannot read: strip tags crudely
        return _squash(re.sub(r"<[^>]+>", " ", value))


def _squash(value: str) -> str:
    return " ".join(value.split())


def _short(exc: Any) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
