"""The local press-release site of the demo: what the crawler crawls under `gdesk up`.

One ``ThreadingHTTPServer`` on 127.0.0.1 (a free port) serving, like a ministry's or a province's
site would:
- ``/rss/press.xml`` — RSS 2.0 of the ministries' releases (ETag / Last-Modified, 304 on match);
- ``/board/list.do`` — the province's HTML list page (a table, a ``javascript:`` row like real
  boards have), crawled with CSS selectors;
- ``/press/view.do?newsId=N`` — the release pages; one is EUC-KR with no charset anywhere,
  some link an HWP attachment (``/files/N.hwp``: a real HWP 5 file made in code; in one of them,
  the province's 공공건축물 plan, the keywords of 기후환경정책과 appear only in the attachment);
- ``/robots.txt``; ``POST /admin/publish`` publishes the next queued release now (or the one in
  the JSON body: ``{"agency", "title", "paragraphs": [...], "department", "channel", "attachment",
  "attachment_paragraphs": [...]}``).
A publisher thread releases the next queued release every ``interval`` seconds.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from chalicelib.briefing.dates import KST
from infra.demo.briefing_releases import RELEASES, Release

PROVINCE = "경상남도"


@dataclass(frozen=True)
class Published:
    number: int
    release: Release
    at: datetime

    @property
    def path(self) -> str:
        if self.release.channel == "board":
            return f"/board/view.do?seq={self.number}"
        return f"/press/view.do?newsId={self.number}"


class PressSite:
    def __init__(self, releases: tuple[Release, ...] = RELEASES, initial: int = 6, interval: float = 180.0,
                 port: int = 0) -> None:
        self.queue = list(releases)
        self.published: list[Published] = []
        self.interval = interval
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.server.daemon_threads = True
        now = datetime.now(KST).replace(microsecond=0)
        for index in range(min(initial, len(self.queue))):
            self.publish(at=now - timedelta(minutes=25 * (initial - index)))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> PressSite:
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.2},
                         name="briefing-site", daemon=True).start()
        return self

    def run_publisher(self) -> None:
        """Publish the next queued release every ``interval`` seconds until stopped."""
        while not self.stop_event.wait(self.interval):
            if not self.publish():
                return

    def stop(self) -> None:
        self.stop_event.set()
        self.server.shutdown()
        self.server.server_close()

    # -- content ---------------------------------------------------------------------------------

    def publish(self, release: Release | None = None, at: datetime | None = None) -> Published | None:
        with self.lock:
            if release is None:
                if not self.queue:
                    return None
                release = self.queue.pop(0)
            entry = Published(len(self.published) + 1, release,
                              at or datetime.now(KST).replace(microsecond=0))
            self.published.append(entry)
            return entry

    def find(self, number: int) -> Published | None:
        with self.lock:
            return self.published[number - 1] if 0 < number <= len(self.published) else None

    def channel(self, name: str) -> list[Published]:
        with self.lock:
            return [p for p in reversed(self.published) if p.release.channel == name][:30]

    def sources(self) -> dict[str, Any]:
        """The crawler's sources file for this site."""
        return {"sources": [
            {"id": "demo-press", "agency": "정책브리핑(데모)", "kind": "rss",
             "url": f"{self.url}/rss/press.xml", "interval": "1m", "agency_from_entry": True},
            {"id": "demo-province", "agency": PROVINCE, "kind": "html_list",
             "url": f"{self.url}/board/list.do", "interval": "1m",
             "list": {"item": "table.board-list tbody tr", "link": "td.subject a", "date": "td.date"}},
        ]}


def rss(site: PressSite) -> bytes:
    items = []
    for entry in site.channel("rss"):
        release = entry.release
        items.append(
            f"<item><title>{escape(release.title)}</title><link>{site.url}{escape(entry.path)}</link>"
            f"<description>{escape(release.paragraphs[0])}</description>"
            f"<author>{escape(release.agency)}</author><category>보도자료</category>"
            f"<guid isPermaLink=\"false\">demo-{entry.number}</guid>"
            f"<pubDate>{format_datetime(entry.at)}</pubDate></item>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>보도자료 (G-Desk 데모)</title><link>{site.url}/</link>"
            "<description>부처 보도자료 데모 피드</description><language>ko</language>"
            f"{''.join(items)}</channel></rss>").encode()


def board(site: PressSite) -> bytes:
    rows = "".join(
        f'<tr><td class="num">{p.number}</td><td class="subject"><a href="{escape(p.path)}">'
        f"{escape(p.release.title)}</a></td><td class=\"dept\">{escape(p.release.department)}</td>"
        f'<td class="date">{p.at:%Y.%m.%d %H:%M}</td></tr>' for p in site.channel("board"))
    notice = ('<tr class="notice"><td class="num">공지</td><td class="subject">'
              '<a href="javascript:fn_egov_inqire_notice(1)">누리집 개편 안내</a></td>'
              "<td></td><td></td></tr>")
    return (f'<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>{PROVINCE} 보도자료</title>'
            f'</head><body><h1>{PROVINCE} 보도자료</h1><table class="board-list"><thead><tr><th>번호</th>'
            f"<th>제목</th><th>담당부서</th><th>등록일</th></tr></thead><tbody>{notice}{rows}</tbody></table>"
            "</body></html>").encode()


def article(site: PressSite, entry: Published) -> tuple[bytes, str]:
    release = entry.release
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in release.paragraphs)
    files = ""
    if release.attachment:
        files = (f'<div class="attach"><strong>첨부파일</strong><ul><li><a href="/files/{entry.number}.hwp">'
                 f"{escape(release.attachment)}</a></li></ul></div>")
    meta = "" if release.euc_kr else (
        f'<meta charset="utf-8"><meta property="og:title" content="{escape(release.title)}">'
        f'<meta property="article:published_time" content="{entry.at.isoformat()}">')
    html = (f'<!doctype html><html lang="ko"><head>{meta}<title>{escape(release.title)} | '
            f"{escape(release.agency)}</title></head><body>"
            f'<header><a href="/">{escape(release.agency)}</a> <nav><a href="/rss/press.xml">RSS</a> '
            '<a href="/board/list.do">보도자료</a> <a href="/">조직안내</a></nav></header>'
            f'<div class="view"><h2 class="title">{escape(release.title)}</h2>'
            f'<dl class="info"><dt>담당부서</dt><dd>{escape(release.department)}</dd><dt>등록일</dt>'
            f"<dd>{entry.at:%Y-%m-%d %H:%M}</dd></dl>"
            f'<div class="view_cont">{paragraphs}</div>{files}'
            f'<p class="contact">문의: {escape(release.agency)} {escape(release.department)} '
            f"044-200-{entry.number:04d}</p></div>"
            "<footer>이 누리집은 G-Desk 로컬 데모용입니다. 무단 전재 및 재배포 금지.</footer></body></html>")
    if release.euc_kr:
        return html.encode("cp949"), "text/html"  # no charset in the header, none in the page
    return html.encode("utf-8"), "text/html; charset=utf-8"


def attachment_file(entry: Published) -> bytes:
    """The release's HWP attachment: a real HWP 5 file (OLE compound file, compressed BodyText)."""
    from infra.demo.office_files import hwp

    release = entry.release
    return hwp(release.attachment_paragraphs or (release.title, *release.paragraphs))


def index(site: PressSite) -> bytes:
    return ('<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>G-Desk 데모 보도자료</title>'
            '</head><body><h1>G-Desk 데모 보도자료 사이트</h1><ul>'
            '<li><a href="/rss/press.xml">부처 보도자료 RSS</a></li>'
            f'<li><a href="/board/list.do">{PROVINCE} 보도자료 게시판</a></li></ul>'
            f"<p>게시된 보도자료 {len(site.published)}건, 대기 {len(site.queue)}건</p>"
            "</body></html>").encode()


def _handler(site: PressSite) -> type[BaseHTTPRequestHandler]:
    return type("Handler", (_Handler,), {"site": site})


class _Handler(BaseHTTPRequestHandler):
    server_version = "GDeskDemoPress/1.0"
    site: PressSite

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet demo
        return

    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        if parts.path in ("/press/view.do", "/board/view.do"):
            self._article(parse_qs(parts.query))
        elif parts.path.startswith("/files/") and parts.path.endswith(".hwp"):
            self._attachment(parts.path)
        elif parts.path == "/rss/press.xml":
            self._conditional(rss(self.site), "application/rss+xml; charset=utf-8")
        else:
            status, body, content_type = {
                "/board/list.do": (200, board, "text/html; charset=utf-8"),
                "/robots.txt": (200, lambda s: b"User-agent: *\nDisallow: /admin/\n", "text/plain"),
                "/": (200, index, "text/html; charset=utf-8"),
            }.get(parts.path, (404, lambda s: b"not found", "text/plain"))
            self._send(status, body(self.site), content_type)

    def _attachment(self, path: str) -> None:
        entry = self.site.find(_int(path.rsplit("/", 1)[-1].removesuffix(".hwp")))
        if entry is None or not entry.release.attachment:
            self._send(404, "없는 첨부파일입니다.".encode(), "text/plain; charset=utf-8")
            return
        self._send(200, attachment_file(entry), "application/x-hwp",
                   {"Content-Disposition": "attachment; filename*=UTF-8''" + quote(entry.release.attachment)})

    def _article(self, query: dict[str, list[str]]) -> None:
        entry = self.site.find(_int((query.get("newsId") or query.get("seq") or ["0"])[0]))
        if entry is None:
            self._send(404, "없는 보도자료입니다.".encode(), "text/plain; charset=utf-8")
            return
        self._send(200, *article(self.site, entry))

    def do_POST(self) -> None:  # noqa: N802
        if urlsplit(self.path).path != "/admin/publish":
            self._send(404, b"not found", "text/plain")
            return
        length = min(_int(self.headers.get("Content-Length", "0")), 64 * 1024)
        raw = self.rfile.read(length) if length else b""
        try:
            release = _release_from_json(json.loads(raw)) if raw.strip() else None
        except (ValueError, KeyError, TypeError) as exc:
            self._send(400, json.dumps({"error": str(exc)}).encode(), "application/json")
            return
        entry = self.site.publish(release)
        if entry is None:
            self._send(409, json.dumps({"error": "no queued release"}).encode(), "application/json")
            return
        body = {"number": entry.number, "url": self.site.url + entry.path, "title": entry.release.title,
                "agency": entry.release.agency, "published_at": entry.at.isoformat()}
        self._send(201, json.dumps(body, ensure_ascii=False).encode(), "application/json")

    def _conditional(self, body: bytes, content_type: str) -> None:
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        latest = max((p.at for p in self.site.published), default=datetime.now(KST))
        headers = {"ETag": etag, "Last-Modified": format_datetime(latest.astimezone(KST), usegmt=False)}
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self._send(200, body, content_type, headers)


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0


def _release_from_json(data: Any) -> Release:
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    paragraphs = data.get("paragraphs") or [data["body"]]
    if not all(isinstance(p, str) and p.strip() for p in paragraphs):
        raise ValueError("paragraphs must be non-empty strings")
    channel = data.get("channel", "rss")
    if channel not in ("rss", "board"):
        raise ValueError("channel must be rss or board")
    attached = data.get("attachment_paragraphs") or []
    if not isinstance(attached, list) or not all(isinstance(p, str) and p.strip() for p in attached):
        raise ValueError("attachment_paragraphs must be a list of non-empty strings")
    number = hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:8]
    return Release(key=f"custom-{number}", agency=str(data["agency"]),
                   department=str(data.get("department", "")),
                   title=str(data["title"]), paragraphs=tuple(paragraphs), channel=channel,
                   attachment=data.get("attachment"), attachment_paragraphs=tuple(attached))
