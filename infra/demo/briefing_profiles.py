"""Demo of the briefing notifier: interest profiles for the demo employees and a local messenger
inbox (a signed-webhook receiver on 127.0.0.1) whose received alerts the demo shows.

``seed(ctx)`` is called by ``infra/demo/briefing.py`` (the crawler's demo) before the first crawl:
it turns on loopback channel URLs for the local cloud, starts the inbox, and gives E1001, E1002
and E1003 a profile (department, duties, keywords, followed agencies) with a webhook channel to
``<inbox>/hooks/<user>``. Profiles that already exist are left as they are (a user may have
edited them on the page).
"""

from __future__ import annotations

import html
import json
import os
import threading
from collections import deque
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from infra.local.demo import DemoContext

KST = timezone(timedelta(hours=9))
INBOX_PORT = 8099  # a stable URL when free; otherwise any free port
DEMO_SECRET_PREFIX = "gdesk-demo-signing-key-"  # + user id: the HMAC key of each demo webhook

DEMO_PROFILES: dict[str, dict[str, Any]] = {
    "E1001": {
        "department": "도로관리과",
        "duties": "도로 유지보수와 포트홀 정비, 겨울철 제설 대책, 교량·터널 안전점검, 도로 점용 허가",
        "keywords": ("제설", "포트홀", "도로 보수", "교량", "터널", "도로 안전"),
        "exclusions": ("인사 발령",),
        "agencies": ("국토교통부", "행정안전부"),
    },
    "E1002": {
        "department": "복지정책과",
        "duties": "기초생활보장 급여, 긴급복지 지원, 복지 사각지대 발굴, 노인 일자리와 돌봄 서비스",
        "keywords": ("기초생활보장", "긴급복지", "사각지대", "돌봄", "노인 일자리", "생계급여"),
        "exclusions": (),
        "agencies": ("보건복지부",),
    },
    "E1003": {
        "department": "기후환경정책과",
        "duties": "탄소중립 이행계획, 온실가스 감축, 미세먼지 저감 대책, 재생에너지 보급",
        "keywords": ("탄소중립", "온실가스", "미세먼지", "재생에너지", "기후위기", "배출권"),
        "exclusions": (),
        "agencies": ("환경부", "기후에너지환경부", "산업통상자원부"),
    },
}


class DemoInbox:
    """A messenger stand-in: receives signed webhook POSTs at /hooks/<user>, verifies them, and
    shows them at / (HTML, refreshes itself) and /messages.json."""

    def __init__(self, port: int = 0, limit: int = 200) -> None:
        self.messages: deque[dict[str, Any]] = deque(maxlen=limit)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.server.timeout = 0.5

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def hook_url(self, user_id: str) -> str:
        return f"{self.url}/hooks/{user_id}"

    def serve_until(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                self.server.handle_request()
        finally:
            self.server.server_close()

    def received(self, user_id: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.messages if user_id is None or m["user"] == user_id]

    def _record(self, user_id: str, headers: Any, body: bytes) -> None:
        from chalicelib.briefing.notifying.channels import webhook

        try:
            payload = json.loads(body)
        except ValueError:
            payload = {"title": "(JSON 아님)"}
        verified = webhook.verify(DEMO_SECRET_PREFIX + user_id, headers, body)
        with self.lock:
            self.messages.appendleft({
                "user": user_id,
                "received_at": datetime.now(UTC).astimezone(KST).isoformat(timespec="seconds"),
                "verified": verified, "delivery": headers.get(webhook.DELIVERY_HEADER, ""),
                "payload": payload})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                parts = self.path.strip("/").split("/")
                length = min(int(self.headers.get("Content-Length") or 0), 256 * 1024)
                body = self.rfile.read(length)
                if len(parts) != 2 or parts[0] != "hooks":
                    self._send(404, "application/json", b'{"ok": false}')
                    return
                inbox._record(parts[1], self.headers, body)
                self._send(200, "application/json", b'{"ok": true}')

            def do_GET(self) -> None:  # noqa: N802
                if self.path.startswith("/messages.json"):
                    data = json.dumps({"messages": inbox.received()}, ensure_ascii=False).encode()
                    self._send(200, "application/json; charset=utf-8", data)
                elif self.path in ("/", "/index.html"):
                    self._send(200, "text/html; charset=utf-8", inbox.page().encode())
                else:
                    self._send(404, "text/plain; charset=utf-8", "없음".encode())

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def page(self) -> str:
        rows = []
        for m in self.received():
            p = m["payload"]
            if p.get("type") == "briefing.digest":
                title = html.escape(str(p.get("title", "")))
                detail = "<br>".join(f'· {html.escape(str(i.get("title", "")))} '
                                     f'<small>({html.escape(str(i.get("reason", "")))})</small>'
                                     for i in p.get("items", []))
            else:
                title = (f'<a href="{html.escape(str(p.get("url", "")), quote=True)}">'
                         f'{html.escape(str(p.get("title", "")))}</a>')
                detail = (f'{html.escape(str(p.get("agency", "")))} · '
                          f'{html.escape(str(p.get("published_at", ""))[:16].replace("T", " "))}<br>'
                          f'사유: {html.escape(str(p.get("reason", "")))}')
            name = {"E1001": "김민준", "E1002": "이서연", "E1003": "박지훈"}.get(m["user"], m["user"])
            badge = "서명 확인 ✓" if m["verified"] else "서명 불일치 ✗"
            rows.append(f'<tr><td>{html.escape(m["received_at"][11:19])}</td>'
                        f'<td>{html.escape(name)} ({html.escape(m["user"])})</td>'
                        f"<td><b>{title}</b><br><small>{detail}</small></td><td>{badge}</td></tr>")
        body = "".join(rows) or '<tr><td colspan="4">아직 받은 알림이 없습니다.</td></tr>'
        return ("<!doctype html><html lang=\"ko\"><head><meta charset=\"utf-8\">"
                "<meta http-equiv=\"refresh\" content=\"10\"><title>데모 메신저 수신함</title>"
                "<style>body{font-family:sans-serif;margin:16px}td,th{border-bottom:1px solid #ddd;"
                "padding:6px;text-align:left;vertical-align:top}table{border-collapse:collapse;width:100%}"
                "</style></head><body><h1>데모 메신저 수신함</h1>"
                "<p>AI 비서가 보낸 알림(HMAC 서명 웹훅)입니다. 10초마다 새로 고칩니다.</p>"
                "<table><tr><th>시각</th><th>받는 사람</th><th>내용</th><th>서명</th></tr>"
                f"{body}</table></body></html>")


def _inbox_port() -> int:
    from infra.local.moto_server import free_port, port_free

    return INBOX_PORT if port_free(INBOX_PORT) else free_port()


def seed_profiles(inbox: DemoInbox, store: Any = None) -> list[str]:
    """Create the demo profiles that do not exist yet; returns the user ids created."""
    from chalicelib import wiring
    from chalicelib.briefing.notifying.profiles import Channel, Profile

    store = store or wiring.briefing_notify_store()
    created = []
    for user_id, fields in DEMO_PROFILES.items():
        if store.get_profile(user_id) is not None:
            continue
        channel = Channel("demo-inbox", "webhook", url=inbox.hook_url(user_id), has_secret=True)
        store.put_channel_secrets(user_id, {channel.id: {"secret": DEMO_SECRET_PREFIX + user_id}})
        # No quiet hours in the demo, so alerts arrive whenever the demo runs.
        store.put_profile(Profile(user_id=user_id, channels=(channel,), quiet_start="00:00",
                                  quiet_end="00:00", hourly_cap=20, **fields), 0)
        created.append(user_id)
    return created


def seed(ctx: DemoContext) -> list[str]:
    """Start the inbox, allow loopback channels, seed the profiles; returns the lines to print."""
    from chalicelib.settings import get_settings

    os.environ["GDESK_NOTIFY_ALLOW_LOOPBACK"] = "1"  # the local cloud only: channels on 127.0.0.1
    get_settings.cache_clear()
    inbox = DemoInbox(_inbox_port())
    ctx.spawn("briefing-inbox", lambda: inbox.serve_until(ctx.stop))
    seed_profiles(inbox)
    return [f"AI 비서 데모 메신저 수신함(김민준·이서연·박지훈 알림): {inbox.url}/",
            f"AI 비서 내 브리핑: {ctx.api_url}/briefing"]
