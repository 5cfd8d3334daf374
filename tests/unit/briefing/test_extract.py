"""Extraction of press-release pages written for the project (offline: the network is blocked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.briefing.crawling.extract import extract
from infra.cli import main

BODY = ("국토교통부는 겨울철 도로 결빙 사고를 줄이기 위해 전국 고속도로와 국도의 상습 결빙 구간 "
        "412곳에 자동 염수 분사 장치와 도로 열선을 확충한다고 밝혔다. 지방자치단체 도로관리과는 "
        "제설 자재를 사전에 비축하고, 교량과 터널 출입구 등 취약 구간을 매일 점검한다. 또한 "
        "도로전광표지와 내비게이션으로 결빙 위험 정보를 실시간으로 안내하는 서비스를 시범 운영한다.")
PAGE = f"""<!doctype html><html lang="ko"><head>
<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">
<title>겨울철 도로 결빙 대책 발표 | 국토교통부</title>
<meta property="og:title" content="겨울철 도로 결빙 대책 발표">
<meta property="article:published_time" content="2024-11-20T10:30:00+09:00">
</head><body>
<header><ul class="gnb"><li><a href="/">홈</a></li><li><a href="/news">뉴스</a></li>
<li><a href="/org">조직도</a></li></ul></header>
<div class="view"><h2>겨울철 도로 결빙 대책 발표</h2>
<p class="info">담당부서 도로정책과 · 등록일 2024.11.20</p>
<div class="view_cont">{"".join(f"<p>{s.strip()}.</p>" for s in BODY.split(".") if s.strip())}</div>
<ul class="file">
<li><a href="/fileDownload.do?atchFileId=F1&amp;fileSn=1">[붙임] 결빙 대책 세부계획.hwpx</a></li>
<li><a href="https://files.example.go.kr/press/2024/결빙대책.pdf">보도자료 PDF</a></li>
<li><a href="/fileDownload.do?atchFileId=F1&amp;fileSn=3" title="사진자료.hwp">사진자료</a></li>
<li><a href="/board/list.do">목록</a></li></ul></div>
<footer>(30103) 세종특별자치시 도움6로 11 국토교통부. 무단 전재 및 재배포 금지.</footer>
</body></html>"""


def test_title_text_time_and_attachments() -> None:
    result = extract(PAGE, "https://www.molit.go.kr/news/view.do?id=7")
    assert result.title == "겨울철 도로 결빙 대책 발표"
    assert "상습 결빙 구간" in result.text and "도로관리과" in result.text
    assert "무단 전재" not in result.text and "조직도" not in result.text
    assert result.published_at == "2024-11-20T10:30:00+09:00"
    assert [(a.kind, a.url) for a in result.attachments] == [
        ("hwpx", "https://www.molit.go.kr/fileDownload.do?atchFileId=F1&fileSn=1"),
        ("pdf", "https://files.example.go.kr/press/2024/결빙대책.pdf"),
        ("hwp", "https://www.molit.go.kr/fileDownload.do?atchFileId=F1&fileSn=3"),
    ]
    assert result.attachments[0].name == "[붙임] 결빙 대책 세부계획.hwpx"


def test_times_in_other_shapes_are_kst() -> None:
    utc = PAGE.replace('content="2024-11-20T10:30:00+09:00"', 'content="2024-11-20T01:30:00Z"')
    assert extract(utc).published_at == "2024-11-20T10:30:00+09:00"
    no_meta = PAGE.replace('<meta property="article:published_time" content="2024-11-20T10:30:00+09:00">',
                           '<time datetime="2024-11-20 10:30">11월 20일</time>')
    assert extract(no_meta).published_at == "2024-11-20T10:30:00+09:00"


@pytest.mark.parametrize("html", ["", "   ", "<html></html>", "not html at all \x00\x01", "<<<>>>"])
def test_odd_input_never_raises(html: str) -> None:
    result = extract(html)
    assert result.text == "" or isinstance(result.text, str)
    assert result.attachments == () or isinstance(result.attachments, tuple)


def test_gdesk_extract_prints_json_for_an_euc_kr_file(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    page = tmp_path / "press.html"
    page.write_bytes(PAGE.encode("cp949"))
    assert main(["extract", str(page), "--url", "https://www.molit.go.kr/news/view.do?id=7"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"title", "text", "published_at"}
    assert printed["title"] == "겨울철 도로 결빙 대책 발표" and "염수 분사" in printed["text"]
    assert main(["extract", str(page), "--attachments", "--url", "https://www.molit.go.kr/v.do"]) == 0
    assert len(json.loads(capsys.readouterr().out)["attachments"]) == 3
    assert main(["extract", str(page), "--attachments"]) == 0  # no URL: only absolute links are kept
    assert [a["kind"] for a in json.loads(capsys.readouterr().out)["attachments"]] == ["pdf"]


def test_gdesk_extract_reports_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", str(tmp_path / "nope.html")]) == 2
    assert capsys.readouterr().err.startswith("gdesk: error: cannot read")
