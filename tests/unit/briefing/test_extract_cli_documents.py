"""`gdesk extract FILE` on attachments: the type comes from the content, whatever the file is called."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.cli import main
from infra.demo.office_files import Table, hwp, hwpx, pdf


@pytest.mark.parametrize(("make", "kind"), [(hwp, "hwp"), (hwpx, "hwpx")])
def test_extract_prints_the_text_of_an_hwp_or_hwpx_whatever_its_name(
        make, kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    misnamed = tmp_path / "download.do"
    misnamed.write_bytes(make(["경상남도 스마트팜 확대", Table((("지역", "곳"), ("창원", "12"))) ]))
    assert main(["extract", str(misnamed)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {"kind": kind, "ok": True, "text": "경상남도 스마트팜 확대\n지역\n곳\n창원\n12"}


def test_extract_prints_the_text_of_a_pdf_named_html(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "press.html"
    page.write_bytes(pdf(["Gyeongsangnam-do smart farm"]))
    assert main(["extract", str(page)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {"kind": "pdf", "ok": True, "text": "Gyeongsangnam-do smart farm"}


def test_extract_refuses_a_password_protected_file_with_its_reason(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    locked = tmp_path / "secret.hwp"
    locked.write_bytes(hwp(["비밀"], password=True))
    assert main(["extract", str(locked)]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out) == {"kind": "hwp", "ok": False, "text": "", "code": "encrypted",
                               "reason": "암호가 걸린 문서라 읽을 수 없습니다"}
    assert err.startswith("gdesk: error: ") and "암호" in err


def test_extract_refuses_a_binary_that_is_no_document(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    image = tmp_path / "photo.hwp"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 64)
    assert main(["extract", str(image)]) == 1
    assert json.loads(capsys.readouterr().out)["code"] == "unsupported"
