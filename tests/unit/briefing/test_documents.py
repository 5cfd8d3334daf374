"""The attachment readers on files made here (HWP 5 compound files, HWPX packages, PDFs), and on the
real documents of the shared data set when it is present (skipped with a message otherwise)."""

from __future__ import annotations

import functools
import io
import json
import random
import zipfile
from pathlib import Path

import olefile
import pytest

from chalicelib.briefing.crawling.documents import Limits, read_document, sniff
from chalicelib.briefing.crawling.documents.hwp import section_text
from infra.demo import office_files
from infra.demo.office_files import ClickHere, Table, compound_file, hwp, hwpx


@functools.cache
def pdf(lines: tuple[str, ...] | list[str], password: str | None = None) -> bytes:
    """fpdf2 subsets a 2.8 MB font per file: each PDF is made once per run."""
    return office_files.pdf(list(lines), password=password)

PARAGRAPHS = [
    "경상남도 보도자료\t배포 즉시",
    "첫째 줄\n둘째 줄",
    Table((("구분", "2024년", "2025년"), ("스마트팜 보급", "120곳", "180곳"))),
    ClickHere("내용을 입력하세요", filled=False),
    ClickHere("창원시 의창구", filled=True),
    "문의: 농업정책과",
]
EXPECTED_LINES = ["경상남도 보도자료\t배포 즉시", "첫째 줄", "둘째 줄", "구분", "2024년", "2025년",
                  "스마트팜 보급", "120곳", "180곳", "창원시 의창구", "문의: 농업정책과"]


def _long_korean(words: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    syllables = [chr(c) for c in range(0xAC00, 0xAC00 + 2000)]
    return " ".join("".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(words))


# -- sniffing ------------------------------------------------------------------------------------

def test_the_kind_comes_from_the_bytes_not_the_name() -> None:
    assert sniff(hwp(["가"])) == "hwp"
    assert sniff(hwpx(["가"])) == "hwpx"
    assert sniff(pdf(("PDF",))) == "pdf"
    assert sniff(b"\xef\xbb\xbf<!DOCTYPE html><html><body>x</body></html>") == "html"
    assert sniff(b"<html><head><meta charset=euc-kr></head></html>") == "html"
    assert sniff(b"\x89PNG\r\n\x1a\n....") is None
    assert sniff(compound_file({"WordDocument": b"x" * 100})) is None  # an OLE file that is not HWP
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("report.txt", "not hwpx")
    assert sniff(plain_zip.getvalue()) is None
    assert sniff(b"") is None


# -- HWP 5 ---------------------------------------------------------------------------------------

def test_the_compound_file_written_here_is_read_by_olefile_with_big_and_small_streams() -> None:
    big = bytes(random.Random(1).randbytes(9000))  # regular sectors (≥ 4096 bytes)
    data = compound_file({"FileHeader": b"H" * 256, "BodyText/Section0": big, "BodyText/Section1": b"s" * 70,
                          "DocInfo": b"d" * 5000})
    ole = olefile.OleFileIO(io.BytesIO(data))
    assert sorted(ole.listdir()) == [["BodyText", "Section0"], ["BodyText", "Section1"], ["DocInfo"],
                                     ["FileHeader"]]
    assert ole.openstream("BodyText/Section0").read() == big
    assert ole.openstream("BodyText/Section1").read() == b"s" * 70
    assert ole.openstream("FileHeader").read() == b"H" * 256


def test_hwp_text_keeps_paragraphs_tables_and_filled_fields_and_drops_unfilled_guide_text() -> None:
    result = read_document(hwp(PARAGRAPHS))
    assert (result.kind, result.ok) == ("hwp", True)
    assert result.text.split("\n") == EXPECTED_LINES
    assert "입력하세요" not in result.text


def test_a_long_hwp_section_in_regular_sectors_is_read_whole() -> None:
    body = _long_korean(6000)
    result = read_document(hwp(["머리말", body, "맺음말"]))
    assert result.ok and result.text == f"머리말\n{body}\n맺음말"


@pytest.mark.parametrize(("flags", "reason"),
                         [({"password": True}, "암호"), ({"distribution": True}, "배포용")])
def test_a_protected_hwp_is_refused_with_a_korean_reason(flags: dict[str, bool], reason: str) -> None:
    result = read_document(hwp(["비밀"], **flags))
    assert (result.ok, result.code, result.text) == (False, "encrypted", "")
    assert reason in result.reason


def test_a_corrupt_hwp_is_refused_not_raised() -> None:
    good = hwp([_long_korean(3000)])
    half = read_document(good[:len(good) // 2])
    assert (half.ok, half.code) == (False, "corrupt")
    # cut before anything says "HWP": an unknown compound file, refused all the same
    for broken in (good[:600], good[:8] + b"\0" * 2000):
        result = read_document(broken)
        assert not result.ok and result.code in ("corrupt", "unsupported") and result.reason
    ole_without_body = compound_file({"FileHeader": b"HWP Document File".ljust(32, b"\0") + b"\0" * 224})
    assert read_document(ole_without_body).code == "corrupt"


def test_a_deflate_bomb_in_an_hwp_section_is_refused_as_too_large() -> None:
    result = read_document(hwp(["가" * 200_000]), Limits(max_inflated=100_000))
    assert (result.ok, result.code) == (False, "too_large")
    assert "너무 큽니다" in result.reason


def test_record_stream_cut_mid_record_gives_what_came_before() -> None:
    # PARA_HEADER(level 0) + PARA_TEXT(level 1, "가나") + a header that promises more than is left
    stream = (66 | 0 << 10 | 4 << 20).to_bytes(4, "little") + b"\0" * 4
    stream += (67 | 1 << 10 | 6 << 20).to_bytes(4, "little") + "가나".encode("utf-16-le") + b"\r\0"
    stream += (67 | 1 << 10 | 200 << 20).to_bytes(4, "little") + b"\0\0"
    assert section_text(stream) == "가나"


# -- HWPX ----------------------------------------------------------------------------------------

def test_hwpx_text_follows_the_same_rules_as_hwp() -> None:
    result = read_document(hwpx(PARAGRAPHS))
    assert (result.kind, result.ok) == ("hwpx", True)
    assert result.text.split("\n") == EXPECTED_LINES


def test_an_encrypted_or_broken_or_bombed_hwpx_is_refused() -> None:
    assert read_document(hwpx(["비밀"], encrypted=True)).code == "encrypted"
    good = hwpx([_long_korean(3000)])
    assert read_document(good[: len(good) // 2]).code == "corrupt"
    bomb = read_document(hwpx(["가" * 300_000]), Limits(max_inflated=200_000))
    assert (bomb.ok, bomb.code) == (False, "too_large")
    bad_xml = io.BytesIO()
    with zipfile.ZipFile(bad_xml, "w") as archive:
        archive.writestr("mimetype", "application/hwp+zip")
        archive.writestr("Contents/section0.xml", "<hs:sec><hp:p>unclosed")
    assert read_document(bad_xml.getvalue()).code == "corrupt"


# -- PDF -----------------------------------------------------------------------------------------

def test_pdf_text_layer_is_read() -> None:
    result = read_document(pdf(("경상남도 해외직접투자 동향", "문의 055-211-0000")))
    assert (result.kind, result.ok) == ("pdf", True)
    assert result.text.split("\n") == ["경상남도 해외직접투자 동향", "문의 055-211-0000"]


def test_a_password_protected_or_broken_pdf_is_refused() -> None:
    locked = read_document(pdf(("secret",), password="1234"))
    assert (locked.ok, locked.code, locked.text) == (False, "encrypted", "")
    good = pdf(("PDF",))
    assert read_document(good[:300]).code == "corrupt"


def test_too_many_pages_or_bytes_are_refused_and_long_text_is_cut() -> None:
    many = pdf(tuple(f"page line {n}" for n in range(120)))  # several pages
    assert read_document(many, Limits(max_pages=2)).code == "too_large"
    assert read_document(many, Limits(max_bytes=100)).code == "too_large"
    cut = read_document(hwp(["가" * 5000]), Limits(max_chars=1000))
    assert cut.ok and cut.truncated and len(cut.text) == 1000


def test_unknown_content_is_refused_as_unsupported() -> None:
    result = read_document(b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    assert (result.ok, result.code, result.kind) == (False, "unsupported", None)
    assert "지원하지 않는" in result.reason


# -- the real documents (shared data set) -------------------------------------------------------

_REPO = Path(__file__).resolve().parents[3]
SHARED = next((p for p in (_REPO.parent / "shared" / "data" / "attachments",
                           _REPO.parent.parent / "shared" / "data" / "attachments")
               if (p / "manifest.json").exists()), None)


@pytest.mark.skipif(SHARED is None, reason="shared/data/attachments not present (real documents)")
def test_real_documents_reach_the_goals_and_the_encrypted_one_is_refused() -> None:
    from bench.attachments import char_f1

    assert SHARED is not None
    for entry in json.loads((SHARED / "manifest.json").read_text(encoding="utf-8")):
        result = read_document((SHARED / entry["file"]).read_bytes())
        if entry["expected"] != "text":
            assert (result.ok, result.code) == (False, "encrypted"), entry["file"]
            continue
        reference = (SHARED / f"{entry['file']}.ref.txt").read_text(encoding="utf-8")
        assert result.kind == entry["ext"]
        assert char_f1(reference, result.text)[2] >= (0.90 if entry["ext"] == "hwp" else 0.95), entry["file"]
