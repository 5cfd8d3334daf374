"""One crawl round: every source that is due, each on its own, then the new items to the notifier.

- A source is due when its interval has passed since its last attempt (a little slack for the
  schedule's jitter); ``force`` ignores intervals (``gdesk crawl --once``).
- One failing source never stops the others: its error is logged with its reason, kept in its
  state, and the round goes on.
- Feed entries older than ``max_age_days`` are ignored (the first crawl of a feed must not alert
  on last month's releases); ``backfill_days`` widens that window and skips the notifier.
- Known canonical URLs are skipped before any article is fetched. New articles are fetched
  (same SSRF/robots rules), extracted, deduplicated and stored; at most ``max_items`` per source
  per round — the rest, and whatever the time budget cuts off, come next round (the feed's
  validators are then not saved, so the next round reads the whole feed again).
- Items are handed to the notifier (``on_new_items``: ``notifying.new_item_matching``) through an
  outbox row written with the item: a notifier failure leaves them pending, and the next round
  hands them over again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.briefing.crawling import feeds
from chalicelib.briefing.crawling import items as ident
from chalicelib.briefing.crawling.fetch import (
    AddressNotAllowed,
    BadUrl,
    Fetcher,
    FetchError,
    HostNotAllowed,
    RobotsDisallowed,
)
from chalicelib.briefing.crawling.ports import ItemStorePort, SourceState
from chalicelib.briefing.crawling.sources import Source, SourceSet
from chalicelib.briefing.dates import KST, parse_iso, to_kst_iso
from chalicelib.briefing.model import Item

REFUSALS = (HostNotAllowed, AddressNotAllowed, RobotsDisallowed, BadUrl)  # permanent: not worth retrying
SCHEDULE_SLACK_S = 30  # a source due in less than this is crawled now rather than a round later
RSS_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


@dataclass
class SourceReport:
    source_id: str
    status: str  # ok | not_modified | not_due | error | out_of_time
    entries: int = 0
    new: int = 0
    duplicates: int = 0
    deferred: int = 0  # new entries left for the next round (cap, time, article not fetched)
    error: str | None = None
    unhealthy: bool = False  # failed or found nothing for ``unhealthy_rounds`` rounds in a row


@dataclass
class RoundReport:
    sources: list[SourceReport] = field(default_factory=list)
    new_items: list[Item] = field(default_factory=list)
    handed_off: int = 0

    @property
    def unhealthy(self) -> list[str]:
        """Enabled sources that failed or found nothing for several rounds: their board may have
        changed its markup, or the site moved (the BriefingUnhealthySources metric and its alarm)."""
        return [r.source_id for r in self.sources if r.unhealthy]

    def summary(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for report in self.sources:
            counts[report.status] = counts.get(report.status, 0) + 1
        return {"sources": counts, "new_items": len(self.new_items), "handed_off": self.handed_off,
                "errors": {r.source_id: r.error for r in self.sources if r.error},
                "unhealthy": self.unhealthy}


class OutOfTime(Exception):
    pass


class Crawler:
    def __init__(self, sources: SourceSet, store: ItemStorePort, fetcher: Fetcher, *,
                 max_age_days: int = 3, deadline: float | None = None,
                 on_new_items: Callable[[Sequence[Item]], Any] | None = None,
                 clock: Callable[[], float] = time.time, monotonic: Callable[[], float] = time.monotonic,
                 logger: Any = None, embedder: Any = None,
                 unhealthy_rounds: int = 3) -> None:
        self.sources = sources
        self.store = store
        self.fetcher = fetcher
        self.max_age_days = max_age_days
        self.deadline = deadline  # time.monotonic() value after which nothing new is started
        self.on_new_items = on_new_items
        self.clock = clock
        self.monotonic = monotonic
        self.log = logger or _default_logger()
        self.embedder = embedder  # an embedding.Embedder: item vectors made once, at hand-off
        self.unhealthy_rounds = max(1, unhealthy_rounds)

    # -- the round ------------------------------------------------------------------------------

    def run_round(self, *, force: bool = False, backfill_days: int | None = None,
                  progress: Callable[[SourceReport], None] | None = None) -> RoundReport:
        report = RoundReport()
        now = self.clock()
        states = {s.id: self.store.get_state(s.id) for s in self.sources.enabled()}
        order = sorted(self.sources.enabled(), key=lambda s: states[s.id].last_attempt + s.interval_s)
        for source in order:
            if not force and backfill_days is None and not self._due(source, states[source.id], now):
                result = SourceReport(source.id, "not_due", unhealthy=self._unhealthy(states[source.id]))
            elif self._out_of_time():
                result = SourceReport(source.id, "out_of_time")
            else:
                result = self.crawl_source(source, states[source.id],
                                           force=force or backfill_days is not None,
                                           max_age_days=backfill_days or self.max_age_days,
                                           into=report.new_items)
            report.sources.append(result)
            if progress:
                progress(result)
        if backfill_days is None:
            report.handed_off = self.hand_off(report.new_items)
        return report

    def hand_off(self, fresh: Sequence[Item]) -> int:
        """Give the notifier this round's items and any earlier ones it has not yet taken."""
        if self.on_new_items is None:
            return 0
        fresh_ids = {i.item_id for i in fresh}
        batch = [i for i in fresh if i.duplicate_of is None]
        for item_id in self.store.pending():
            if item_id not in fresh_ids:
                item = self.store.load_item(item_id)
                if item is not None:
                    batch.append(item)
        if not batch:
            return 0
        batch = self.embed(batch)
        try:
            self.on_new_items(batch)
        except Exception as exc:  # noqa: BLE001 - they stay pending; the next round retries
            self.log.error("briefing notifier failed; items stay pending",
                           extra={"items": len(batch), "reason": f"{type(exc).__name__}: {exc}"})
            return 0
        self.store.handed_off(i.item_id for i in batch)
        return len(batch)

    def embed(self, batch: list[Item]) -> list[Item]:
        """Give the items without a meaning vector one (one batch) and store it with them; on
        failure they go on without (the matcher then scores them on words)."""
        missing = [i for i in batch if not i.vector]
        if self.embedder is None or not missing:
            return batch
        from chalicelib.briefing.embedding import EmbeddingError, item_text, pack_b64

        try:
            vectors = self.embedder.encode([item_text(i.title, i.text) for i in missing])
        except EmbeddingError as exc:
            self.log.error("item vectors unavailable", extra={"items": len(missing), "reason": str(exc)})
            return batch
        packed = {item.item_id: pack_b64(vector) for item, vector in zip(missing, vectors, strict=True)}
        self.store.set_vectors(packed)
        return [replace(i, vector=packed.get(i.item_id, i.vector)) for i in batch]

    # -- one source ------------------------------------------------------------------------------

    def crawl_source(self, source: Source, state: SourceState, *, force: bool = False,
                     max_age_days: int | None = None, into: list[Item] | None = None) -> SourceReport:
        report = SourceReport(source.id, "ok")
        now = self.clock()
        state.last_attempt = now
        try:
            complete = self._crawl(source, state, report, force, max_age_days or self.max_age_days,
                                   into if into is not None else [])
        except Exception as exc:  # noqa: BLE001 - one source's failure never stops the round
            reason = _reason(exc)
            report.status, report.error = "error", reason
            state.failures += 1
            state.last_error = reason
            self.log.warning("briefing source failed", extra={"source_id": source.id, "reason": reason,
                                                              "url": getattr(exc, "url", "") or source.url})
        else:
            state.last_success, state.failures, state.last_error = now, 0, None
            state.items_total += report.new + report.duplicates
            # 304 means "as before"; a page read with no entry at all is how a changed board looks
            state.empty_rounds = state.empty_rounds + 1 if report.status == "ok" and not report.entries else 0
            if not complete:
                state.etag = state.last_modified = None  # re-read the whole feed next round
        report.unhealthy = self._unhealthy(state)
        if report.unhealthy:
            self.log.warning("briefing source unhealthy", extra={
                "source_id": source.id, "failures": state.failures, "empty_rounds": state.empty_rounds,
                "reason": state.last_error or "no entries found"})
        try:
            self.store.put_state(state)
        except Exception as exc:  # noqa: BLE001 - state is best effort; items are already safe
            self.log.warning("briefing state not saved",
                             extra={"source_id": source.id, "reason": _reason(exc)})
        return report

    def _crawl(self, source: Source, state: SourceState, report: SourceReport, force: bool,
               max_age_days: int, into: list[Item]) -> bool:
        accept = RSS_ACCEPT if source.kind == "rss" else HTML_ACCEPT
        result = self.fetcher.fetch(source.url, etag=None if force else state.etag,
                                    last_modified=None if force else state.last_modified, accept=accept)
        if result.not_modified:
            report.status = "not_modified"
            return True
        entries = feeds.parse(source, result.text(), result.url)
        report.entries = len(entries)
        fresh = self._new_entries(entries, max_age_days)
        for_now, later = fresh[:source.max_items], fresh[source.max_items:]
        report.deferred = len(later)
        for position, (item_id, canonical, entry) in enumerate(for_now):
            if self._out_of_time():
                report.deferred += len(for_now) - position
                break
            try:
                built = self._build_item(source, item_id, canonical, entry)
                stored = self.store.put_item(built[0], built[1], self.clock()) if built else None
            except Exception as exc:  # noqa: BLE001 - one bad article never stops its source
                self.log.warning("briefing item failed", extra={"source_id": source.id, "url": entry.url,
                                                                "reason": _reason(exc)})
                built, stored = None, None
            if built is None:
                report.deferred += 1
                continue
            if stored is not None:  # None: another round stored it first
                into.append(stored)
                if stored.duplicate_of:
                    report.duplicates += 1
                else:
                    report.new += 1
        state.etag, state.last_modified = result.etag, result.last_modified
        return report.deferred == 0

    def _new_entries(self, entries: list[feeds.FeedEntry], max_age_days: int
                     ) -> list[tuple[str, str, feeds.FeedEntry]]:
        cutoff = datetime.fromtimestamp(self.clock(), UTC) - timedelta(days=max_age_days)
        seen: dict[str, tuple[str, str, feeds.FeedEntry]] = {}
        for entry in entries:
            published = parse_iso(entry.published_at) if entry.published_at else None
            if published is not None and published < cutoff:
                continue
            try:
                canonical = ident.canonical_url(entry.url)
            except ValueError:
                continue
            item_id = ident.item_id_for(canonical)
            seen.setdefault(item_id, (item_id, canonical, entry))
        known = self.store.known(seen)
        fresh = [value for key, value in seen.items() if key not in known]
        # oldest first: the first issue of a release becomes the original, later copies its duplicates
        return sorted(fresh, key=lambda v: v[2].published_at or "9999")

    def _build_item(self, source: Source, item_id: str, canonical: str, entry: feeds.FeedEntry
                    ) -> tuple[Item, tuple[int, ...]] | None:
        from chalicelib.briefing.attachment_text import compose
        from chalicelib.briefing.crawling.attachments import read_attachments
        from chalicelib.briefing.crawling.extract import Extracted, extract

        extracted = Extracted(title="", text="", published_at=None)
        refused = False
        try:
            page = self.fetcher.fetch(entry.url, accept=HTML_ACCEPT)
            extracted = extract(page.text(), page.url)
        except FetchError as exc:
            refused = isinstance(exc, REFUSALS)
            self.log.info("briefing article not fetched", extra={"source_id": source.id, "url": entry.url,
                                                                 "reason": _reason(exc)})
        # A page the rules will never let us read (another host, robots.txt) is kept with what the
        # list gave; a page that failed for now is retried next round.
        text = extracted.text or entry.summary or (entry.title if refused else "")
        if not text:
            return None
        # The attachments' text joins the page's (matching reads it; the reason names the file);
        # a file that cannot be read is marked with its reason and the item goes on without it.
        attachments, texts = read_attachments(self.fetcher, extracted.attachments, log=self.log)
        text = compose(text, texts)
        title = entry.title or extracted.title
        agency = entry.author if source.agency_from_entry and entry.author else source.agency
        published = entry.published_at or extracted.published_at or to_kst_iso(
            datetime.fromtimestamp(self.clock(), KST))
        content = ident.content_hash(title, text)
        signature = ident.minhash(f"{title}\n{text}")
        item = Item(item_id=item_id, url=entry.url, canonical_url=canonical, title=title, text=text,
                    agency=agency, source_id=source.id, published_at=published,
                    attachments=attachments, content_hash=content,
                    duplicate_of=self.store.find_duplicate(content, signature))
        return item, signature

    # -- helpers -----------------------------------------------------------------------------------

    def _unhealthy(self, state: SourceState) -> bool:
        return max(state.failures, state.empty_rounds) >= self.unhealthy_rounds

    @staticmethod
    def _due(source: Source, state: SourceState, now: float) -> bool:
        return now + SCHEDULE_SLACK_S >= state.last_attempt + source.interval_s

    def _out_of_time(self) -> bool:
        return self.deadline is not None and self.monotonic() >= self.deadline


def _reason(exc: BaseException) -> str:
    code = getattr(exc, "reason", None)
    message = " ".join(str(exc).split())[:300]
    if isinstance(exc, FetchError):
        return f"{code}: {message}"
    if isinstance(exc, feeds.FeedError):
        return f"bad_feed: {message}"
    return f"{type(exc).__name__}: {message}"


def _default_logger() -> Any:
    from chalicelib.observability import logger

    return logger
