"""The evidence sheet and the settlement CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from chalicelib.trips import orders, reports


def _order(**overrides: object) -> orders.TripOrder:
    body = {"destination": "<script>x</script>경남도청", "lat": 35.2383, "lon": 128.6925,
            "start": "2025-05-20T09:00", "end": "2025-05-20T18:00", "purpose": "=HYPERLINK(\"x\")",
            **overrides}
    return orders.parse_order(body, employee_id="E1001", name="김민준", department="도로관리과")


def _proof(pid: str, passed: bool = True, **extra: object) -> dict[str, object]:
    return {"proof_id": pid, "trip_id": "t1", "employee_id": "E1001",
            "created_at": "2025-05-20T03:00:00.000000Z", "judged_at": "2025-05-20T03:00:00.000000Z",
            "delayed": False, "token": "x.y.z",
            "verdict": {"passed": passed, "within_window": True, "within_radius": passed, "accuracy_ok": True,
                        "distance_m": 120 if passed else 2300, "flags": [] if passed else ["clock_skew"],
                        "reasons": [] if passed else ["목적지에서 2.3km 떨어져 있습니다 (허용 반경 300m)"],
                        "message": "m"}, **extra}


def test_csv_has_a_bom_korean_headers_and_no_formulas() -> None:
    order = _order()
    revoked = _proof("p2", passed=False, revoked={"reason": "-중복", "at": "", "by": "M"})
    data = reports.proofs_csv([(_proof("p1"), order), (revoked, order)])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == reports.CSV_HEADER
    first, second = (dict(zip(rows[0], row, strict=True)) for row in rows[1:])
    assert first["성명"] == "김민준" and first["결과"] == "확인"
    assert first["판정시각(KST)"] == "2025-05-20 12:00"
    assert second["결과"] == "미확인" and second["주의"] == "단말기 시각 차이"
    assert second["취소사유"] == "'-중복"
    assert "35.2383" not in data.decode("utf-8-sig")  # no positions in the settlement file
    assert b"\r\n" in data


def test_evidence_sheet_escapes_and_shows_the_latest_proofs_with_qr() -> None:
    order = _order(purpose="현장 점검")
    proofs = [_proof("p1"), _proof("p2", passed=False), _proof("p3")]
    html = reports.evidence_html(order, proofs, {"p1": "<svg id='q1'></svg>", "p2": "<svg id='q2'></svg>"},
                                 datetime(2025, 5, 20, 9, 0, tzinfo=UTC), "https://gdesk.example")
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html
    assert "<svg id='q1'>" in html and "<svg id='q2'>" in html
    assert "그 밖의 증빙" in html and "p3" in html
    assert "2025-05-20 09:00 ~ 18:00 (한국 시각)" in html and "출력 2025-05-20 18:00" in html
    assert "@page { size: A4" in html
    assert "35.2383" not in html


def test_evidence_sheet_without_proofs() -> None:
    html = reports.evidence_html(_order(), [], {}, datetime(2025, 5, 20, tzinfo=UTC), "https://x")
    assert "증빙이 없습니다" in html


def test_generated_ids_appear_in_the_csv_exactly_as_issued() -> None:
    """A proof id is what an auditor searches for in the settlement file: none may be altered by
    the formula guard (token_urlsafe ids started with '-' one time in 64)."""
    from chalicelib.trips.service import new_proof_id

    ids = [new_proof_id() for _ in range(2000)]
    rows = list(csv.DictReader(io.StringIO(
        reports.proofs_csv([(_proof(pid), _order()) for pid in ids]).decode("utf-8-sig"))))
    assert [row["증빙번호"] for row in rows] == ids
    assert len(set(ids)) == len(ids)


def _pdf_page(data: bytes) -> tuple[tuple[float, float], str, Any]:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    assert len(document) == 1  # one A4 page
    page = document[0]
    return page.get_size(), page.get_textpage().get_text_range(), page.render(scale=2).to_pil()


def test_evidence_pdf_is_one_a4_page_with_selectable_korean_and_readable_qr() -> None:
    from dataclasses import replace

    import zxingcpp

    from chalicelib import qr

    order = replace(_order(purpose="金海 현장 점검 😀"), name="똠얌꿻")  # a rare syllable, Hanja, an emoji
    revoked = {"reason": "중복 제출", "at": "", "by": "M"}
    proofs = [_proof("vp1"), _proof("vp2", passed=False, revoked=revoked), _proof("vp3")]
    links = {pid: f"https://gdesk.example/verify#{pid}.{'A' * 460}" for pid in ("vp1", "vp2")}
    data = reports.evidence_pdf(order, proofs, {pid: qr.png(link, scale=4) for pid, link in links.items()},
                                datetime(2025, 5, 20, 9, 0, tzinfo=UTC), "https://gdesk.example")
    assert data.startswith(b"%PDF-") and b"GDeskGothicKR" in data  # the font is embedded
    size, text, image = _pdf_page(data)
    assert [round(v) for v in size] == [595, 842]  # A4 in points
    for expected in ("출장 방문 증빙서", "똠얌꿻 (E1001) · 도로관리과", "金海 현장 점검 □",
                     "출장지 확인 · 목적지에서 120m", "출장지 미확인 · 목적지에서 2,300m",
                     "취소됨: 중복 제출", "주의: 단말기 시각 차이", "판정 시각: 2025-05-20 12:00 (한국 시각)",
                     "그 밖의 증빙", "vp3", "출력 2025-05-20 18:00"):
        assert expected in text, expected
    assert "35.2383" not in text and "128.6925" not in text  # no exact position on the sheet
    assert sorted(r.text for r in zxingcpp.read_barcodes(image)) == sorted(links.values())


def test_evidence_pdf_without_proofs() -> None:
    data = reports.evidence_pdf(_order(), [], {}, datetime(2025, 5, 20, tzinfo=UTC), "https://x")
    assert reports.NO_PROOFS in _pdf_page(data)[1]


def test_a_trip_with_many_proofs_still_fits_one_page() -> None:
    proofs = [_proof(f"vp{i:02d}") for i in range(40)]
    html = reports.evidence_html(_order(), proofs, {}, datetime(2025, 5, 20, tzinfo=UTC), "https://x")
    data = reports.evidence_pdf(_order(), proofs, {}, datetime(2025, 5, 20, tzinfo=UTC), "https://x")
    text = _pdf_page(data)[1]  # asserts one page
    for sheet in (html, text):
        assert "vp09" in sheet and "vp10" not in sheet and "외 30건" in sheet
