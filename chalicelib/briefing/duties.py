"""The organisation's duty table (사무분장): parse an admin's CSV or XLSX into profile rows.

A row is (employee id, 부서, 팀, 담당업무). The file may be UTF-8 (with or without BOM) or CP949
(what Excel saves in Korea); XLSX is read with the standard library (zip + XML, first sheet).
Every problem is reported with its line (CSV line / sheet row) and the good rows still count;
a file that cannot be read at all raises ``DutyTableError``.

Import rules (``merge_duty_row``): an import sets department, team and duties and suggests
keywords; a field the employee has edited themselves is never overwritten; the same row imported
twice changes nothing (``row_hash``).

Pure: no boto3, no Chalice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from chalicelib import csvtext
from chalicelib.briefing import matching

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_XML_BYTES = 50 * 1024 * 1024  # uncompressed, per part read from an XLSX (zip bombs)
MAX_SUGGESTED = 10
_EMPLOYEE_ID = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
HEADERS = {
    "employee_id": ("employee_id", "employee id", "사번", "직원번호", "사원번호", "직원id", "id", "개인번호"),
    "department": ("부서", "부서명", "department", "dept", "소속"),
    "team": ("팀", "팀명", "team", "담당", "계"),
    "duties": ("담당업무", "담당 업무", "업무", "업무내용", "사무분장", "duties", "duty"),
}
REQUIRED = ("employee_id", "department", "duties")
IMPORTED_FIELDS = ("department", "team", "duties")
# Generic duty nouns that make poor alert keywords on their own.
_GENERIC = frozenset("""
분석 동향 계획 수립 관리 업무 지원 총괄 추진 운영 시행 조정 협력 기획 개선 평가 점검 대응 관련 사항 기타
담당 실시 보고 조사 작성 정책 사업 육성 진흥 보존 홍보 추진계획 종합
""".split())
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


class DutyTableError(ValueError):
    """The file as a whole cannot be read (format, encoding, header, size)."""


@dataclass(frozen=True)
class DutyRow:
    line: int
    employee_id: str
    department: str
    team: str
    duties: str

    def row_hash(self) -> str:
        text = "\x1f".join((self.employee_id, self.department, self.team, self.duties))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}


@dataclass
class DutyTable:
    rows: list[DutyRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def decode(data: bytes) -> str:
    """UTF-8 (BOM or not), else CP949; anything else is refused."""
    text = csvtext.decode(data)
    if text is None:
        raise DutyTableError("파일 인코딩을 읽을 수 없습니다. UTF-8 또는 CP949(엑셀 CSV)로 저장하세요.")
    return text


def parse(data: bytes, filename: str = "") -> DutyTable:
    """CSV or XLSX bytes → rows and row errors. XLSX is recognised by its zip signature."""
    if not data:
        raise DutyTableError("빈 파일입니다.")
    if len(data) > MAX_BYTES:
        raise DutyTableError(f"파일이 너무 큽니다 (최대 {MAX_BYTES // (1024 * 1024)} MB).")
    if data[:4] == b"PK\x03\x04":
        records = _xlsx_records(data)
    elif filename.lower().endswith((".xlsx", ".xlsm")):
        raise DutyTableError("XLSX 파일이 아닙니다 (손상되었거나 다른 형식).")
    else:
        records = _csv_records(decode(data))
    return _table(records)


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    line = 1
    try:
        for record in reader:
            yield line, record
            line = reader.line_num + 1
    except csv.Error as exc:
        raise DutyTableError(f"{line}행: CSV 형식 오류 ({exc})") from exc


def _xlsx_part(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_XML_BYTES:
        raise DutyTableError("XLSX 시트가 너무 큽니다.")
    with archive.open(info) as handle:
        return handle.read(MAX_XML_BYTES + 1)[:MAX_XML_BYTES]


def _first_sheet(archive: zipfile.ZipFile) -> str:
    workbook = _xlsx_part(archive, "xl/workbook.xml")
    rels = _xlsx_part(archive, "xl/_rels/workbook.xml.rels")
    if workbook is None:
        raise DutyTableError("XLSX 통합 문서(workbook)가 없습니다.")
    sheet = ET.fromstring(workbook).find("m:sheets/m:sheet", _NS)
    if sheet is None:
        raise DutyTableError("XLSX에 시트가 없습니다.")
    target = "worksheets/sheet1.xml"
    if rels is not None:
        rel_id = sheet.get(_REL_NS)
        for rel in ET.fromstring(rels):
            if rel.get("Id") == rel_id and rel.get("Target"):
                target = str(rel.get("Target"))
    target = target.lstrip("/")
    return target if target.startswith("xl/") else "xl/" + target


def _column_index(ref: str) -> int:
    letters = "".join(ch for ch in ref if ch.isalpha()).upper()
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def _cell_text(cell: ET.Element, shared: list[str]) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{{{_NS['m']}}}t"))
    value = cell.findtext("m:v", default="", namespaces=_NS)
    if kind == "s":
        try:
            return shared[int(value)]
        except (ValueError, IndexError):
            return ""
    if kind == "n" and value.endswith(".0"):
        return value[:-2]  # an employee number typed as a number
    return value


def _xlsx_records(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        shared_xml = _xlsx_part(archive, "xl/sharedStrings.xml")
        shared = []
        if shared_xml is not None:
            for si in ET.fromstring(shared_xml).findall("m:si", _NS):
                shared.append("".join(t.text or "" for t in si.iter(f"{{{_NS['m']}}}t")))
        sheet = _xlsx_part(archive, _first_sheet(archive))
        if sheet is None:
            raise DutyTableError("XLSX 첫 시트를 찾을 수 없습니다.")
        root = ET.fromstring(sheet)
    except (zipfile.BadZipFile, ET.ParseError, KeyError) as exc:
        raise DutyTableError(f"XLSX 파일을 읽을 수 없습니다 ({exc.__class__.__name__}).") from exc
    records = []
    for position, row in enumerate(root.iterfind("m:sheetData/m:row", _NS), start=1):
        line = int(row.get("r") or position)
        values: dict[int, str] = {}
        for order, cell in enumerate(row.findall("m:c", _NS)):
            values[_column_index(cell.get("r") or "") if cell.get("r") else order] = _cell_text(cell, shared)
        width = max(values) + 1 if values else 0
        records.append((line, [values.get(i, "") for i in range(width)]))
    return iter(records)


def _header_map(record: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, raw in enumerate(record):
        name = " ".join(raw.split()).casefold()
        for key, aliases in HEADERS.items():
            if key not in columns and (name in aliases or name.replace(" ", "") in aliases):
                columns[key] = index
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        names = {"employee_id": "사번(employee_id)", "department": "부서", "duties": "담당업무"}
        raise DutyTableError("1행(머리글)에 필요한 열이 없습니다: " + ", ".join(names[m] for m in missing))
    return columns


def _table(records: Iterator[tuple[int, list[str]]]) -> DutyTable:
    table = DutyTable()
    columns: dict[str, int] | None = None
    seen: dict[str, int] = {}
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        if columns is None:
            columns = _header_map(record)
            continue
        if len(table.rows) + len(table.errors) >= MAX_ROWS:
            raise DutyTableError(f"행이 너무 많습니다 (최대 {MAX_ROWS}행).")

        employee_id, department, team, duties = (_cell(record, columns, key) for key in
                                                 ("employee_id", "department", "team", "duties"))
        problem = _row_problem(employee_id, department, team, duties)
        if problem is None and employee_id in seen:
            problem = f"사번 {employee_id} 이(가) {seen[employee_id]}행에 이미 있습니다."
        if problem:
            table.errors.append(RowError(line, problem))
            continue
        seen[employee_id] = line
        table.rows.append(DutyRow(line, employee_id, department, team, duties))
    if columns is None:
        raise DutyTableError("머리글 행이 없습니다 (사번, 부서, 팀, 담당업무).")
    return table


def _cell(record: list[str], columns: Mapping[str, int], key: str) -> str:
    index = columns.get(key)
    return " ".join(record[index].split()) if index is not None and index < len(record) else ""


def _row_problem(employee_id: str, department: str, team: str, duties: str) -> str | None:
    if not employee_id:
        return "사번이 비어 있습니다."
    if not _EMPLOYEE_ID.match(employee_id):
        return f"사번 ‘{employee_id[:30]}’ 형식이 올바르지 않습니다 (영문·숫자 64자 이내)."
    if not duties:
        return "담당업무가 비어 있습니다."
    if len(duties) > 2000:
        return "담당업무가 너무 깁니다 (2000자 이내)."
    if len(department) > 100 or len(team) > 100:
        return "부서 또는 팀 이름이 너무 깁니다 (100자 이내)."
    return None


def suggested_keywords(department: str, duties: str, limit: int = MAX_SUGGESTED) -> list[str]:
    """Words of the duties (particles stripped, generic duty nouns left out) a person can accept
    as alert keywords; the department name's stem comes last."""
    words = matching.duty_words(matching.Interest(duties=duties))
    out = [w for w in words if w not in _GENERIC and 2 <= len(w) <= 12]
    for word in matching.duty_words(matching.Interest(department=department)):
        if word not in out and word not in _GENERIC:
            out.append(word)
    return out[:limit]


def merge_duty_row(row: DutyRow, current: Mapping[str, Any] | None) -> dict[str, Any]:
    """The profile fields an import sets for ``row``, given the current profile record (or None).

    ``current["edited"]``: the fields the employee saved themselves — an import never touches
    them. ``current["import_hash"]`` equal to this row's hash: nothing to do (empty dict)."""
    current = current or {}
    if current.get("import_hash") == row.row_hash():
        return {}
    edited = set(current.get("edited") or ())
    values = {"department": row.department, "team": row.team, "duties": row.duties}
    updates: dict[str, Any] = {k: v for k, v in values.items() if k not in edited and current.get(k) != v}
    if "keywords" not in edited:
        updates["suggested_keywords"] = suggested_keywords(row.department, row.duties)
    updates["import_hash"] = row.row_hash()
    return updates
