"""Duty table (사무분장) import: CSV/XLSX, UTF-8/CP949, row errors by line, merge rules."""

from __future__ import annotations

import io
import zipfile

import pytest

from chalicelib.briefing import duties as d

CSV = ("사번,부서,팀,담당업무\n"
       "E2001,경제정책과,경제분석팀,\"지역 경제 동향, 물가, 금리, 수출입, 고용 통계 분석\"\n"
       "E2002,감염병관리과,방역팀,감염병 예방과 방역\n")


def test_csv_utf8_with_bom_and_cp949_read_the_same() -> None:
    for data in (CSV.encode("utf-8"), "\ufeff".encode() + CSV.encode("utf-8"), CSV.encode("cp949")):
        table = d.parse(data, "duties.csv")
        assert table.errors == []
        assert [(r.line, r.employee_id, r.department, r.team) for r in table.rows] == [
            (2, "E2001", "경제정책과", "경제분석팀"), (3, "E2002", "감염병관리과", "방역팀")]
        assert table.rows[0].duties == "지역 경제 동향, 물가, 금리, 수출입, 고용 통계 분석"


def test_row_errors_name_their_line_and_good_rows_still_count() -> None:
    data = ("employee_id,department,duties\n"
            "E1,도로과,도로 보수\n"
            "\n"
            ",도로과,제설\n"
            "E 9,도로과,제설\n"
            "E3,도로과,\n"
            "E1,도로과,포트홀\n"
            "\"E4\",\"교통과\",\"버스 노선,\n정류장 관리\"\n"
            "E5,교통과,주차\n").encode()
    table = d.parse(data)
    assert [(e.line, e.message) for e in table.errors] == [
        (4, "사번이 비어 있습니다."),
        (5, "사번 ‘E 9’ 형식이 올바르지 않습니다 (영문·숫자 64자 이내)."),
        (6, "담당업무가 비어 있습니다."),
        (7, "사번 E1 이(가) 2행에 이미 있습니다."),
    ]
    assert [(r.line, r.employee_id) for r in table.rows] == [(2, "E1"), (8, "E4"), (10, "E5")]
    assert table.rows[1].duties == "버스 노선, 정류장 관리"


def test_unreadable_files_are_refused_whole() -> None:
    with pytest.raises(d.DutyTableError, match="인코딩"):
        d.parse(b"\xff\xfe\x00\xd8garbage\x81\xff")
    with pytest.raises(d.DutyTableError, match="담당업무"):
        d.parse("사번,부서\nE1,도로과\n".encode())
    with pytest.raises(d.DutyTableError, match="빈 파일"):
        d.parse(b"")
    with pytest.raises(d.DutyTableError, match="XLSX"):
        d.parse(b"not a zip", "table.xlsx")
    with pytest.raises(d.DutyTableError, match="XLSX"):
        d.parse(b"PK\x03\x04broken zip")


def xlsx(rows: list[list[object]]) -> bytes:
    """A minimal XLSX as Excel writes it: shared strings, numbers, one sheet behind a relationship."""
    shared: list[str] = []
    xml_rows = []
    for r_index, row in enumerate(rows, start=1):
        cells = []
        for c_index, value in enumerate(row):
            ref = f"{chr(65 + c_index)}{r_index}"
            if isinstance(value, (int, float)):
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
            elif value:
                shared.append(str(value))
                cells.append(f'<c r="{ref}" t="s"><v>{len(shared) - 1}</v></c>')
        xml_rows.append(f'<row r="{r_index}">{"".join(cells)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel_ns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", f'<workbook {ns} {rel_ns}><sheets>'
                         '<sheet name="사무분장" sheetId="1" r:id="rId7"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels",
                         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                         '<Relationship Id="rId7" Type="worksheet" Target="worksheets/duty.xml"/>'
                         '</Relationships>')
        archive.writestr("xl/sharedStrings.xml", f'<sst {ns}>' + "".join(
            f"<si><t>{s}</t></si>" for s in shared) + "</sst>")
        archive.writestr("xl/worksheets/duty.xml", f'<worksheet {ns}><sheetData>{"".join(xml_rows)}'
                         '</sheetData></worksheet>')
    return buffer.getvalue()


def test_xlsx_first_sheet_with_shared_strings_and_numeric_ids() -> None:
    data = xlsx([["사번", "부서", "팀", "담당업무"], [2001, "경제정책과", "", "물가, 금리 동향"],
                 ["E2002", "문화예술과", "공연팀", ""], [], ["E2003", "문화예술과", "", "축제 지원"]])
    table = d.parse(data, "사무분장.xlsx")
    assert [(r.line, r.employee_id, r.team, r.duties) for r in table.rows] == [
        (2, "2001", "", "물가, 금리 동향"), (5, "E2003", "", "축제 지원")]
    assert [(e.line, e.message) for e in table.errors] == [(3, "담당업무가 비어 있습니다.")]


def test_suggested_keywords_are_the_specific_duty_words() -> None:
    words = d.suggested_keywords("경제정책과", "지역 경제 동향, 물가, 금리, 수출입, 고용 통계 분석")
    assert words[:5] == ["지역", "경제", "물가", "금리", "수출입"]
    assert "동향" not in words and "분석" not in words


def test_merge_never_overwrites_the_employees_own_edits_and_is_idempotent() -> None:
    row = d.parse(CSV.encode()).rows[0]
    fresh = d.merge_duty_row(row, None)
    assert fresh["department"] == "경제정책과" and fresh["duties"].startswith("지역 경제")
    assert "금리" in fresh["suggested_keywords"] and fresh["import_hash"] == row.row_hash()
    assert d.merge_duty_row(row, {**fresh}) == {}  # the same row again: nothing to do
    edited = {"duties": "내가 쓴 업무", "edited": ["duties", "keywords"], "import_hash": "old"}
    updates = d.merge_duty_row(row, edited)
    assert "duties" not in updates and "suggested_keywords" not in updates
    assert updates["department"] == "경제정책과" and updates["import_hash"] == row.row_hash()
