"""The whole chain on the local cloud, camera to page: a video file goes into ``gdesk-counter``, its
counts go through Kinesis and the density function, and /cafeteria in headless Chromium shows the
zone's level; when the counter stops, the page says 카메라 응답 없음 rather than an empty queue."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.counter_video import write_video
from tests.e2e.pagekit import context

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 12  # 보통 starts at 10, 혼잡 at 25
STALE_SECONDS = 20


def zone_now(api_url: str, headers: dict[str, str], zone: str) -> dict[str, Any]:
    body = requests.get(api_url + "/cafeteria/now", headers=headers, timeout=10).json()
    return next(z for z in body["zones"] if z["zone"] == zone)


def test_a_video_in_the_zone_level_on_the_page_out(
        local_cloud: Any, api_url: str, token: Any, runtime: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, browser: Any) -> None:
    from chalicelib import wiring
    from chalicelib.settings import get_settings

    zone = f"korean-{secrets.token_hex(3)}"
    camera = f"cam-{zone}"
    doc = json.loads((ROOT / "chalicelib/cafeteria/zones.json").read_text(encoding="utf-8"))
    doc["stale_seconds"] = STALE_SECONDS
    doc["zones"] = [{**doc["zones"][0], "id": zone, "cameras": [camera]}]
    (tmp_path / "zones.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("GDESK_CAFETERIA_ZONES_FILE", str(tmp_path / "zones.json"))
    get_settings.cache_clear()
    wiring.reset()
    video = write_video(tmp_path / "queue.avi", people=PEOPLE, seconds=12, fps=5)
    counter = subprocess.Popen(
        [sys.executable, "-m", "gdesk_counter.cli", "--source", str(video), "--loop", "--camera-id", camera,
         "--zone", zone, "--stream", local_cloud.stack.physical["DensityStream"],
         "--endpoint", local_cloud.endpoint_url, "--interval", "2", "--fps", "4", "--background-seconds", "8",
         "--spool", str(tmp_path / "spool.sqlite")],
        cwd=ROOT, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    headers = {"Authorization": f"Bearer {token('E1002')}"}
    try:
        seen: dict[str, Any] = {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # the background is learnt within the first pass of the video
            while runtime.drive_kinesis_once("DensityStreamFunction"):
                pass
            seen = zone_now(api_url, headers, zone)
            if not seen["stale"] and abs(seen["count"] - PEOPLE) <= 1:
                break
            time.sleep(1)
        assert not seen["stale"] and abs(seen["count"] - PEOPLE) <= 1, seen
        assert seen["level"] == "보통" and seen["cameras_reporting"] == 1

        page = context(browser, 1366, token("E1002")).new_page()
        try:
            page.goto(api_url + "/cafeteria")
            card = page.locator(f".zone[data-zone='{zone}']")
            card.locator(".badge[data-level='보통']").wait_for(timeout=20000)
            assert page.locator("#badge").get_attribute("data-level") == "보통"
            waiting = int(re.search(r"대기 (\d+)명", card.inner_text()).group(1))
            assert abs(waiting - PEOPLE) <= 1

            counter.send_signal(signal.SIGTERM)  # the counter PC dies
            _, log = counter.communicate(timeout=60)
            assert counter.returncode == 0, log  # everything counted was sent before it stopped
            time.sleep(STALE_SECONDS + 1)
            while runtime.drive_kinesis_once("DensityStreamFunction"):
                pass
            page.reload()
            page.locator(f".zone[data-zone='{zone}'] .badge").wait_for(timeout=20000)
            assert page.inner_text(f".zone[data-zone='{zone}'] .badge") == "카메라 응답 없음"
            assert "카메라 응답 없음" in page.inner_text(f".zone[data-zone='{zone}']")
            assert page.inner_text("#badge") == "카메라 응답 없음"
            assert "카메라 응답이 없습니다" in page.inner_text("#count")
        finally:
            page.context.close()
    finally:
        if counter.poll() is None:
            counter.kill()
            counter.communicate()
        monkeypatch.undo()
        get_settings.cache_clear()
        wiring.reset()
