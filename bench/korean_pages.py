"""Korean government pages with known main text, built here for bench/extraction.py.

The shared extraction set is English-language news; what the crawler reads is Korean ministries',
the province's and public institutions' release pages. This builds them from the demo releases
(infra/demo/briefing_releases.py, written for the project) in the three layouts those sites use:

- ``board``: an eGovFrame board view — title/department/date in a ``<table>``, the body in a
  ``<td>`` with ``<br>``-separated lines (older boards), attachments, previous/next rows, a
  satisfaction survey and the 공공누리 notice;
- ``portal``: a korea.kr-like release page — the body in ``div.view_cont`` paragraphs, a long
  "most read" side list, related releases, share buttons;
- ``news``: a provincial news portal article — byline, photo with caption, related articles,
  copyright line, comment box.

The truth of each page is the release's paragraphs (not the title, as in the shared set).
"""
# ruff: noqa: E501 - HTML of Korean pages: ruff counts each Hangul syllable as two columns

from __future__ import annotations

from html import escape

from infra.demo.briefing_releases import RELEASES, Release

_MOST_READ = ["2027년 달라지는 제도 총정리", "겨울철 한파 대비 국민행동요령 안내", "청년도약계좌 정부기여금 확대",
              "민생회복 지원금 신청 방법과 일정 안내", "전기차 구매 보조금 지급 기준 개편", "어린이 통학버스 안전 점검 결과",
              "지방소멸대응기금 배분 결과 발표", "공공기관 채용 정보 통합 안내", "국가장학금 2차 신청 접수 시작"]
_KOGL = ("본 저작물은 공공누리 제1유형: 출처표시 조건에 따라 이용할 수 있습니다. 저작권 정책에 관한 자세한 사항은 "
         "누리집 하단의 저작권정책을 확인하세요.")


def _head(release: Release) -> str:
    return (f'<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8"><title>{escape(release.title)} | '
            f'{escape(release.agency)}</title><link rel="stylesheet" href="/css/sub.css"></head><body>'
            '<div id="skip"><a href="#content">본문 바로가기</a></div>'
            f'<header><h1><a href="/">{escape(release.agency)}</a></h1><nav class="gnb"><ul>'
            + "".join(f'<li><a href="/menu{i}.do">{m}</a></li>' for i, m in enumerate(
                ["기관소개", "정책정보", "알림·소식", "정보공개", "국민참여", "민원안내"]))
            + "</ul></nav></header>")


def _foot(release: Release) -> str:
    return (f'<footer id="footer"><ul class="policy"><li><a href="/privacy.do">개인정보처리방침</a></li>'
            '<li><a href="/copyright.do">저작권정책</a></li><li><a href="/email.do">이메일무단수집거부</a></li></ul>'
            f"<address>30128 세종특별자치시 도움6로 11 {escape(release.agency)} 대표전화 044-205-1000</address>"
            f"<p class=\"copy\">COPYRIGHT © {escape(release.agency)}. ALL RIGHTS RESERVED.</p></footer></body></html>")


def board(release: Release, number: int) -> str:
    body = "<br>\n".join(escape(p) for p in release.paragraphs)
    files = (f'<tr><th scope="row">첨부파일</th><td colspan="3"><a href="/files/{number}.hwp">'
             f"{escape(release.attachment)}</a> [한글 52KB] <a href=\"#\">미리보기</a></td></tr>"
             if release.attachment else "")
    return (_head(release) + '<div id="content"><div class="location">홈 &gt; 알림·소식 &gt; 보도자료</div>'
            '<h2 class="sub_tit">보도자료</h2><table class="board_view"><caption>보도자료 상세</caption>'
            f'<tr><th scope="row">제목</th><td colspan="3">{escape(release.title)}</td></tr>'
            f'<tr><th scope="row">담당부서</th><td>{escape(release.department)}</td><th scope="row">등록일</th>'
            f"<td>2026-11-{number % 28 + 1:02d}</td></tr>{files}"
            f'<tr><td colspan="4" class="content">{body}</td></tr></table>'
            '<ul class="prev_next"><li><strong>이전글</strong> <a href="/view.do?seq=1">2026년 하반기 적극행정 우수사례 '
            '선정 결과</a></li><li><strong>다음글</strong> <a href="/view.do?seq=3">국민 생활 밀착형 규제 개선 '
            '과제 공모</a></li></ul><div class="btn_area"><a href="/list.do" class="btn">목록</a></div>'
            '<form class="satisfaction"><p>이 페이지에서 제공하는 정보에 대하여 만족하십니까?</p>'
            '<label><input type="radio" name="s" value="5">매우만족</label><label><input type="radio" name="s">만족'
            '</label><label><input type="radio" name="s">보통</label><label><input type="radio" name="s">불만족'
            f'</label><button type="submit">평가하기</button></form><p class="kogl">{_KOGL}</p></div>'
            + _foot(release))


def portal(release: Release, number: int) -> str:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in release.paragraphs)
    most_read = "".join(f'<li><a href="/news/{i}.do">{escape(t)}</a></li>' for i, t in enumerate(_MOST_READ))
    related = "".join(f'<li><a href="/briefing/{i}.do">{escape(r.title)}</a> <span>{escape(r.agency)}</span></li>'
                      for i, r in enumerate(RELEASES[:4]) if r is not release)
    return (_head(release) + '<div id="content" class="sub_contents"><div class="article_head">'
            f'<span class="source">{escape(release.agency)}</span><h2>{escape(release.title)}</h2>'
            f'<span class="date">2026.11.{number % 28 + 1:02d} {escape(release.department)}</span>'
            '<div class="share"><a href="#">페이스북</a> <a href="#">X</a> <a href="#">URL 복사</a> '
            '<a href="#">인쇄</a></div></div>'
            f'<div class="article_body"><div class="view_cont">{paragraphs}</div>'
            f'<p class="contact">문의: {escape(release.agency)} {escape(release.department)} 044-205-{number:04d}</p>'
            f'</div><div class="related"><h3>관련 보도자료</h3><ul>{related}</ul></div>'
            f'<p class="kogl">{_KOGL}</p></div><aside class="side"><h3>많이 본 뉴스</h3><ol>{most_read}</ol>'
            "</aside>" + _foot(release))


def news(release: Release, number: int) -> str:
    first, *rest = release.paragraphs
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in rest)
    related = "".join(f'<li><a href="/news/articleView.html?idxno={9000 + i}">{escape(t)}</a></li>'
                      for i, t in enumerate(_MOST_READ[:5]))
    return (_head(release) + '<div id="content"><article class="article-view">'
            f'<header class="article-view-header"><h3 class="heading">{escape(release.title)}</h3>'
            f'<ul class="infomation"><li>기자명 도정뉴스 취재팀</li><li>입력 2026.11.{number % 28 + 1:02d} 10:3{number % 10}'
            "</li><li>댓글 0</li></ul></header>"
            f'<div class="article-body" id="article-view-content-div"><p>{escape(first)}</p>'
            f'<figure class="photo-layout"><img src="/news/photo/{number}.jpg" alt=""><figcaption>'
            f"{escape(release.agency)} 전경 (사진 제공: {escape(release.agency)})</figcaption></figure>"
            f"{paragraphs}</div>"
            '<p class="copyright">저작권자 © 도정뉴스 무단전재 및 재배포 금지</p></article>'
            f'<section class="related-articles"><h4>관련기사</h4><ul>{related}</ul></section>'
            '<section class="comments"><h4>댓글</h4><textarea placeholder="로그인 후 댓글을 남겨주세요">'
            "</textarea><button>등록</button></section></div>" + _foot(release))


LAYOUTS = {"board": board, "portal": portal, "news": news}


def pages() -> dict[str, tuple[str, str, str]]:
    """``{page id: (html, url, main text)}`` — every release in every layout."""
    out = {}
    for number, release in enumerate(RELEASES, start=1):
        truth = "\n".join(release.paragraphs)
        for layout, build in LAYOUTS.items():
            out[f"{layout}-{release.key}"] = (build(release, number),
                                              f"https://www.example.go.kr/{layout}/view.do?seq={number}", truth)
    return out
