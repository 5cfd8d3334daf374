"""Real HWP 5, HWPX and PDF files made in code: the demo site's attachments and the tests' fixtures.

- ``compound_file(streams)``: an OLE Compound File (MS-CFB, version 3, 512-byte sectors, a mini
  stream for streams under 4 KiB), the container of HWP 5. Written here from the specification;
  olefile reads it back in the tests.
- ``hwp(paragraphs)``: an HWP 5.0 document: FileHeader (compressed bit set), DocInfo, and
  ``BodyText/Section0`` as raw-deflated records: PARA_HEADER / PARA_TEXT, tables (CTRL_HEADER
  ``tbl `` + LIST_HEADER per cell), click-here fields (``%clk``, filled or not) and the inline
  controls (tab, line break, fixed-width space). Enough for any reader of the body text; it is not
  meant to open in Hancom's editor (no fonts, styles or layout in DocInfo).
- ``hwpx(paragraphs)``: an OWPML package with the same content.
- ``pdf(lines)``: a one-font Korean PDF with fpdf2 and the font the trips evidence sheet ships.

A paragraph is a string, a ``Table`` (rows of cell strings) or a ``ClickHere`` field.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ClickHere:
    """A 누름틀: ``text`` is the user's entry when ``filled``, else the guide text nobody prints."""

    text: str
    filled: bool


Paragraph = str | Table | ClickHere


# -- the compound file ---------------------------------------------------------------------------

@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[_Entry] | None = None
    start: int = ENDOFCHAIN
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM


def compound_file(streams: dict[str, bytes]) -> bytes:
    """``{"FileHeader": b"…", "BodyText/Section0": b"…"}`` → the bytes of a compound file."""
    root = _Entry("Root Entry", 5, children=[])
    for path, data in streams.items():
        node = root
        *storages, name = path.split("/")
        for storage in storages:
            found = next((c for c in node.children or [] if c.name == storage and c.kind == 1), None)
            if found is None:
                found = _Entry(storage, 1, children=[])
                node.children.append(found)  # type: ignore[union-attr]
            node = found
        node.children.append(_Entry(name, 2, data=data))  # type: ignore[union-attr]
    entries: list[_Entry] = []
    _number(root, entries)
    # Big streams in regular sectors, small ones in the mini stream (itself in regular sectors).
    sectors: list[bytes] = []
    fat: list[int] = []

    def chain(data: bytes) -> int:
        count = max(1, -(-len(data) // SECTOR))
        first = len(sectors)
        for i in range(count):
            sectors.append(data[i * SECTOR:(i + 1) * SECTOR].ljust(SECTOR, b"\0"))
            fat.append(first + i + 1 if i + 1 < count else ENDOFCHAIN)
        return first

    mini = bytearray()
    minifat: list[int] = []
    for entry in entries:
        if entry.kind == 2 and 0 < len(entry.data) < MINI_CUTOFF:
            count = -(-len(entry.data) // MINI_SECTOR)
            first = len(minifat)
            mini += entry.data.ljust(count * MINI_SECTOR, b"\0")
            minifat += [first + i + 1 if i + 1 < count else ENDOFCHAIN for i in range(count)]
            entry.start = first
    # the mini stream (FileHeader among it) first, as Hancom's files have it near the start
    root.start = chain(bytes(mini)) if mini else ENDOFCHAIN
    root.data = bytes(mini)
    for entry in entries:
        if entry.kind == 2 and len(entry.data) >= MINI_CUTOFF:
            entry.start = chain(entry.data)
    minifat_start = chain(b"".join(struct.pack("<I", v) for v in minifat)) if minifat else ENDOFCHAIN
    minifat_sectors = -(-len(minifat) * 4 // SECTOR) if minifat else 0
    directory = b"".join(_dir_entry(e) for e in entries)
    directory += b"".join(_dir_entry(None) for _ in range((-len(entries)) % 4))
    dir_start = chain(directory)
    # FAT sectors describe every sector, themselves included.
    fat_count = 1
    while fat_count * (SECTOR // 4) < len(sectors) + fat_count:
        fat_count += 1
    if fat_count > 109:
        raise ValueError("compound file too large for this writer (no DIFAT)")
    fat_start = len(sectors)
    fat += [FATSECT] * fat_count
    fat += [FREESECT] * (fat_count * (SECTOR // 4) - len(fat))
    table = b"".join(struct.pack("<I", v) for v in fat)
    sectors += [table[i * SECTOR:(i + 1) * SECTOR] for i in range(fat_count)]
    difat = [fat_start + i for i in range(fat_count)] + [FREESECT] * (109 - fat_count)
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"\0" * 16, 0x3E, 3,
                         0xFFFE, 9, 6, b"\0" * 6, 0, fat_count, dir_start, 0, MINI_CUTOFF, minifat_start,
                         minifat_sectors, ENDOFCHAIN, 0)
    header += b"".join(struct.pack("<I", v) for v in difat)
    return header + b"".join(sectors)


def _number(root: _Entry, entries: list[_Entry]) -> None:
    """Directory ids in breadth order; each storage's children as a balanced binary tree in CFB
    order (shorter names first, then by upper-case name)."""
    entries.append(root)
    queue = [root]
    while queue:
        node = queue.pop(0)
        children = sorted(node.children or [], key=lambda c: (len(c.name), c.name.upper()))
        ids = {}
        for child in children:
            ids[id(child)] = len(entries)
            entries.append(child)
        node.child = _tree(children, ids)
        queue += [c for c in children if c.kind == 1]


def _tree(children: Sequence[_Entry], ids: dict[int, int]) -> int:
    if not children:
        return NOSTREAM
    middle = len(children) // 2
    node = children[middle]
    node.left = _tree(children[:middle], ids)
    node.right = _tree(children[middle + 1:], ids)
    return ids[id(node)]


def _dir_entry(entry: _Entry | None) -> bytes:
    if entry is None:
        return b"\0" * 64 + struct.pack("<HBBIII16sIQQIQ", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, b"\0" * 16,
                                        0, 0, 0, 0, 0)
    name = entry.name.encode("utf-16-le")
    size = len(entry.data) if entry.kind in (2, 5) else 0
    start = entry.start if entry.kind in (2, 5) and size else (ENDOFCHAIN if entry.kind != 1 else 0)
    return name.ljust(64, b"\0") + struct.pack("<HBBIII16sIQQIQ", len(name) + 2, entry.kind, 1, entry.left,
                                               entry.right, entry.child, b"\0" * 16, 0, 0, 0, start, size)


# -- HWP 5 ---------------------------------------------------------------------------------------

TAG_DOCUMENT_PROPERTIES, TAG_PARA_HEADER, TAG_PARA_TEXT, TAG_CTRL_HEADER = 16, 66, 67, 71
TAG_LIST_HEADER, TAG_TABLE = 72, 77


def _record(tag: int, level: int, payload: bytes) -> bytes:
    if len(payload) >= 0xFFF:
        return struct.pack("<II", tag | level << 10 | 0xFFF << 20, len(payload)) + payload
    return struct.pack("<I", tag | level << 10 | len(payload) << 20) + payload


def _ctrl_chars(code: int, ctrl_id: bytes = b"\0\0\0\0") -> bytes:
    """An inline/extended control: 8 WCHARs (code, 4-byte id, 8 bytes, code)."""
    return struct.pack("<H", code) + ctrl_id[::-1] + b"\0" * 8 + struct.pack("<H", code)


def _text_units(text: str) -> bytes:
    out = bytearray()
    for char in text:
        if char == "\t":
            out += _ctrl_chars(9)
        elif char == "\n":
            out += struct.pack("<H", 10)
        else:
            out += char.encode("utf-16-le")
    return bytes(out)


def _paragraph(level: int, body: bytes, controls: bytes = b"") -> bytes:
    text = body + struct.pack("<H", 13)
    header = struct.pack("<IIHBBHHHI", len(text) // 2, 0, 0, 0, 0, 1, 0, 1, 0)
    return _record(TAG_PARA_HEADER, level, header) + _record(TAG_PARA_TEXT, level + 1, text) + controls


def _hwp_section(paragraphs: Sequence[Paragraph]) -> bytes:
    out = bytearray()
    for paragraph in paragraphs:
        if isinstance(paragraph, str):
            out += _paragraph(0, _text_units(paragraph))
        elif isinstance(paragraph, ClickHere):
            props = (1 << 15) if paragraph.filled else 0
            body = _ctrl_chars(3, b"%clk") + _text_units(paragraph.text) + _ctrl_chars(4, b"%clk")
            command = "Clickhere:set:0:Direction:wstring:0: HelpState:wstring:0: ".encode("utf-16-le")
            field = b"%clk"[::-1] + struct.pack("<IBH", props, 0, len(command) // 2) + command + b"\0" * 4
            out += _paragraph(0, body, _record(TAG_CTRL_HEADER, 1, field))
        else:
            rows, cols = len(paragraph.rows), max(len(r) for r in paragraph.rows)
            cells = bytearray(_record(TAG_TABLE, 2, struct.pack("<IHH", 0, rows, cols) + b"\0" * 10))
            for r, row in enumerate(paragraph.rows):
                for c, cell in enumerate(row):
                    cells += _record(TAG_LIST_HEADER, 2, struct.pack("<HIHHHHII", 1, 0, c, r, 1, 1, 0, 0))
                    cells += _paragraph(2, _text_units(cell))
            control = _record(TAG_CTRL_HEADER, 1, b"tbl "[::-1] + b"\0" * 40) + bytes(cells)
            out += _paragraph(0, _ctrl_chars(11, b"tbl "), control)
    return bytes(out)


def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def hwp(paragraphs: Sequence[Paragraph], *, password: bool = False, distribution: bool = False) -> bytes:
    """An HWP 5.0.3 file whose body holds ``paragraphs`` (compressed, as Hancom saves by default).
    ``password`` / ``distribution`` set those FileHeader bits (the body is then NOT encrypted:
    enough to test that readers refuse such files by their header)."""
    flags = 1 | (2 if password else 0) | (4 if distribution else 0)
    header = b"HWP Document File".ljust(32, b"\0") + struct.pack("<II", 0x05000300, flags)
    header = header.ljust(256, b"\0")
    doc_info = _record(TAG_DOCUMENT_PROPERTIES, 0, struct.pack("<H7I", 1, 1, 1, 1, 1, 1, 1, 0)[:26])
    preview = "\r\n".join(p if isinstance(p, str) else "" for p in paragraphs)[:1024]
    streams = {
        "FileHeader": header,
        "DocInfo": _deflate(doc_info),
        "BodyText/Section0": _deflate(_hwp_section(paragraphs)),
        "PrvText": preview.encode("utf-16-le"),
    }
    return compound_file(streams)


# -- HWPX ----------------------------------------------------------------------------------------

_HP = "http://www.hancom.co.kr/hwpml/2011/paragraph"
_HS = "http://www.hancom.co.kr/hwpml/2011/section"


def _xml_text(text: str) -> str:
    from xml.sax.saxutils import escape

    parts = []
    for i, line in enumerate(text.split("\n")):
        if i:
            parts.append("<hp:lineBreak/>")
        parts.append("<hp:tab/>".join(escape(piece) for piece in line.split("\t")))
    return "".join(parts)


def _hwpx_paragraph(paragraph: Paragraph, number: list[int]) -> str:
    number[0] += 1
    opening = f'<hp:p id="{number[0]}" paraPrIDRef="0" styleIDRef="0"><hp:run charPrIDRef="0">'
    if isinstance(paragraph, str):
        return f"{opening}<hp:t>{_xml_text(paragraph)}</hp:t></hp:run></hp:p>"
    if isinstance(paragraph, ClickHere):
        field = (f'<hp:ctrl><hp:fieldBegin id="{number[0]}" type="CLICK_HERE" name="" '
                 f'dirty="{1 if paragraph.filled else 0}"/></hp:ctrl>')
        return (f"{opening}{field}<hp:t>{_xml_text(paragraph.text)}</hp:t>"
                f'<hp:ctrl><hp:fieldEnd beginIDRef="{number[0]}"/></hp:ctrl></hp:run></hp:p>')
    rows = "".join("<hp:tr>" + "".join(
        f"<hp:tc><hp:subList>{_hwpx_paragraph(cell, number)}</hp:subList></hp:tc>" for cell in row)
        + "</hp:tr>" for row in paragraph.rows)
    return f'{opening}<hp:tbl rowCnt="{len(paragraph.rows)}">{rows}</hp:tbl><hp:t/></hp:run></hp:p>'


def hwpx(paragraphs: Sequence[Paragraph], *, encrypted: bool = False) -> bytes:
    """An OWPML package (mimetype first and stored, like Hancom writes it). ``encrypted`` marks the
    section encrypted in the manifest, as a password-protected HWPX does."""
    number = [0]
    section = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes" ?><hs:sec xmlns:hs="{_HS}" '
               f'xmlns:hp="{_HP}">' + "".join(_hwpx_paragraph(p, number) for p in paragraphs) + "</hs:sec>")
    encryption = ('<odf:file-entry odf:full-path="Contents/section0.xml"><odf:encryption-data/>'
                  "</odf:file-entry>" if encrypted else "")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><odf:manifest '
                f'xmlns:odf="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">{encryption}</odf:manifest>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/hwp+zip", compress_type=zipfile.ZIP_STORED)
        archive.writestr("version.xml", '<?xml version="1.0" encoding="UTF-8"?><hv:HCFVersion '
                         'xmlns:hv="http://www.hancom.co.kr/hwpml/2011/version" major="5" minor="1"/>')
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("Contents/content.hpf", '<?xml version="1.0" encoding="UTF-8"?><opf:package '
                         'xmlns:opf="http://www.idpf.org/2007/opf/"><opf:spine>'
                         '<opf:itemref idref="section0"/></opf:spine></opf:package>')
        archive.writestr("Contents/section0.xml", section)
    return buffer.getvalue()


# -- PDF -----------------------------------------------------------------------------------------

FONT = Path(__file__).resolve().parents[2] / "chalicelib" / "trips" / "fonts" / "GDeskGothicKR-Regular.ttf"


def pdf(lines: Sequence[str], *, password: str | None = None) -> bytes:
    """A PDF with ``lines`` as its text layer (the Korean font embedded unless every line is ASCII);
    ``password`` encrypts it."""
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    if all(line.isascii() for line in lines):
        document.set_font("helvetica", size=11)  # a core font: no font file to embed, made in milliseconds
    else:
        document.add_font("gdesk", "", str(FONT))
        document.set_font("gdesk", size=11)
    for line in lines:
        document.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    if password:
        document.set_encryption(owner_password=password + "-owner", user_password=password)
    return bytes(document.output())
