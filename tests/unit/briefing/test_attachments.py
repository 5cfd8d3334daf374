"""Attachments in the crawl, without the network: reading them through a fetcher (a stub that
answers like one), composing and splitting the item's text, and the match reason naming the file."""

from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.briefing.attachment_text import compose, readable, split
from chalicelib.briefing.crawling.attachments import excerpt, read_attachments
from chalicelib.briefing.crawling.documents import Limits
from chalicelib.briefing.crawling.fetch import FetchResult, HttpStatusError, TooLarge
from chalicelib.briefing.matching import DocumentFrequencies, Interest, Matcher, document_terms
from chalicelib.briefing.model import Attachment
from infra.demo.office_files import Table, hwp, hwpx

BASE = "https://www.gyeongnam.go.kr/files/"


@dataclass
class StubFetcher:
    """Answers from a dict: bytes, or an exception to raise; records what was asked."""

    answers: dict[str, bytes | Exception]
    asked: list[tuple[str, int | None]] = field(default_factory=list)

    def fetch(self, url: str, *, accept: str = "*/*", max_bytes: int | None = None) -> FetchResult:
        self.asked.append((url, max_bytes))
        answer = self.answers[url]
        if isinstance(answer, Exception):
            raise answer
        return FetchResult(url, 200, {"content-type": "application/octet-stream"}, answer)


def _att(name: str, kind: str = "hwp") -> Attachment:
    return Attachment(name=name, url=BASE + name, kind=kind)  # type: ignore[arg-type]


def test_readable_attachments_give_text_and_an_excerpt_and_bad_ones_a_reason() -> None:
    fetcher = StubFetcher({
        BASE + "plan.hwp": hwp(["스마트팜 혁신밸리 2단계 세부 계획",
                                Table((("지역", "면적"), ("밀양", "22ha")))]),
        BASE + "table.hwpx": hwpx(["예산 총괄표"]),
        BASE + "locked.hwp": hwp(["비밀"], password=True),
        BASE + "gone.pdf": HttpStatusError("HTTP 404", BASE + "gone.pdf", 404),
        BASE + "huge.pdf": TooLarge("body exceeds", BASE + "huge.pdf"),
        BASE + "login.hwp": b"<!DOCTYPE html><html><body>\xeb\xa1\x9c\xea\xb7\xb8\xec\x9d\xb8</body></html>",
    })
    files = [_att("plan.hwp"), _att("table.hwpx", "hwp"), _att("locked.hwp"), _att("gone.pdf", "pdf"),
             _att("huge.pdf", "pdf"), _att("login.hwp")]
    marked, texts = read_attachments(fetcher, files, max_files=6, limits=Limits(max_bytes=1_000_000))
    by_name = {a.name: a for a in marked}
    assert [a.name for a in marked] == [a.name for a in files]  # order and every file kept
    assert texts == [("plan.hwp", "스마트팜 혁신밸리 2단계 세부 계획\n지역\n면적\n밀양\n22ha"),
                     ("table.hwpx", "예산 총괄표")]
    assert by_name["plan.hwp"].status == "read"
    assert by_name["plan.hwp"].excerpt == "스마트팜 혁신밸리 2단계 세부 계획 지역 면적 밀양 22ha"
    assert by_name["table.hwpx"].kind == "hwpx"  # the content decides, not the link's name
    assert by_name["locked.hwp"].status == "unreadable"
    assert by_name["locked.hwp"].reason == "암호가 걸린 문서라 읽을 수 없습니다"
    assert by_name["gone.pdf"].reason == "누리집이 파일을 주지 않았습니다 (HTTP 404)"
    assert by_name["huge.pdf"].reason == "파일이 너무 커서 내려받지 않았습니다"
    assert "웹 페이지" in by_name["login.hwp"].reason and by_name["login.hwp"].status == "unreadable"
    assert all(cap == 1_000_000 for _url, cap in fetcher.asked)  # the attachment cap, not the page cap


def test_only_the_first_files_are_downloaded() -> None:
    fetcher = StubFetcher({BASE + f"{n}.hwp": hwp([f"붙임 {n}"]) for n in range(5)})
    marked, texts = read_attachments(fetcher, [_att(f"{n}.hwp") for n in range(5)], max_files=2)
    assert [a.status for a in marked] == ["read", "read", "skipped", "skipped", "skipped"]
    assert len(fetcher.asked) == 2 and [name for name, _t in texts] == ["0.hwp", "1.hwp"]
    assert "앞의 2개만" in marked[4].reason


def test_compose_and_split_are_inverse_and_strip_the_marker_from_content() -> None:
    text = compose("본문입니다",
                   [("붙임1.hwp", "첫 첨부\n둘째 줄"), ("빈.pdf", "  "), ("붙임2.pdf", "x\x1ey")])
    page, files = split(text)
    assert page == "본문입니다"
    assert files == [("붙임1.hwp", "첫 첨부\n둘째 줄"), ("붙임2.pdf", "x y")]  # the empty one is left out
    assert split("본문만") == ("본문만", [])
    assert readable(text) == "본문입니다\n\n[첨부: 붙임1.hwp]\n첫 첨부\n둘째 줄\n\n[첨부: 붙임2.pdf]\nx y"


def test_excerpt_is_one_short_line() -> None:
    assert excerpt("가나다\n\n라마") == "가나다 라마"
    long = excerpt("단어 " * 200, limit=50)
    assert len(long) <= 51 and long.endswith("…") and "\n" not in long


def _matcher(**interest: object) -> Matcher:
    frequencies = DocumentFrequencies()
    frequencies.add(document_terms("다른 보도자료", "도로 포장 공사 안내"))
    return Matcher(Interest(**interest), frequencies)  # type: ignore[arg-type]


def test_a_keyword_found_only_in_an_attachment_is_named_in_the_reason() -> None:
    matcher = _matcher(department="농업정책과", keywords=("스마트팜", "밀양"))
    text = compose("경상남도는 농업 혁신 사업을 추진한다고 밝혔다.",
                   [("세부계획.hwp", "스마트팜 혁신밸리 밀양 조성")])
    match = matcher.score("경남도 농업 혁신 사업 추진", text)
    assert set(match.keywords) == {"스마트팜", "밀양"}
    assert match.in_attachment == (("스마트팜", "세부계획.hwp"), ("밀양", "세부계획.hwp"))
    assert "키워드 ‘스마트팜’, ‘밀양’ 일치(첨부파일 ‘세부계획.hwp’)" in match.reason
    assert match.relevant


def test_page_keywords_keep_their_reason_and_attachment_ones_are_added() -> None:
    matcher = _matcher(keywords=("스마트팜", "밀양"))
    text = compose("스마트팜 사업 안내", [("붙임.pdf", "밀양 나노산단")])
    match = matcher.score("농업 소식", text)
    assert match.reason.startswith("키워드 ‘스마트팜’ 일치(본문) · 키워드 ‘밀양’ 일치(첨부파일 ‘붙임.pdf’)")
    plain = matcher.score("농업 소식", "스마트팜 밀양")  # no attachment: the old reason, unchanged
    assert plain.in_attachment == () and "첨부" not in plain.reason


def test_an_exclusion_in_an_attachment_excludes_the_item() -> None:
    matcher = _matcher(keywords=("스마트팜",), exclusions=("채용공고",))
    match = matcher.score("스마트팜 소식", compose("본문", [("붙임.hwp", "계약직 채용공고")]))
    assert match.tier == "excluded" and match.excluded_by == "채용공고"
