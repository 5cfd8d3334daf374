"""Decoding fetched bytes: gets EUC-KR / CP949 pages right when the server does not say.

Korean public sites often send ``Content-Type: text/html`` with no charset, or label CP949 pages
as EUC-KR (CP949 is the superset Windows wrote them in). The order, first hit wins:
1. a byte-order mark;
2. the ``charset`` of the Content-Type header — if the body decodes with it;
3. the document's own declaration (``<meta charset>``, ``http-equiv``, ``<?xml encoding?>``)
   in the first 4 KB — if the body decodes with it;
4. trial decoding: strict UTF-8, then strict CP949;
5. charset-normalizer's best guess; last, UTF-8 with replacement characters.
"""

from __future__ import annotations

import codecs
import re

_META = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""", re.IGNORECASE)
_HEADER = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Labels that mean "Korean legacy encoding": decode them all as CP949, the superset.
_KOREAN = {"euc-kr", "euckr", "euc_kr", "ks_c_5601-1987", "ks_c_5601", "ksc5601", "korean", "cp949",
           "ms949", "windows-949", "x-windows-949", "uhc", "iso-ir-149", "csksc56011987"}


def normalize_label(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when the label is unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _KOREAN:
        return "cp949"
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "cp949" if name == "euc_kr" else name


def header_charset(content_type: str | None) -> str | None:
    match = _HEADER.search(content_type or "")
    return match.group(1) if match else None


def declared_charset(body: bytes) -> str | None:
    """The charset a document declares about itself in its first 4 KB."""
    head = body[:4096]
    match = _XML_DECL.search(head) or _META.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def _try(body: bytes, label: str | None) -> str | None:
    codec = normalize_label(label)
    if codec is None:
        return None
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def decode(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """``(text, codec)`` for the body of a response."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace"), codec
    for label in (header_charset(content_type), declared_charset(body)):
        text = _try(body, label)
        if text is not None:
            return text, normalize_label(label) or "utf-8"
    for codec in ("utf-8", "cp949"):
        try:
            return body.decode(codec), codec
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    if best is not None:
        codec = normalize_label(best.encoding) or "utf-8"
        return body.decode(codec, errors="replace"), codec
    return body.decode("utf-8", errors="replace"), "utf-8"
