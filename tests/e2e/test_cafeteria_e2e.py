"""Cafeteria end to end: `gdesk up` with the simulated cameras, headless Chromium on /cafeteria and
on the widget framed by a portal page; counts this test puts on the stream show in the badge and
the chart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from infra.local.moto_server import free_port
from tests.e2e.pagekit import context
from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS, stop_gdesk

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
GDESK = Path(sys.executable).parent / "gdesk"
SPEED = 12


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDESK_", "AWS_", "POWERTOOLS_"))}
    env.update({"GDESK_HOME": str(home), "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


class Portal:
    """The internal portal: a page on another origin that frames the widget."""

    def __init__(self, widget_url: str) -> None:
        body = (f'<!doctype html><html lang="ko"><body><h1>내부 포털</h1><iframe id="w" src="{widget_url}" '
                f'width="320" height="280"></iframe></body></html>').encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[dict[str, Any]]:
    api_port, aws_port = free_port(), free_port()
    allowed = Portal(f"http://127.0.0.1:{api_port}/cafeteria/widget")
    other = Portal(f"http://127.0.0.1:{api_port}/cafeteria/widget")
    home = tmp_path / "home"
    # The portal's origin is allowed the way a deployment allows it: the template parameter.
    template = (ROOT / "template.yaml").read_text(encoding="utf-8")
    declared = "  CafeteriaWidgetOrigins:\n    Type: String\n    Default: \"'self'\"\n"
    assert declared in template
    (tmp_path / "template.yaml").write_text(template.replace(declared, declared.replace(
        "\"'self'\"", f"\"'self',{allowed.url.rstrip('/')}\"")), encoding="utf-8")
    # This test's own camera must be configured for 한식 (only configured cameras count) and left
    # alone by the simulated ones.
    zones = json.loads((ROOT / "chalicelib/cafeteria/zones.json").read_text(encoding="utf-8"))
    next(z for z in zones["zones"] if z["id"] == "korean")["cameras"].append("e2e-cam")
    zones["demo_silent_cameras"] = ["e2e-cam"]
    zones_file = tmp_path / "zones.json"
    zones_file.write_text(json.dumps(zones, ensure_ascii=False), encoding="utf-8")
    process = subprocess.Popen([str(GDESK), "up", "--api-port", str(api_port), "--aws-port", str(aws_port),
                                "--template", str(tmp_path / "template.yaml")],
                               cwd=tmp_path, env=_env(home, GDESK_CAFETERIA_DEMO_SPEED=str(SPEED),
                                                      GDESK_CAFETERIA_ZONES_FILE=str(zones_file)),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
            if line.startswith("Ctrl-C to stop"):
                break
        assert any(line.startswith("READY ") for line in lines), lines
        threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()  # type: ignore[union-attr]
        token = subprocess.run([str(GDESK), "token", "--user", "E1001"], cwd=tmp_path, env=_env(home),
                               capture_output=True, text=True, timeout=60, check=True).stdout.strip()
        yield {"api": f"http://127.0.0.1:{api_port}", "aws": f"http://127.0.0.1:{aws_port}",
               "token": token, "lines": lines, "portal": allowed.url, "other_portal": other.url}
    finally:
        allowed.close()
        other.close()
        stop_gdesk(process)


def _server_now(cloud: dict[str, Any]) -> tuple[datetime, float]:
    body = requests.get(cloud["api"] + "/cafeteria/now", timeout=10,
                        headers={"Authorization": f"Bearer {cloud['token']}"}).json()
    return datetime.fromisoformat(body["now"]), time.monotonic()


def _put_crowd(cloud: dict[str, Any], seconds: float) -> None:
    """A camera of this test reports 110 people in the 한식 queue, stamped with the demo clock."""
    kinesis = boto3.client("kinesis", endpoint_url=cloud["aws"], region_name="ap-northeast-2",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    stream = next(s for s in kinesis.list_streams()["StreamNames"] if s.endswith("DensityStream"))
    server_now, at = _server_now(cloud)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ts = server_now + timedelta(seconds=(time.monotonic() - at) * SPEED)
        record = {"camera_id": "e2e-cam", "zone": "korean", "count": 110, "ts": ts.isoformat()}
        kinesis.put_record(StreamName=stream, Data=json.dumps(record).encode(), PartitionKey="e2e-cam")
        time.sleep(0.5)


def test_the_page_and_the_widget_show_what_the_cameras_report(cloud: dict[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    assert any(line.endswith("/cafeteria") for line in cloud["lines"]), cloud["lines"]
    page_response = requests.get(cloud["api"] + "/cafeteria", timeout=10)
    assert "frame-ancestors 'none'" in page_response.headers["Content-Security-Policy"]
    widget_response = requests.get(cloud["api"] + "/cafeteria/widget", timeout=10)
    assert f"frame-ancestors 'self' {cloud['portal'].rstrip('/')}" in \
        widget_response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in widget_response.headers

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 420, "height": 900})  # a phone
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(cloud["api"] + "/login")
            page.evaluate("t => localStorage.setItem('gdesk.token', t)", cloud["token"])
            page.goto(cloud["api"] + "/cafeteria")
            # the simulated cameras: a level, a wait, a curve, a best slot from the seeded history
            page.locator("#badge:not([data-level=''])").wait_for(timeout=45000)  # CSP: no eval, locators
            assert page.inner_text("#badge") in ("여유", "보통", "혼잡", "매우혼잡")
            assert page.inner_text("#wait").startswith("예상 대기")
            page.locator("#chart polyline.today").first.wait_for(timeout=30000)
            assert page.locator("#chart polygon.band").count() >= 1
            assert page.inner_text("#best") != "-"
            assert page.locator(".zone").count() == 3

            _put_crowd(cloud, seconds=6)
            page.locator("#badge[data-level='매우혼잡']").wait_for(timeout=45000)
            korean = page.locator(".zone[data-zone='korean'] .badge")
            assert korean.inner_text() == "매우혼잡"
            wait = float(page.get_attribute("#wait", "data-wait") or 0)
            assert wait >= 110 / 15  # at least this camera's queue over the total service rate
            assert float(page.get_attribute("#chart", "data-max-wait") or 0) >= 110 / 15  # the spike is drawn
            assert not errors, errors

            portal = context.new_page()
            portal.goto(cloud["portal"])
            frame = portal.frame_locator("#w")
            frame.locator("#badge[data-level='매우혼잡']").wait_for(timeout=30000)
            assert "예상 대기" in frame.locator("#wait").inner_text()

            blocked = context.new_page()
            blocked.goto(cloud["other_portal"])
            blocked.wait_for_timeout(2000)
            (child,) = [f for f in blocked.frames if f != blocked.main_frame]
            assert child.url.startswith("chrome-error://") or not child.query_selector("#badge")
        finally:
            browser.close()


def test_the_page_says_no_data_when_the_cameras_are_silent(
        local_cloud: Any, api_url: str, token: Any, runtime: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, browser: Any) -> None:
    """On the test session's local cloud (no simulator): zones nobody reports for show 데이터 없음;
    one count through the stream and the function brings the badge back."""
    import secrets

    from chalicelib import wiring
    from chalicelib.settings import get_settings

    zone = f"korean-{secrets.token_hex(3)}"
    doc = json.loads((ROOT / "chalicelib/cafeteria/zones.json").read_text(encoding="utf-8"))
    doc["zones"] = [{**doc["zones"][0], "id": zone}]
    (tmp_path / "zones.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("GDESK_CAFETERIA_ZONES_FILE", str(tmp_path / "zones.json"))
    get_settings.cache_clear()
    wiring.reset()
    try:
        page = context(browser, 1366, token("E1002")).new_page()
        try:
            page.goto(api_url + "/cafeteria")
            page.locator(".zone").first.wait_for(timeout=20000)
            assert page.inner_text("#badge") == "데이터 없음"
            assert page.inner_text("#wait") == "데이터 없음"
            assert "데이터 없음" in page.inner_text(".zone")

            kinesis = boto3.client("kinesis", region_name="ap-northeast-2")
            record = {"camera_id": "cam-korean-1", "zone": zone, "count": 27,
                      "ts": datetime.now().astimezone().isoformat()}
            kinesis.put_record(StreamName=local_cloud.stack.physical["DensityStream"],
                               Data=json.dumps(record).encode(), PartitionKey="cam-korean-1")
            for _ in range(20):
                if not runtime.drive_kinesis_once("DensityStreamFunction"):
                    break
            page.reload()
            page.locator("#badge[data-level='혼잡']").wait_for(timeout=20000)
            assert page.inner_text("#wait") == "예상 대기 4.5분"
        finally:
            page.context.close()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
        wiring.reset()
