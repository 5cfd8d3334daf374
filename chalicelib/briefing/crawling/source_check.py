"""`gdesk sources check`: fetch each source's page or feed once and say what its parser finds.

An operator runs it after a deploy and before switching on a board (``verified: false``): boards
change their markup without telling anyone, and a selector that matches nothing is better found
by a person now than by an alarm later. Uses the crawler's own fetcher (same host allowlist,
robots.txt, size cap and timeouts) and parser; stores nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.briefing.crawling import feeds
from chalicelib.briefing.crawling.fetch import Fetcher, FetchError
from chalicelib.briefing.crawling.sources import Source

ACCEPT = {"rss": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5",
          "html_list": "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"}


@dataclass
class SourceCheck:
    source_id: str
    url: str
    enabled: bool
    verified: bool
    ok: bool = False
    entries: list[feeds.FeedEntry] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    def to_json(self, shown: int = 5) -> dict[str, Any]:
        return {"source_id": self.source_id, "url": self.url, "enabled": self.enabled,
                "verified": self.verified, "ok": self.ok, "entries": len(self.entries),
                "error": self.error or None, "seconds": round(self.seconds, 2),
                "first": [{"title": e.title, "url": e.url, "published_at": e.published_at}
                          for e in self.entries[:shown]]}


def check_source(source: Source, fetcher: Fetcher, clock: Any = None) -> SourceCheck:
    """Never raises: a failure is the check's ``error`` (its reason word and message)."""
    import time

    now = clock or time.monotonic
    started = now()
    result = SourceCheck(source.id, source.url, source.enabled, source.verified)
    try:
        page = fetcher.fetch(source.url, accept=ACCEPT[source.kind])
        result.entries = feeds.parse(source, page.text(), page.url)
    except FetchError as exc:
        result.error = f"{exc.reason}: {' '.join(str(exc).split())}"
    except feeds.FeedError as exc:
        result.error = f"bad_feed: {' '.join(str(exc).split())}"
    except Exception as exc:  # noqa: BLE001 - whatever it is, the operator reads it
        result.error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    else:
        result.ok = bool(result.entries)
        if not result.entries:
            result.error = "nothing_found: the page was read but no item was found"
    result.seconds = now() - started
    return result
