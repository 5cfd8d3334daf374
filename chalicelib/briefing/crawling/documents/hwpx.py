"""HWPX (OWPML, KS X 6101): a ZIP of XML parts; the body is ``Contents/section<n>.xml``.

Text is in ``<hp:t>`` (with ``<hp:tab/>``, ``<hp:lineBreak/>``, ``<hp:nbSpace/>``,
``<hp:fwSpace/>``, ``<hp:hyphen/>`` inline); tables, text boxes, headers/footers and notes nest
``<hp:p>`` paragraphs, each read as its own line. The guide text of an unfilled click-here field
(``<hp:fieldBegin type="CLICK_HERE" dirty="0">`` … ``<hp:fieldEnd>``) is dropped, as in the HWP
reader. Master pages are page furniture and are not read. Encrypted parts (ODF-style
``encryption-data`` in ``META-INF/manifest.xml``) make the document unreadable.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from chalicelib.briefing.crawling.documents.base import Limits, corrupt, encrypted, too_large

_SECTION = re.compile(r"^Contents/section(\d+)\.xml$")
_INLINE = {"tab": "\t", "lineBreak": "\n", "nbSpace": " ", "fwSpace": " ", "hyphen": "-"}


def read_hwpx(data: bytes, limits: Limits) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise corrupt("ZIP 구조 오류") from exc
    with archive:
        infos = {info.filename: info for info in archive.infolist()}
        manifest = infos.get("META-INF/manifest.xml")
        if manifest is not None and b"encryption-data" in _read(archive, manifest, limits.max_inflated):
            raise encrypted()
        sections = sorted((int(m.group(1)), info) for name, info in infos.items()
                          if (m := _SECTION.match(name)))
        if not sections:
            raise corrupt("본문(section) 없음")
        declared = sum(info.file_size for _n, info in sections)
        if declared > limits.max_inflated:
            raise too_large("압축 해제 크기", limits.max_inflated)
        return "\n".join(section_text(_read(archive, info, limits.max_inflated)) for _n, info in sections)


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int) -> bytes:
    """The entry, reading at most ``budget`` bytes whatever its header claims (zip bombs)."""
    if info.flag_bits & 0x1:
        raise encrypted()
    with archive.open(info) as stream:
        body = stream.read(budget + 1)
    if len(body) > budget:
        raise too_large("압축 해제 크기", budget)
    return body


def section_text(xml: bytes) -> str:
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise corrupt("XML 오류") from exc
    lines: list[str] = []
    state: dict[str, Any] = {"hidden": set()}  # ids of unfilled click-here fields now open
    _walk(root, [], lines, state)
    return "\n".join(line for line in lines if line.strip())


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _walk(element: Any, buffer: list[str], lines: list[str], state: dict[str, Any]) -> None:
    for child in element:
        name = _local(child.tag)
        if name == "p":
            if buffer:  # an object anchored mid-paragraph: the host's text so far is its own line
                lines.append("".join(buffer))
                buffer.clear()
            own: list[str] = []
            _walk(child, own, lines, state)
            lines.append("".join(own))
        elif name == "t":
            _text(child, buffer, state)
        elif name == "fieldBegin":
            if child.get("type") == "CLICK_HERE" and child.get("dirty") == "0":
                state["hidden"].add(child.get("id"))
        elif name == "fieldEnd":
            state["hidden"].discard(child.get("beginIDRef"))
        elif name not in ("parameters", "linesegarray", "secPr"):
            _walk(child, buffer, lines, state)


def _text(element: Any, buffer: list[str], state: dict[str, Any]) -> None:
    if state["hidden"]:
        return
    if element.text:
        buffer.append(element.text)
    for child in element:
        name = _local(child.tag)
        if name in _INLINE:
            buffer.append(_INLINE[name])
        elif child.text and name not in ("markpenBegin", "markpenEnd"):  # e.g. <hp:titleMark>
            buffer.append(child.text)
        if child.tail:
            buffer.append(child.tail)
