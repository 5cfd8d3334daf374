"""`gdesk` sub-commands of the briefing tool.

    gdesk crawl --once [--sources FILE] [--source ID ...] [--dry-run]
    gdesk crawl --backfill --days N [--sources FILE] [--source ID ...] [--dry-run]
    gdesk briefing import-duties FILE.csv|FILE.xlsx [--json]
    gdesk extract FILE [--url URL] [--attachments]     (HTML, HWP, HWPX or PDF: told by content)
    gdesk sources check [--source ID ...] [--sources FILE] [--json]

``crawl`` stores into the briefing table/bucket named by the environment (``GDESK_BRIEFING_TABLE``
…, as in Lambda); with no AWS endpoint configured it uses the running ``gdesk up`` of GDESK_HOME (the endpoint
and resource names it recorded there).
``--dry-run`` keeps everything in memory and needs no cloud: the way to check a new source.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this tool's sub-commands to the `gdesk` parser."""
    crawl = subparsers.add_parser("crawl", help="AI 비서: run a crawl round over the press-release sources")
    mode = crawl.add_mutually_exclusive_group(required=True)
    mode.add_argument("--once", action="store_true", help="one round now, every source (intervals ignored)")
    mode.add_argument("--backfill", action="store_true",
                      help="one round taking entries of the last --days days (not sent to the notifier)")
    crawl.add_argument("--days", type=int, default=7, help="with --backfill: how far back (default 7)")
    crawl.add_argument("--sources",
                       help="sources file (default: $GDESK_CRAWL_SOURCES or the packaged sources.yaml)")
    crawl.add_argument("--source", action="append", metavar="ID", help="only this source (repeatable)")
    crawl.add_argument("--dry-run", action="store_true",
                       help="keep items in memory; print them, store nothing")
    crawl.add_argument("--json", action="store_true", help="print the round's report as JSON")
    crawl.set_defaults(func=cmd_crawl)

    extract = subparsers.add_parser(
        "extract", help="AI 비서: the text of a saved page (title, text, time) or of an HWP/HWPX/PDF file")
    extract.add_argument("file", help="an HTML page (any charset; EUC-KR without declaration is fine) or an "
                                      "HWP, HWPX or PDF attachment; the type is told by content, not name")
    extract.add_argument("--url", help="the page's URL (resolves relative links, helps metadata)")
    extract.add_argument("--attachments", action="store_true", help="also list HWP/HWPX/PDF attachment links")
    extract.set_defaults(func=cmd_extract)

    briefing = subparsers.add_parser("briefing", help="AI 비서: administration (the duty table)")
    briefing_sub = briefing.add_subparsers(dest="briefing_command", required=True)
    duties = briefing_sub.add_parser(
        "import-duties", help="import the duty table (사무분장): CSV or XLSX with 사번, 부서, 팀, 담당업무")
    duties.add_argument("file", help="CSV (UTF-8 or CP949) or XLSX; the first row names the columns")
    duties.add_argument("--json", action="store_true", help="print the summary as JSON")
    duties.set_defaults(func=cmd_import_duties)

    sources = subparsers.add_parser("sources", help="AI 비서: the crawl sources")
    sources_sub = sources.add_subparsers(dest="sources_command", required=True)
    check = sources_sub.add_parser(
        "check", help="fetch and parse each source once and list what it finds (exit 1 if any finds nothing)")
    check.add_argument("--sources",
                       help="sources file (default: $GDESK_CRAWL_SOURCES or the packaged sources.yaml)")
    check.add_argument("--source", action="append", metavar="ID",
                       help="only this source, enabled or not (repeatable; default: every enabled source)")
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    check.set_defaults(func=cmd_sources_check)


def _fail(message: str, code: int = 1) -> int:
    print(f"gdesk: error: {' '.join(str(message).split())}", file=sys.stderr, flush=True)
    return code


def cmd_extract(args: argparse.Namespace) -> int:
    from chalicelib.briefing.crawling.charset import decode
    from chalicelib.briefing.crawling.documents import read_document, sniff
    from chalicelib.briefing.crawling.extract import extract

    try:
        body = Path(args.file).read_bytes()
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}", 2)
    kind = sniff(body)
    if kind in ("hwp", "hwpx", "pdf") or (kind is None and b"\0" in body[:4096]):  # a document, or binary
        document = read_document(body)
        print(json.dumps(document.to_json(), ensure_ascii=False, indent=2))
        return 0 if document.ok else _fail(f"{args.file}: {document.reason} ({document.code})")
    html, _codec = decode(body)
    result = extract(html, args.url).to_json()
    if not args.attachments:
        result.pop("attachments")
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


def cmd_sources_check(args: argparse.Namespace) -> int:
    from chalicelib.briefing.crawling.service import fetcher_for
    from chalicelib.briefing.crawling.source_check import check_source
    from chalicelib.briefing.crawling.sources import SourcesError, load_sources
    from chalicelib.settings import SettingsError, get_settings

    try:
        settings = get_settings().briefing
        sources = load_sources(args.sources or settings.crawl_sources_path or None)
        chosen = sources.select(args.source).sources if args.source else tuple(sources.enabled())
    except (SourcesError, SettingsError) as exc:
        return _fail(str(exc), 2)
    if not chosen:
        return _fail("no enabled source to check (name one with --source ID)", 2)
    fetcher = fetcher_for(sources, settings)
    results = [check_source(source, fetcher) for source in chosen]
    if args.json:
        print(json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=2))
    else:
        for r in results:
            state = "" if r.enabled else " (disabled)" if r.verified else " (disabled, unverified)"
            print(f"{'OK  ' if r.ok else 'FAIL'} {r.source_id}{state}: {len(r.entries)} item(s) in "
                  f"{r.seconds:.1f} s  {r.url}")
            if r.error:
                print(f"     {r.error}")
            for entry in r.entries[:5]:
                print(f"     - {entry.published_at or '(no date)':<25} {entry.title}")
                print(f"       {entry.url}")
    failed = [r.source_id for r in results if not r.ok]
    if failed:
        return _fail(f"{len(failed)} of {len(results)} source(s) found nothing: {', '.join(failed)}")
    print(f"{len(results)} source(s) checked, every one found items", file=sys.stderr)
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    from chalicelib.briefing.crawling.crawler import Crawler
    from chalicelib.briefing.crawling.service import fetcher_for
    from chalicelib.briefing.crawling.sources import SourcesError, load_sources
    from chalicelib.settings import SettingsError, get_settings

    if args.backfill and not 1 <= args.days <= 365:
        return _fail("--days must be between 1 and 365", 2)
    try:
        if not args.dry_run:
            _use_local_cloud_if_unconfigured()
        settings = get_settings().briefing
        sources = load_sources(args.sources or settings.crawl_sources_path or None)
        if args.source:
            sources = sources.select(args.source)
    except (SourcesError, SettingsError, RuntimeError) as exc:
        return _fail(str(exc), 2)
    store: Any
    on_new_items: Any = None
    embedder: Any = None
    if args.dry_run:
        from infra.commands.memory_items import MemoryItemStore

        store = MemoryItemStore()
    else:
        from chalicelib import wiring

        store, on_new_items = wiring.briefing_items_store(), wiring.briefing_on_new_items()
        embedder = wiring.briefing_embedder()
    fetcher = fetcher_for(sources, settings)
    crawler = Crawler(sources, store, fetcher, max_age_days=settings.crawl_max_age_days,
                      on_new_items=on_new_items, logger=_QuietLogger(), embedder=embedder)
    bar = Progress(len(sources.enabled()), sys.stderr)
    try:
        report = crawler.run_round(force=True, backfill_days=args.days if args.backfill else None,
                                   progress=bar.step)
    except KeyboardInterrupt:
        bar.close()
        return _fail("interrupted", 130)
    except Exception as exc:  # noqa: BLE001 - e.g. the table does not exist: one clear line
        bar.close()
        return _fail(f"{type(exc).__name__}: {exc}")
    bar.close()
    _print_report(report, args)
    return 0


def _print_report(report: Any, args: argparse.Namespace) -> None:
    if args.json:
        print(json.dumps({**report.summary(), "items": [
            {k: v for k, v in i.to_dict().items() if k not in ("text", "vector")} for i in report.new_items]},
            ensure_ascii=False, indent=2))
        return
    print(f"{'source':<24} {'status':<13} {'entries':>7} {'new':>4} {'dup':>4}  reason")
    for r in report.sources:
        counts = f"{r.entries:>7} {r.new:>4} {r.duplicates:>4}"
        print(f"{r.source_id:<24} {r.status:<13} {counts}  {r.error or ''}")
    for item in report.new_items:
        mark = f" (= {item.duplicate_of[:8]})" if item.duplicate_of else ""
        print(f"+ {item.published_at}  [{item.agency}] {item.title}{mark}")
        print(f"    {item.url}")
    summary = report.summary()
    print(f"{summary['new_items']} new item(s); {summary['handed_off']} handed to the notifier; "
          f"{len(summary['errors'])} source(s) failed")


class Progress:
    """A one-line progress bar on a terminal; one line per source otherwise (logs, CI)."""

    def __init__(self, total: int, stream: TextIO, width: int = 28) -> None:
        self.total, self.done, self.stream, self.width = max(total, 1), 0, stream, width
        self.tty = stream.isatty()

    def step(self, report: Any) -> None:
        self.done += 1
        filled = self.width * self.done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        text = f"[{bar}] {self.done}/{self.total} {report.source_id} {report.status}"
        if report.new or report.duplicates:
            text += f" +{report.new + report.duplicates}"
        if self.tty:
            self.stream.write("\r" + text[:120].ljust(120))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and self.done:
            self.stream.write("\n")
            self.stream.flush()


class _QuietLogger:
    """The CLI prints its own report; warnings go to stderr as one line each."""

    def info(self, message: str, extra: dict[str, Any] | None = None) -> None:
        return None

    def warning(self, message: str, extra: dict[str, Any] | None = None) -> None:
        return None

    def error(self, message: str, extra: dict[str, Any] | None = None) -> None:
        print(f"gdesk: {message}: {(extra or {}).get('reason', '')}", file=sys.stderr)


def _use_local_cloud_if_unconfigured() -> None:
    """Outside Lambda and without AWS_ENDPOINT_URL: talk to the running `gdesk up` of GDESK_HOME,
    at the endpoint and with the resource names it recorded there (whatever --aws-port it got)."""
    from chalicelib.settings import get_settings

    if os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("GDESK_BRIEFING_TABLE"):
        return
    from infra.local.cloud import use_running_cloud

    if use_running_cloud(get_settings().home) is None:
        raise RuntimeError("no AWS endpoint: start the local cloud with `gdesk up` (or set AWS_ENDPOINT_URL "
                           "and GDESK_BRIEFING_TABLE/GDESK_BRIEFING_BUCKET), or use --dry-run")


def cmd_import_duties(args: argparse.Namespace) -> int:
    """Every listed employee gets a working profile; row errors are listed by line (exit 1 if any)."""
    from chalicelib.settings import SettingsError

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        return _fail(f"cannot read {args.file}: {exc.strerror or exc}", 2)
    try:
        _use_local_cloud_if_unconfigured()
        summary = _import_duties(data, Path(args.file).name)
    except (SettingsError, RuntimeError) as exc:
        return _fail(str(exc), 2)
    except Exception as exc:  # noqa: BLE001 - InvalidField (unreadable file), the table missing ...
        return _fail(getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}", 2)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print(f"가져온 행 {summary['rows']}개: 새 프로필 {summary['created']}, 갱신 {summary['updated']}, "
              f"변경 없음 {summary['unchanged']} · 오류 {len(summary['errors'])}개")
        for error in summary["errors"]:
            print(f"  {error['line']}행: {error['message']}", file=sys.stderr)
    return 1 if summary["errors"] else 0


def _import_duties(data: bytes, filename: str) -> dict[str, Any]:
    from chalicelib import wiring
    from chalicelib.briefing.notifying import service

    return service.import_duties(wiring.briefing_notify_store(), data, filename)
