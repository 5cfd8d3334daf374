"""HWP 5 (한글 binary): an OLE compound file whose ``BodyText/Section<n>`` streams hold records.

The text is in the ``HWPTAG_PARA_TEXT`` records (UTF-16LE with control characters inline);
tables, text boxes, headers/footers and footnotes are paragraphs nested in the same record stream,
so one pass over every section gets all of them. Rules (those of the reference texts in
shared/data/attachments): TAB kept, line break → newline, non-breaking and fixed-width spaces →
space, the hyphen control → ``-``; the guide text of an unfilled click-here field (누름틀 ``%clk``
whose "modified" bit is 0) is dropped, because Hancom neither prints nor exports it.

Refused: a document password (FileHeader bit 1), DRM / certificate encryption, and 배포용 documents
(their body is encrypted in ``ViewText``).
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass, field

from chalicelib.briefing.crawling.documents.base import Limits, Unreadable, corrupt, encrypted, too_large

SIGNATURE = b"HWP Document File"
FLAG_COMPRESSED = 1 << 0
FLAG_PASSWORD = 1 << 1
FLAG_DISTRIBUTION = 1 << 2
FLAG_DRM = 1 << 4
FLAG_CERT_ENCRYPTED = 1 << 8

TAG_PARA_HEADER = 66
TAG_PARA_TEXT = 67
TAG_CTRL_HEADER = 71

# Control characters in PARA_TEXT: "char" controls take one WCHAR, inline and extended controls
# eight (the code, 12 bytes of information, the code again). Extended ones own a CTRL_HEADER record.
_INLINE = frozenset({4, 5, 6, 7, 8, 9, 19, 20})
_EXTENDED = frozenset({1, 2, 3, 11, 12, 14, 15, 16, 17, 18, 21, 22, 23})
_CHAR_AS = {9: "\t", 10: "\n", 24: "-", 30: " ", 31: " "}
FIELD_START, FIELD_END = 3, 4
CLICK_HERE = int.from_bytes(b"klc%", "little")  # MAKE_4CHID('%','c','l','k'), stored little-endian
FIELD_MODIFIED = 1 << 15
_SECTION = re.compile(r"^Section(\d+)$")


@dataclass
class _Paragraph:
    level: int
    parts: list[str | tuple[str, int]] = field(default_factory=list)  # text, ("start", ext#) or ("end", 0)
    extended: int = 0  # extended controls seen in the text
    controls: list[tuple[int, int]] = field(default_factory=list)  # (ctrl id, properties) per CTRL_HEADER

    def render(self) -> str:
        out: list[str] = []
        hidden = 0  # depth inside unfilled click-here fields
        stack: list[bool] = []
        for part in self.parts:
            if isinstance(part, str):
                if not hidden:
                    out.append(part)
            elif part[0] == "start":
                ctrl, props = self.controls[part[1]] if part[1] < len(self.controls) else (0, 0)
                unfilled = ctrl == CLICK_HERE and not props & FIELD_MODIFIED
                stack.append(unfilled)
                hidden += unfilled
            elif stack:
                hidden -= stack.pop()
        return "".join(out)


def read_hwp(data: bytes, limits: Limits) -> str:
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except OSError as exc:
        raise corrupt("복합 문서 구조 오류") from exc
    with ole:
        if not ole.exists("FileHeader"):
            raise corrupt("FileHeader 없음")
        flags = _flags(ole.openstream("FileHeader").read())
        if flags & (FLAG_PASSWORD | FLAG_DRM | FLAG_CERT_ENCRYPTED):
            raise encrypted()
        if flags & FLAG_DISTRIBUTION:
            raise Unreadable("encrypted", "배포용 문서(본문 암호화)라 읽을 수 없습니다")
        sections = sorted((int(m.group(1)), path) for path in ole.listdir(streams=True, storages=False)
                          if len(path) == 2 and path[0] == "BodyText" and (m := _SECTION.match(path[1])))
        if not sections:
            raise corrupt("본문(BodyText) 없음")
        budget = limits.max_inflated
        texts: list[str] = []
        for _number, path in sections:
            raw = ole.openstream(path).read()
            records = _inflate(raw, budget) if flags & FLAG_COMPRESSED else raw
            budget -= len(records)
            texts.append(section_text(records))
    return "\n".join(texts)


def _flags(header: bytes) -> int:
    if len(header) < 40 or not header.startswith(SIGNATURE):
        raise corrupt("HWP 서명 없음")
    return int.from_bytes(header[36:40], "little")


def _inflate(raw: bytes, budget: int) -> bytes:
    inflater = zlib.decompressobj(-15)  # raw deflate, no zlib header
    try:
        out = inflater.decompress(raw, budget + 1)
    except zlib.error as exc:
        raise corrupt("압축 해제 실패") from exc
    if len(out) > budget or inflater.unconsumed_tail:
        raise too_large("압축 해제 크기", budget)
    return out


def records(buf: bytes):  # type: ignore[no-untyped-def]
    """``(tag, level, payload)`` of every record; a cut-off last record ends the stream."""
    pos, end = 0, len(buf)
    while pos + 4 <= end:
        header = int.from_bytes(buf[pos:pos + 4], "little")
        pos += 4
        tag, level, size = header & 0x3FF, (header >> 10) & 0x3FF, header >> 20
        if size == 0xFFF:
            if pos + 4 > end:
                return
            size = int.from_bytes(buf[pos:pos + 4], "little")
            pos += 4
        if pos + size > end:
            return
        yield tag, level, buf[pos:pos + size]
        pos += size


def section_text(buf: bytes) -> str:
    paragraphs: list[_Paragraph] = []
    latest: dict[int, _Paragraph] = {}  # level → the last paragraph at that level
    for tag, level, payload in records(buf):
        if tag == TAG_PARA_HEADER:
            paragraph = _Paragraph(level)
            paragraphs.append(paragraph)
            latest[level] = paragraph
        elif tag == TAG_PARA_TEXT and (owner := latest.get(level - 1)) is not None:
            _parse_text(payload, owner)
        elif tag == TAG_CTRL_HEADER and (owner := latest.get(level - 1)) is not None and len(payload) >= 4:
            props = int.from_bytes(payload[4:8], "little") if len(payload) >= 8 else 0
            owner.controls.append((int.from_bytes(payload[:4], "little"), props))
    return "\n".join(text for p in paragraphs if (text := p.render()).strip())


def _parse_text(payload: bytes, paragraph: _Paragraph) -> None:
    n = len(payload) // 2
    codes = memoryview(payload[:n * 2]).cast("H")
    parts = paragraph.parts
    i = run = 0
    while i < n:
        code = codes[i]
        if code >= 32:
            i += 1
            continue
        if run < i:
            parts.append(payload[run * 2:i * 2].decode("utf-16-le", "replace"))
        width = 8 if code in _INLINE or code in _EXTENDED else 1
        if code in _CHAR_AS:
            parts.append(_CHAR_AS[code])
        elif code == FIELD_END:
            parts.append(("end", 0))
        if code in _EXTENDED:
            if code == FIELD_START:
                parts.append(("start", paragraph.extended))
            paragraph.extended += 1
        i += width
        run = i
    if run < n:
        parts.append(payload[run * 2:n * 2].decode("utf-16-le", "replace"))
