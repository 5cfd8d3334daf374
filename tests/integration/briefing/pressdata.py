"""Korean press releases written for these tests, and the feeds / pages that carry them."""

from __future__ import annotations

from datetime import datetime, timedelta  # noqa: F401 - re-exported for tests
from html import escape

from chalicelib.briefing.dates import KST

RELEASES = {
    "road": ("도로 포트홀 신고, 국민비서 알림으로 처리 결과까지 안내",
             "행정안전부는 지방자치단체 도로 포트홀 신고의 처리 결과를 국민비서 알림으로 안내하는 서비스를 "
             "시작한다고 밝혔다. 신고가 접수되면 관할 도로관리과에 즉시 전달되고, 보수가 끝나면 신고자에게 "
             "사진과 함께 결과가 통보된다. 행정안전부는 우기 전 집중 보수 기간을 운영하고 도로 순찰 인력을 "
             "확충하도록 지방자치단체에 요청했다."),
    "welfare": ("기초연금 소득인정액 기준 개선 시행령 개정안 입법예고",
                "보건복지부는 기초연금 수급자의 소득인정액 산정 기준을 개선하는 "
                "시행령 개정안을 입법예고한다. 근로소득 공제액을 올리고 "
                "노인 일자리 참여 소득 일부를 소득인정액에서 제외해 일하는 어르신의 "
                "수급 탈락을 줄이는 것이 핵심이다. 의견은 다음 달 말까지 받는다."),
    "climate": ("공공기관 온실가스 감축 목표 상향, 건물 에너지 진단 의무화",
                "환경부는 공공기관 온실가스 목표관리제 지침을 개정해 감축 목표를 상향하고, "
                "연면적 3천 제곱미터 이상 공공건물의 에너지 진단을 의무화한다고 밝혔다. "
                "기후환경정책과는 기관별 이행 실적을 "
                "분기마다 점검할 계획이다."),
}


def rss_source(sid: str, agency: str, url: str, interval: str = "10m") -> dict[str, str]:
    return {"id": sid, "agency": agency, "kind": "rss", "url": url, "interval": interval}


def article(key: str, *, meta_charset: str | None = "utf-8", attachment: bool = False) -> str:
    title, body = RELEASES[key]
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    paragraphs = "".join(f"<p>{escape(s.strip())}.</p>" for s in body.split(".") if s.strip())
    files = ('<div class="files"><a href="/files/press-attach.hwp">붙임1. 세부 추진계획.hwp</a> '
             '<a href="/download.do?fileSn=2">붙임2. 참고자료.pdf</a></div>') if attachment else ""
    return (f"<html><head>{meta}<title>{escape(title)} | 테스트 부처</title></head><body>"
            f'<nav><a href="/">홈</a> <a href="/list">보도자료</a></nav>'
            f"<article><h1>{escape(title)}</h1><div class='content'>{paragraphs}</div>{files}</article>"
            "<footer>저작권 테스트 부처. 무단 전재 금지.</footer></body></html>")


def rss(base: str, entries: list[tuple[str, str, datetime]], *, encoding: str = "utf-8") -> str:
    items = "".join(
        f"<item><title>{escape(RELEASES[key][0])}</title><link>{base}{path}</link>"
        f"<description>{escape(RELEASES[key][1][:60])}</description><author>테스트부</author>"
        f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0900')}</pubDate></item>"
        for key, path, when in entries)
    return (f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
            f"<title>테스트 보도자료</title><link>{base}/</link>{items}</channel></rss>")


def list_page(entries: list[tuple[str, str, datetime]]) -> str:
    rows = "".join(
        f'<tr><td class="subject"><a href="{path}">{escape(RELEASES[key][0])}</a></td>'
        f'<td class="date">{when.strftime("%Y.%m.%d %H:%M")}</td></tr>' for key, path, when in entries)
    return (f'<html><head><meta charset="utf-8"></head><body><table class="board"><tbody>{rows}'
            '<tr><td class="subject"><a href="javascript:fn_view(3)">스크립트 링크</a></td></tr>'
            "</tbody></table></body></html>")


def recent(minutes: int = 30) -> datetime:
    return datetime.now(KST) - timedelta(minutes=minutes)
