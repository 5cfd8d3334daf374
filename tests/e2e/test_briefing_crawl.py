"""The crawler under `gdesk up` as a user runs it: the demo press site is served, a release
published on it is crawled by the scheduled function and stored within one crawl interval, a
release whose keywords are only in its HWP attachment reaches the right employee with the file
named in the reason, and `gdesk crawl --once` and `gdesk sources check` work against the running
local cloud and its demo site (and `sources check` fails on a dead source)."""

from __future__ import annotations

import json
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests

from infra.local.moto_server import free_port
from tests.e2e.support import publish_and_wait, signed_in_page, stop_gdesk
from tests.e2e.test_local_cloud import GDESK, READY, Up, _env

pytestmark = pytest.mark.e2e

SPEED = 20  # schedules 20x faster: the 5-minute crawl runs every 15 s
SITE = re.compile(r"^\s*AI 비서 데모 보도자료 사이트 .*: (http://127\.0\.0\.1:\d+)/$")
INBOX = re.compile(r"^\s*AI 비서 데모 메신저 수신함.*: (http://127\.0\.0\.1:\d+)/$")


@pytest.fixture
def up(tmp_path: Path) -> Iterator[tuple[Up, int]]:
    api_port, aws_port = free_port(), free_port()
    process = subprocess.Popen([str(GDESK), "up", "--api-port", str(api_port), "--aws-port", str(aws_port),
                                "--speed", str(SPEED)], cwd=tmp_path, env=_env(tmp_path / "home"),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    current = Up(process)
    try:
        yield current, aws_port
    finally:
        stop_gdesk(process)


def _states(aws_port: int) -> list[dict[str, object]]:
    return [r for r in _rows(aws_port) if str(r["pk"]).startswith("SOURCE#")]


def _items(aws_port: int) -> list[dict[str, object]]:
    return [r for r in _rows(aws_port) if str(r["pk"]).startswith("ITEM#")]


def _rows(aws_port: int) -> list[dict[str, object]]:
    dynamodb = boto3.resource("dynamodb", endpoint_url=f"http://127.0.0.1:{aws_port}",
                              region_name="ap-northeast-2", aws_access_key_id="testing",
                              aws_secret_access_key="testing")
    table = dynamodb.Table("gdesk-local-BriefingTable")
    return list(table.scan()["Items"])


def _inbox(inbox: str, title: str) -> list[dict[str, object]]:
    messages = requests.get(f"{inbox}/messages.json", timeout=5).json()["messages"]
    return [m for m in messages if title in json.dumps(m["payload"], ensure_ascii=False)]


def test_a_release_published_on_the_demo_site_is_crawled_within_one_interval(
        up: tuple[Up, int], tmp_path: Path, browser: object) -> None:
    current, aws_port = up
    api_url = current.wait_for(READY, timeout=90).group(1)
    inbox = current.wait_for(INBOX, timeout=10).group(1)
    site = current.wait_for(SITE, timeout=10).group(1)
    assert "보도자료" in requests.get(f"{site}/rss/press.xml", timeout=5).text

    def snow_plan(rows: list[dict[str, object]]) -> bool:  # the EUC-KR page of the province's list
        return any(r["agency"] == "경상남도" and "제설" in str(r["title"]) for r in rows)

    deadline = time.monotonic() + 60  # the first round runs at start-up
    while time.monotonic() < deadline and not (len(_items(aws_port)) >= 6 and snow_plan(_items(aws_port))):
        time.sleep(1)
    first = _items(aws_port)
    assert len(first) >= 6 and snow_plan(first), (first, _states(aws_port))

    # Two releases in the same interval. One with the keywords of 기후환경정책과 (E1003) only in
    # its HWP attachment: the alert reaches E1003 alone, the file named in the reason, and
    # /briefing shows the file with its excerpt (checked after the first one).
    hwp_title = "경남도 공공청사 관리 계획 (e2e)"
    hwp_name = "붙임. 공공청사 관리 세부계획(e2e).hwp"
    published = requests.post(f"{site}/admin/publish", timeout=5, json={
        "agency": "경상남도", "department": "회계과", "title": hwp_title, "channel": "board",
        "paragraphs": ["경상남도는 도 소유 공공청사의 관리 계획을 확정했다고 밝혔다.",
                       "세부 내용은 붙임 자료를 참고하면 된다."],
        "attachment": hwp_name,
        "attachment_paragraphs": ["공공청사 관리 세부계획",
                                  "청사 온실가스 배출량을 40% 줄이고 탄소중립 이행계획에 따라 옥상 "
                                  "재생에너지 설비를 늘린다."]})
    assert published.status_code == 201

    title = "지역 도로 보수 예산 조기 집행 (e2e)"
    # one crawl interval of this source: the later of the schedule (sped up) and the demo
    # sources' own interval (1 minute, not sped up)
    interval = max(300 / SPEED, 60)
    started = time.monotonic()
    latency = publish_and_wait(site, {
        "agency": "행정안전부", "department": "지역재정과", "title": title,
        "paragraphs": ["행정안전부는 지방자치단체 도로 보수 예산의 상반기 조기 집행을 독려한다고 밝혔다.",
                       "도로관리과는 포트홀과 노후 포장 보수 사업을 우선 발주해야 한다."]},
        lambda: [str(r["title"]) for r in _items(aws_port)], interval + 30)
    assert any(r["title"] == title for r in _items(aws_port)), "not crawled within one interval + 30 s"
    print(f"publication → stored: {latency:.1f} s (crawl interval {interval:.0f} s)")

    # The road-maintenance release reaches the road department's employee (E1001) in the demo
    # messenger, signed, with the reason - and nobody else.
    while time.monotonic() - started < interval + 30 and not _inbox(inbox, title):
        time.sleep(0.5)
    alerts = _inbox(inbox, title)
    assert [m["user"] for m in alerts] == ["E1001"], alerts
    assert alerts[0]["verified"] is True
    print(f"publication → alert: {time.monotonic() - started:.1f} s")
    with signed_in_page(browser, api_url, GDESK, tmp_path, _env(tmp_path / "home"), "E1001",
                        "/briefing") as page:
        card = page.locator("article.item", has_text=title)
        card.wait_for(timeout=20000)
        assert "사유:" in card.locator(".reason").inner_text()
        assert "도로" in card.locator(".reason").inner_text() or "행정안전부" in card.inner_text()

    while time.monotonic() - started < interval + 45 and not _inbox(inbox, hwp_title):
        time.sleep(0.5)
    alerts = _inbox(inbox, hwp_title)
    assert [m["user"] for m in alerts] == ["E1003"], alerts
    assert f"(첨부파일 ‘{hwp_name}’)" in str(alerts[0]["payload"]["reason"])
    print(f"publication → alert from the attachment: {time.monotonic() - started:.1f} s")
    with signed_in_page(browser, api_url, GDESK, tmp_path, _env(tmp_path / "home"), "E1003",
                        "/briefing") as page:
        card = page.locator("article.item", has_text=hwp_title)
        card.wait_for(timeout=20000)
        assert hwp_name in card.locator(".reason").inner_text()
        assert "첨부: " + hwp_name in card.inner_text()
        assert card.locator(".excerpt").inner_text().startswith("공공청사 관리 세부계획")

    sources = tmp_path / "home" / "briefing" / "demo-sources.yaml"
    check = subprocess.run([str(GDESK), "sources", "check", "--sources", str(sources)], cwd=tmp_path,
                           timeout=120, env=_env(tmp_path / "home", GDESK_CRAWL_ALLOW_LOOPBACK="1"),
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    assert "OK   demo-press" in check.stdout and "OK   demo-province" in check.stdout
    assert hwp_title in check.stdout
    dead = tmp_path / "dead-sources.yaml"
    dead.write_text(sources.read_text(encoding="utf-8").replace(site, f"http://127.0.0.1:{free_port()}"),
                    encoding="utf-8")
    failed = subprocess.run([str(GDESK), "sources", "check", "--sources", str(dead)], cwd=tmp_path,
                            timeout=120, env=_env(tmp_path / "home", GDESK_CRAWL_ALLOW_LOOPBACK="1"),
                            capture_output=True, text=True)
    assert failed.returncode == 1 and "FAIL demo-press" in failed.stdout and "found nothing" in failed.stderr

    result = subprocess.run(
        [str(GDESK), "crawl", "--once", "--json", "--sources", str(sources)], cwd=tmp_path, timeout=120,
        env=_env(tmp_path / "home", AWS_ENDPOINT_URL=f"http://127.0.0.1:{aws_port}",
                 AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_REGION="ap-northeast-2",
                 GDESK_BRIEFING_TABLE="gdesk-local-BriefingTable",
                 GDESK_BRIEFING_BUCKET="gdesk-local-briefingbucket",
                 GDESK_CRAWL_ALLOW_LOOPBACK="1"),
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["errors"] == {} and report["new_items"] == 0  # everything is already stored
