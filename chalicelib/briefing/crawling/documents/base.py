"""The contract of the readers: limits, the result, and the one entry point that never raises."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.briefing.crawling.documents.sniff import DocumentKind, sniff

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Bounds on what one document may cost. ``max_bytes``: the file itself; ``max_inflated``:
    decompressed HWP sections / HWPX XML together (zip and deflate bombs); ``max_pages``: PDF;
    ``max_chars``: text kept (the rest is cut, not refused)."""

    max_bytes: int = 20 * MB
    max_inflated: int = 64 * MB
    max_pages: int = 300
    max_chars: int = 500_000


DEFAULT_LIMITS = Limits()


class Unreadable(Exception):
    """A document that cannot be read. ``code`` is a machine word; the message is Korean (users
    see it next to the file name)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def encrypted() -> Unreadable:
    return Unreadable("encrypted", "암호가 걸린 문서라 읽을 수 없습니다")


def corrupt(detail: str = "") -> Unreadable:
    suffix = f" ({detail})" if detail else ""
    return Unreadable("corrupt", f"손상되었거나 형식이 올바르지 않은 문서입니다{suffix}")


def too_large(what: str, limit: int) -> Unreadable:
    return Unreadable("too_large", f"문서가 너무 큽니다 ({what} 한도 {limit:,} 초과)")


@dataclass(frozen=True)
class DocumentText:
    """What a reader found: ``ok`` with ``text`` (may be empty: a scanned PDF has no text layer),
    or not ``ok`` with ``code`` and a Korean ``reason``. ``truncated``: text cut at ``max_chars``."""

    kind: DocumentKind | None
    text: str = ""
    ok: bool = True
    code: str = ""
    reason: str = ""
    truncated: bool = False

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "ok": self.ok, "text": self.text}
        if not self.ok:
            data.update(code=self.code, reason=self.reason)
        if self.truncated:
            data["truncated"] = True
        return data


def read_document(data: bytes, limits: Limits = DEFAULT_LIMITS, *,
                  html_url: str | None = None) -> DocumentText:
    """The text of an HWP, HWPX, PDF or HTML file; never raises for a bad file (see DocumentText)."""
    kind = sniff(data)
    if len(data) > limits.max_bytes:
        return _refused(kind, too_large("파일 크기", limits.max_bytes))
    if kind is None:
        return _refused(None, Unreadable("unsupported",
                                         "HWP·HWPX·PDF·HTML 문서가 아닙니다 (지원하지 않는 형식)"))
    try:
        text = _read(kind, data, limits, html_url)
    except Unreadable as exc:
        return _refused(kind, exc)
    except MemoryError:
        return _refused(kind, too_large("메모리", limits.max_inflated))
    except RecursionError:
        return _refused(kind, corrupt("구조가 너무 깊음"))
    except Exception as exc:  # noqa: BLE001 - a parser's surprise on a bad file is a corrupt file
        return _refused(kind, corrupt(type(exc).__name__))
    text = _tidy(text)
    truncated = len(text) > limits.max_chars
    return DocumentText(kind=kind, text=text[:limits.max_chars], truncated=truncated)


def _read(kind: DocumentKind, data: bytes, limits: Limits, html_url: str | None) -> str:
    if kind == "hwp":
        from chalicelib.briefing.crawling.documents.hwp import read_hwp

        return read_hwp(data, limits)
    if kind == "hwpx":
        from chalicelib.briefing.crawling.documents.hwpx import read_hwpx

        return read_hwpx(data, limits)
    if kind == "pdf":
        from chalicelib.briefing.crawling.documents.pdf import read_pdf

        return read_pdf(data, limits)
    from chalicelib.briefing.crawling.charset import decode
    from chalicelib.briefing.crawling.extract import extract

    return extract(decode(data)[0], html_url).text


def _refused(kind: DocumentKind | None, error: Unreadable) -> DocumentText:
    return DocumentText(kind=kind, ok=False, code=error.code, reason=str(error))


def _tidy(text: str) -> str:
    """One line per paragraph: trailing spaces and empty lines dropped (readers keep leading
    spaces and tabs as stored)."""
    lines = (line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line.strip())
