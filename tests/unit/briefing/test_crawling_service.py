"""The crawler's use case (one scheduled round) on the in-memory store with a canned fetcher:
new items stored and handed to the notifier once, a second round finds nothing new."""

from __future__ import annotations

from typing import Any

from chalicelib.briefing.crawling import service
from chalicelib.briefing.crawling.fetch import FetchResult
from chalicelib.briefing.crawling.sources import parse_sources
from chalicelib.settings import Settings
from tests.fakes.briefing import FakeItemStore

FEED = """<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>보도자료</title>
<item><title>겨울철 도로 제설 대책</title><link>https://press.example.kr/a/1</link>
<pubDate>Mon, 02 Dec 2024 01:00:00 GMT</pubDate><description>제설 대책을 발표했다.</description></item>
<item><title>복지 급여 인상</title><link>https://press.example.kr/a/2</link>
<pubDate>Mon, 02 Dec 2024 02:00:00 GMT</pubDate><description>급여를 올린다.</description></item>
</channel></rss>"""
ARTICLE = ("<html><body><article><h1>{0}</h1><p>{0} 본문입니다. 자세한 내용은 담당 부서로.</p>"
           "</article></body></html>")
NOW = 1733108400.0  # 2024-12-02T03:00:00Z


class CannedFetcher:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def fetch(self, url: str, **_: Any) -> FetchResult:
        self.urls.append(url)
        headers = {"content-type": "text/html; charset=utf-8"}
        if url.endswith(".xml"):
            return FetchResult(url, 200, {"content-type": "application/rss+xml"}, FEED.encode())
        return FetchResult(url, 200, headers, ARTICLE.format(url.rsplit("/", 1)[-1]).encode())


def test_scheduled_round_stores_new_items_and_hands_them_off_once() -> None:
    sources = parse_sources({"sources": [{"id": "press", "agency": "행정안전부", "kind": "rss",
                                          "url": "https://press.example.kr/rss.xml", "interval": "10m"}]})
    store, handed = FakeItemStore(), []
    settings = Settings.from_env({}).briefing
    summary = service.scheduled_round(store, settings, sources=sources, fetcher=CannedFetcher(),
                                      on_new_items=handed.extend, clock=lambda: NOW)
    assert summary["new_items"] == 2 and summary["handed_off"] == 2 and summary["errors"] == {}
    assert {i.title for i in handed} == {"겨울철 도로 제설 대책", "복지 급여 인상"}
    assert store.pending() == [] and store.get_state("press").failures == 0
    again = service.scheduled_round(store, settings, sources=sources, fetcher=CannedFetcher(),
                                    on_new_items=handed.extend, clock=lambda: NOW + 600)
    assert again["new_items"] == 0 and len(handed) == 2


def test_the_fetcher_is_limited_to_the_sources_hosts_with_the_settings_politeness() -> None:
    sources = parse_sources({"sources": [{"id": "press", "agency": "행정안전부", "kind": "rss",
                                          "url": "https://press.example.kr/rss.xml", "interval": "10m"}]})
    fetcher = service.fetcher_for(sources, Settings.from_env({"GDESK_CRAWL_HOST_DELAY_MS": "250"}).briefing)
    assert fetcher.allowed_hosts == {"press.example.kr"} and fetcher.host_delay == 0.25
    assert not fetcher.allow_loopback
