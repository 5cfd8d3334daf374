"""The local demo: its press site crawled for real, and `gdesk up`'s demo start wiring the crawler
to it (sources file, loopback allowed, a first round through the template's function)."""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.briefing.crawling.crawler import Crawler
from chalicelib.briefing.crawling.fetch import Fetcher, RobotsCache
from chalicelib.briefing.crawling.sources import load_sources, parse_sources
from chalicelib.briefing.crawling.store import ItemStore
from chalicelib.settings import get_settings
from infra.demo.briefing_site import PressSite
from infra.local.demo import DemoContext
from tests.fakes.briefing import FakeItemStore as MemoryItemStore

pytestmark = pytest.mark.integration


@pytest.fixture
def press() -> Iterator[PressSite]:
    site = PressSite(interval=3600).start()
    yield site
    site.stop()


def _crawler(site: PressSite, store: MemoryItemStore) -> Crawler:
    sources = parse_sources(site.sources())
    fetcher = Fetcher(sources.allowed_hosts(), allow_loopback=True, timeout=5, host_delay=0,
                      robots=RobotsCache())
    return Crawler(sources, store, fetcher)


def test_the_demo_site_is_crawled_with_its_quirks(press: PressSite) -> None:
    store = MemoryItemStore()
    report = _crawler(press, store).run_round(force=True)
    assert {r.source_id: (r.status, r.new, r.duplicates) for r in report.sources} == {
        "demo-press": ("ok", 4, 1), "demo-province": ("ok", 1, 0)}
    by_key = {i.title: i for i in report.new_items}
    snow = next(i for i in report.new_items if "제설" in i.title)
    assert snow.agency == "경상남도" and "상습 결빙 구간" in snow.text  # EUC-KR, no charset anywhere
    ghg = [i for i in report.new_items if "온실가스" in i.title]
    assert len(ghg) == 2 and sum(1 for i in ghg if i.duplicate_of) == 1  # the joint release: one item
    original = next(i for i in ghg if not i.duplicate_of)
    assert original.attachments[0].kind == "hwp" and original.attachments[0].name.endswith(".hwp")
    assert {i.agency for i in report.new_items if i.source_id == "demo-press"} >= {"행정안전부", "보건복지부"}
    assert all(i.published_at.endswith("+09:00") for i in by_key.values())

    again = _crawler(press, store).run_round(force=True)
    assert again.summary()["new_items"] == 0

    request = urllib.request.Request(f"{press.url}/admin/publish", method="POST", data=json.dumps({
        "agency": "행정안전부", "department": "지역경제지원관", "title": "지역사랑상품권 발행 지원 확대",
        "paragraphs": ["행정안전부는 지역사랑상품권 국비 지원 규모를 늘린다고 밝혔다.",
                       "지방자치단체는 다음 달까지 발행 계획을 제출해야 한다."]}).encode())
    published = json.load(urllib.request.urlopen(request, timeout=5))
    assert published["title"] == "지역사랑상품권 발행 지원 확대"
    third = _crawler(press, store).run_round(force=True)
    assert [i.title for i in third.new_items] == ["지역사랑상품권 발행 지원 확대"]


def test_the_queue_publishes_in_order(press: PressSite) -> None:
    before = len(press.published)
    entry = press.publish()
    assert entry is not None and entry.number == before + 1 and entry.release.key == "black-ice"


def test_demo_start_points_the_crawler_at_the_site(local_cloud: Any, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Any) -> None:
    from infra.demo import briefing

    for name in ("GDESK_CRAWL_SOURCES", "GDESK_CRAWL_ALLOW_LOOPBACK", "GDESK_CRAWL_HOST_DELAY_MS"):
        monkeypatch.setenv(name, os.environ.get(name, ""))  # restored after the test
    stop = threading.Event()
    ctx = DemoContext(stack=local_cloud.stack, api_url=local_cloud.api_url, home=str(tmp_path),
                      runtime=local_cloud.runtime, stop=stop)
    try:
        lines = briefing.start(ctx)
        first = next(t for t in ctx.threads if t.name == "briefing-first-crawl")
        first.join(timeout=120)
        assert not first.is_alive()
        assert any("http://127.0.0.1:" in line for line in lines)
        settings = get_settings().briefing
        assert settings.crawl_allow_loopback and settings.crawl_sources_path.endswith("demo-sources.yaml")
        sources = load_sources(settings.crawl_sources_path)
        assert {s.id for s in sources.sources} == {"demo-press", "demo-province"}
        physical = local_cloud.stack.physical
        store = ItemStore(physical["BriefingTable"], physical["BriefingBucket"])
        assert store.get_state("demo-press").last_success > 0
        assert store.get_state("demo-province").failures == 0
    finally:
        stop.set()
        for thread in ctx.threads:
            thread.join(timeout=10)
        monkeypatch.undo()
        get_settings.cache_clear()
