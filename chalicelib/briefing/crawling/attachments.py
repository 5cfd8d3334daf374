"""Reading a release's attachments (HWP, HWPX, PDF) during a crawl.

Each attachment is downloaded through the crawler's own fetcher — the same host allowlist, SSRF
guard, robots.txt, redirects and timeouts as pages — with its own size cap, and read by
``documents.read_document``. Nothing here raises for a bad file: a password, a corrupt or
oversized file, a download that fails or a "please log in" page served instead of the file each
leave the attachment marked ``unreadable`` with a Korean reason, and the item goes on with its
page text. Only the first ``max_files`` attachments are read (the rest stay links).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from chalicelib.briefing.crawling.documents import DEFAULT_LIMITS, Limits, read_document
from chalicelib.briefing.model import Attachment

MAX_FILES = 3
EXCERPT_CHARS = 240
ACCEPT = ("application/x-hwp, application/haansofthwp, application/vnd.hancom.hwp, application/hwp+zip, "
          "application/vnd.hancom.hwpx, application/pdf, application/octet-stream;q=0.9, */*;q=0.5")

# The fetcher's reason words, as a user reads them next to the file name.
_FETCH_REASONS = {
    "too_large": "파일이 너무 커서 내려받지 않았습니다",
    "timeout": "내려받는 데 시간이 너무 오래 걸렸습니다",
    "host_not_allowed": "허용 목록에 없는 주소라 내려받지 않았습니다",
    "address_not_allowed": "허용되지 않는 주소라 내려받지 않았습니다",
    "robots_disallowed": "누리집의 robots.txt가 내려받기를 허용하지 않습니다",
    "http_status": "누리집이 파일을 주지 않았습니다",
}


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """The first ``limit`` characters, on one line, cut at a word where possible."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit * 0.6 else cut) + "…"


def read_attachments(fetcher: Any, attachments: Sequence[Attachment], *, limits: Limits = DEFAULT_LIMITS,
                     max_files: int = MAX_FILES, log: Any = None
                     ) -> tuple[tuple[Attachment, ...], list[tuple[str, str]]]:
    """``(attachments with status, reason and excerpt; [(file name, text)] of the readable ones)``."""
    from chalicelib.briefing.crawling.fetch import FetchError, HttpStatusError

    marked: list[Attachment] = []
    texts: list[tuple[str, str]] = []
    for position, attachment in enumerate(attachments):
        if position >= max_files:
            marked.append(replace(attachment, status="skipped",
                                  reason=f"첨부파일이 많아 앞의 {max_files}개만 읽었습니다"))
            continue
        try:
            result = fetcher.fetch(attachment.url, accept=ACCEPT, max_bytes=limits.max_bytes)
        except FetchError as exc:
            reason = _FETCH_REASONS.get(exc.reason, "내려받지 못했습니다")
            if isinstance(exc, HttpStatusError) and exc.status:
                reason += f" (HTTP {exc.status})"
            marked.append(replace(attachment, status="unreadable", reason=reason))
            _log(log, attachment, f"{exc.reason}: {exc}")
            continue
        document = read_document(result.body, limits)
        if document.ok and document.kind == "html":
            marked.append(replace(attachment, status="unreadable",
                                  reason="파일 대신 웹 페이지가 왔습니다 (로그인·안내 화면일 수 있습니다)"))
        elif not document.ok:
            marked.append(replace(attachment, status="unreadable", reason=document.reason))
            _log(log, attachment, f"{document.code}: {document.reason}")
        else:
            kind = document.kind if document.kind in ("hwp", "hwpx", "pdf") else attachment.kind
            marked.append(replace(attachment, kind=kind, status="read", excerpt=excerpt(document.text)))  # type: ignore[arg-type]
            texts.append((attachment.name, document.text))
    return tuple(marked), texts


def _log(log: Any, attachment: Attachment, reason: str) -> None:
    if log is not None:
        log.info("briefing attachment unreadable", extra={"url": attachment.url, "file_name": attachment.name,
                                                         "reason": reason})
