from __future__ import annotations

import pytest

from chalicelib.briefing import dates
from chalicelib.briefing.crawling.charset import decode
from chalicelib.briefing.crawling.feeds import FeedError, parse_html_list, parse_rss
from chalicelib.briefing.crawling.sources import ListSelectors

RSS = """<?xml version="1.0" encoding="euc-kr"?>
<rss version="2.0"><channel><title>보도자료</title>
<item><title><![CDATA[기초연금 <b>제도</b> 개선]]></title>
<link>/briefing/view.do?newsId=1&amp;call_from=rss</link>
<description>&lt;p&gt;보건복지부는 기초연금 제도를 개선한다.&lt;/p&gt;</description>
<author>보건복지부</author><pubDate>Wed, 01 May 2024 10:00:00 +0900</pubDate></item>
<item><title>제목만 있는 항목</title></item>
<item><title>시간대 없는 항목</title><link>https://www.korea.kr/x?id=2</link>
<pubDate>2024-05-02 09:30</pubDate></item>
</channel></rss>"""


def test_euc_kr_rss_without_a_header_parses_in_korean() -> None:
    text, codec = decode(RSS.encode("cp949"), "text/xml")
    entries = parse_rss(text, "https://www.korea.kr/rss/dept_mohw.xml")
    assert codec == "cp949" and len(entries) == 2  # the entry without a link is dropped
    first = entries[0]
    assert first.title == "기초연금 제도 개선"
    assert first.url == "https://www.korea.kr/briefing/view.do?newsId=1&call_from=rss"
    assert first.summary == "보건복지부는 기초연금 제도를 개선한다."
    assert first.author == "보건복지부"
    assert first.published_at == "2024-05-01T10:00:00+09:00"


def test_atom_feeds_parse_too() -> None:
    atom = ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
            '<entry><title>환경부 공지</title><link href="https://me.go.kr/n/1"/>'
            "<updated>2024-05-01T01:00:00Z</updated><summary>요약</summary></entry></feed>")
    [entry] = parse_rss(atom, "https://me.go.kr/atom")
    assert (entry.url, entry.published_at) == ("https://me.go.kr/n/1", "2024-05-01T10:00:00+09:00")


@pytest.mark.parametrize("text", [
    "<rss><channel><item><title>깨진", "<html><body>not a feed</body></html>", ""])
def test_broken_or_non_feeds_are_feed_errors(text: str) -> None:
    with pytest.raises(FeedError):
        parse_rss(text, "https://x.go.kr/rss")


def test_an_empty_but_valid_feed_has_no_entries() -> None:
    assert parse_rss('<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
                     "https://x.go.kr/rss") == []


LIST = """<html><body><table class="board"><tbody>
<tr><td class="subject"><a href="view.do?seq=10">  도로 보수   공사 안내 </a></td>
<td class="date">2024.05.03</td></tr>
<tr><td class="subject"><a href="javascript:fn_view('11')">스크립트 링크</a></td>
<td class="date">2024.05.03</td></tr>
<tr><td class="subject"><a href="/board/view.do?seq=12">복지 사각지대 발굴</a></td>
<td class="date">24-05-04 14:30</td></tr>
<tr><td class="subject">링크 없음</td></tr>
</tbody></table></body></html>"""


def test_html_list_rows_links_titles_and_dates() -> None:
    selectors = ListSelectors(item="table.board tr", link="td.subject a", date="td.date")
    entries = parse_html_list(LIST, "https://www.province.go.kr/board/list.do?page=1", selectors)
    base = "https://www.province.go.kr/board/view.do"
    assert [(e.url, e.title, e.published_at) for e in entries] == [
        (f"{base}?seq=10", "도로 보수 공사 안내", "2024-05-03T00:00:00+09:00"),
        (f"{base}?seq=12", "복지 사각지대 발굴", "2024-05-04T14:30:00+09:00"),
    ]


def test_a_list_page_that_changed_shape_is_an_error() -> None:
    with pytest.raises(FeedError, match="matches nothing"):
        parse_html_list(LIST, "https://x.go.kr/", ListSelectors(item="ul.news li"))


@pytest.mark.parametrize(("text", "iso"), [
    ("2024-05-01", "2024-05-01T00:00:00+09:00"),
    ("2024. 5. 1.(수) 14:05", "2024-05-01T14:05:00+09:00"),
    ("2024년 5월 1일", "2024-05-01T00:00:00+09:00"),
    ("등록일 2024/05/01 09:00:30", "2024-05-01T09:00:30+09:00"),
    ("2024-05-01T01:00:00Z", "2024-05-01T10:00:00+09:00"),
])
def test_korean_dates(text: str, iso: str) -> None:
    moment = dates.parse_any(text)
    assert moment is not None and dates.to_kst_iso(moment) == iso


def test_no_date() -> None:
    assert dates.parse_any("날짜 없음") is None and dates.parse_any("2024-13-45") is None
