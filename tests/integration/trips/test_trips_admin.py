"""Admin and auditor work on the local API: HR CSV import (route and `gdesk trips import`), the
printable evidence sheet, and the month's settlement CSV."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from chalicelib.trips.verdict import KST

pytestmark = pytest.mark.integration

HEADER = "사번,성명,부서,출장지,주소,위도,경도,시작,종료,출장목적\n"


def _rows(employee: str, day: datetime) -> str:
    d = day.strftime("%Y-%m-%d")
    return (f"{employee},김민준,도로관리과,함안군청,함안군 가야읍,35.2722,128.4065,{d} 09:00,{d} 18:00,협의\n"
            f"{employee},김민준,도로관리과,밀양시청,,35.5038,128.7467,{d} 09:00,{d} 08:00,역전된 시간\n"
            f"{employee},김민준,도로관리과,진주시청,,북위,128.1076,{d} 09:00,{d} 18:00,회의\n"
            f"{employee},김민준,도로관리과,통영시청,,34.8544,128.4331,{d} 13:00,{d} 17:00,현장\n")


def test_admin_imports_the_hr_csv_with_line_numbered_errors(
        api_url: str, http: requests.Session, auth_headers: Callable[..., dict[str, str]]) -> None:
    day = datetime.now(UTC).astimezone(KST) + timedelta(days=3)
    # CP949 (what many HR systems still export) goes as bytes: API Gateway passes text/csv as UTF-8.
    body = (HEADER + _rows("E1001", day)).encode("cp949")
    url = f"{api_url}/admin/trips/import"
    csv_type = {"Content-Type": "application/octet-stream"}
    assert http.post(url, data=body, headers={**auth_headers("E1001"), **csv_type}).status_code == 403
    assert http.post(url, data=body, headers={**auth_headers("A2001"), **csv_type}).status_code == 403
    dry = http.post(url + "?dry_run=1", data=body, headers={**auth_headers("M9001"), **csv_type}).json()
    assert dry["dry_run"] is True and dry["valid_rows"] == 2 and dry["imported"] == 0
    report = http.post(url, data=body, headers={**auth_headers("M9001"), **csv_type}).json()
    assert report["imported"] == 2 and report["valid_rows"] == 2
    assert [(e["line"], e["field"]) for e in report["errors"]] == [(3, "end"), (4, "lat")]
    assert "종료 시각" in report["errors"][0]["message"]
    again = http.post(url, data=body, headers={**auth_headers("M9001"), **csv_type}).json()
    assert again["imported"] == 0 and again["already_imported_lines"] == [2, 5]
    as_text = http.post(url, data=(HEADER + _rows("E1001", day)).encode("utf-8"),
                        headers={**auth_headers("M9001"), "Content-Type": "text/csv; charset=utf-8"}).json()
    assert as_text["valid_rows"] == 2 and as_text["already_imported_lines"] == [2, 5]
    mine = http.get(f"{api_url}/trips", headers=auth_headers("E1001")).json()["trips"]
    imported = {t["trip_id"]: t for t in mine if t["source"] == "import"}
    assert {r["trip_id"] for r in report["trips"]} <= set(imported)
    assert {imported[r["trip_id"]]["destination"] for r in report["trips"]} == {"함안군청", "통영시청"}


@pytest.mark.parametrize(("body", "status"), [
    (b"", 422), (b"just,a,header\n", 422), (b"\xff\xfe" + "잘못".encode("utf-16-le") * 50, 422)])
def test_a_broken_file_imports_nothing(api_url: str, http: requests.Session,
                                       auth_headers: Callable[..., dict[str, str]], body: bytes,
                                       status: int) -> None:
    response = http.post(f"{api_url}/admin/trips/import", data=body,
                         headers={**auth_headers("M9001"), "Content-Type": "application/octet-stream"})
    assert response.status_code == status and response.json()["error"]["field"] == "file"


def test_gdesk_trips_import_command(tmp_path: Path, capsys: pytest.CaptureFixture[str], local_cloud: Any
                                    ) -> None:
    from infra.cli import main
    from infra.local.cloud import reset_app_caches

    day = datetime.now(UTC).astimezone(KST) + timedelta(days=5)
    path = tmp_path / "orders.csv"
    path.write_text(HEADER + _rows("E1002", day), encoding="utf-8-sig")
    saved = dict(os.environ)
    try:
        code = main(["trips", "import", str(path), "--stack", local_cloud.stack_name,
                     "--endpoint", local_cloud.endpoint_url, "--home", local_cloud.home, "--by", "M9001"])
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_app_caches()
    out = capsys.readouterr().out
    assert code == 1  # some rows had errors
    assert "orders.csv:3: end:" in out and "orders.csv:4: lat:" in out
    assert "유효 2행 · 가져옴 2건" in out
    from chalicelib.wiring import trips_store as store

    destinations = {t.destination for t in store().trips_of("E1002") if t.source == "import"}
    assert {"함안군청", "통영시청"} <= destinations


def test_evidence_sheet_for_the_traveller_and_auditors_only(
        api_url: str, http: requests.Session, make_trip: Any, consent: Any, prove: Any,
        auth_headers: Callable[..., dict[str, str]]) -> None:
    consent("E1001")
    trip = make_trip(destination="창원시 성산구청")
    proof = prove(trip["trip_id"]).json()
    url = f"{api_url}/trips/{trip['trip_id']}/evidence"
    for user in ("E1001", "A2001", "M9001"):
        response = http.get(url, headers=auth_headers(user))
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    html = http.get(url, headers=auth_headers("E1001")).text
    assert "출장 방문 증빙서" in html and "창원시 성산구청" in html and "김민준" in html
    assert proof["proof_id"] in html and "<svg" in html and "출장지 확인" in html
    assert "35.2386" not in html  # distance only, never the exact position
    assert http.get(url, headers=auth_headers("E1002")).status_code == 403
    missing = http.get(f"{api_url}/trips/tnosuchtrip00/evidence", headers=auth_headers("E1001"))
    assert missing.status_code == 404


def test_evidence_pdf_through_the_api_carries_a_qr_that_verifies(
        api_url: str, http: requests.Session, make_trip: Any, consent: Any, prove: Any,
        auth_headers: Callable[..., dict[str, str]]) -> None:
    import pypdfium2 as pdfium
    import zxingcpp

    consent("E1001")
    trip = make_trip(destination="김해시청")
    created = prove(trip["trip_id"])
    assert created.status_code == 201, created.text
    url = f"{api_url}/trips/{trip['trip_id']}/evidence.pdf"
    response = http.get(url, headers={**auth_headers("A2001"), "Accept": "application/pdf"})
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    assert f"trip-evidence-{trip['trip_id']}.pdf" in response.headers["Content-Disposition"]
    page = pdfium.PdfDocument(response.content)[0]
    assert "김해시청" in page.get_textpage().get_text_range()
    [code] = zxingcpp.read_barcodes(page.render(scale=2).to_pil())
    assert code.text == created.json()["verify_url"]
    verdict = http.post(f"{api_url}/proofs/verify", json={"token": code.text}).json()
    assert verdict["valid"] is True
    assert http.get(url, headers=auth_headers("E1002")).status_code == 403
    assert http.get(url).status_code == 401


def test_settlement_csv_of_the_month(api_url: str, http: requests.Session, make_trip: Any, consent: Any,
                                     prove: Any, auth_headers: Callable[..., dict[str, str]]) -> None:
    consent("E1001")
    trip = make_trip(destination="양산시청")
    created = prove(trip["trip_id"])
    assert created.status_code == 201, created.text
    proof = created.json()
    month = datetime.now(UTC).astimezone(KST).strftime("%Y-%m")
    url = f"{api_url}/admin/proofs.csv?month={month}"
    assert http.get(url, headers=auth_headers("E1001")).status_code == 403
    bad = http.get(f"{api_url}/admin/proofs.csv?month=2025-13", headers=auth_headers("M9001"))
    assert bad.status_code == 422
    assert http.get(f"{api_url}/admin/proofs.csv", headers=auth_headers("M9001")).status_code == 422
    response = http.get(url, headers=auth_headers("M9001"))
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert f"trip-proofs-{month}.csv" in response.headers["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    [row] = [r for r in rows if r["증빙번호"] == proof["proof_id"]]
    assert row["출장지"] == "양산시청" and row["성명"] == "김민준" and row["결과"] == "확인"
    assert http.get(url, headers=auth_headers("A2001")).status_code == 200
    assert http.get(f"{api_url}/admin/proofs.csv?month=2020-01", headers=auth_headers("M9001")).content \
        .decode("utf-8-sig").count("\r\n") == 1  # the header only
