"""What a file is, from its first bytes (magic numbers), never from its name or Content-Type.

Servers of Korean agencies send attachments as ``application/octet-stream`` through download
scripts (``fileDown.do?atchFileId=…``) and file names lie, so only the content decides.
"""

from __future__ import annotations

import io
import zipfile
from typing import Literal

DocumentKind = Literal["html", "hwp", "hwpx", "pdf"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary (HWP 5, old MS Office)
ZIP_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"
HWPX_MIMETYPE = b"application/hwp+zip"
_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<div", b"<p>",
                b"<table", b"<!--")


def sniff(data: bytes) -> DocumentKind | None:
    """``hwp`` / ``hwpx`` / ``pdf`` / ``html``, or None for anything else (a JPEG, a ZIP that is
    not OWPML, an MS Word file, plain text …)."""
    head = data[:1024]
    if head.startswith(OLE_MAGIC):
        return "hwp" if _is_hwp(data) else None
    if head.startswith(ZIP_MAGIC):
        return "hwpx" if _is_hwpx(data) else None
    if PDF_MAGIC in head:  # the spec allows junk before the header; readers accept it in the first KB
        return "pdf"
    if _looks_like_html(head):
        return "html"
    return None


def _is_hwp(data: bytes) -> bool:
    # The FileHeader stream starts with this signature; without parsing the compound file, its
    # presence anywhere in the first sectors is a good enough sniff (the reader checks properly).
    return b"HWP Document File" in data[:64 * 1024] or _has_ole_stream_name(data, "FileHeader")


def _has_ole_stream_name(data: bytes, name: str) -> bool:
    return name.encode("utf-16-le") in data[:256 * 1024]


def _is_hwpx(data: bytes) -> bool:
    # OWPML puts an uncompressed "mimetype" entry first (like EPUB/ODF); check it, then fall back
    # to the section files for writers that do not.
    if data[30:38] == b"mimetype" and HWPX_MIMETYPE in data[38:120]:
        return True
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "Contents/section0.xml" in names or "Contents/content.hpf" in names


def _looks_like_html(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"\xff\xfe") or text.startswith(b"\xfe\xff"):  # UTF-16 HTML
        text = text[2:].replace(b"\x00", b"").lstrip()
    return text.startswith(_HTML_STARTS) or (text.startswith(b"<?xml") and b"<html" in head.lower())
