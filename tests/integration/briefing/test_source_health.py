"""Source health: a source that fails, or is read but yields nothing, several rounds in a row is
reported unhealthy and counted in the metric the alarm watches (real HTTP on 127.0.0.1; the crawl
state in the briefing table on the local cloud)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.briefing.crawling.crawler import Crawler
from chalicelib.briefing.crawling.fetch import Fetcher, RobotsCache
from chalicelib.briefing.crawling.service import _metrics
from chalicelib.briefing.crawling.sources import parse_sources
from chalicelib.briefing.crawling.store import ItemStore
from chalicelib.observability import metrics
from tests.integration.briefing import pressdata
from tests.integration.briefing.sitekit import Site, page

pytestmark = pytest.mark.integration

EMPTY_RSS = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>빈 피드</title>'
             "<link>http://127.0.0.1/</link></channel></rss>")


@pytest.fixture
def store(stack: Any) -> ItemStore:
    current = ItemStore(stack.physical["BriefingTable"], stack.physical["BriefingBucket"])
    with current.table.batch_writer() as batch:
        for row in current.table.scan(ProjectionExpression="pk, sk").get("Items", []):
            if str(row["pk"]).startswith(("SOURCE#health-", "ITEM#", "URL#", "HASH#", "BAND#", "PENDING")):
                batch.delete_item(Key={"pk": row["pk"], "sk": row["sk"]})
    return current


def _crawler(site: Site, store: ItemStore) -> Crawler:
    list_selectors = {"item": "table.board tr", "link": "td.subject a", "date": "td.date"}
    sources = parse_sources({"sources": [
        pressdata.rss_source("health-good", "행정안전부", site.url("/rss.xml")),
        pressdata.rss_source("health-empty", "테스트부", site.url("/empty.xml")),
        pressdata.rss_source("health-dead", "테스트부", site.url("/gone.xml")),
        {**pressdata.rss_source("health-board", "경상남도", site.url("/board")), "kind": "html_list",
         "list": list_selectors},
    ]})
    fetcher = Fetcher(sources.allowed_hosts(), allow_loopback=True, timeout=3, host_delay=0,
                      robots=RobotsCache())
    return Crawler(sources, store, fetcher, unhealthy_rounds=3)


def _emitted(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    metrics.flush_metrics()
    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    return blobs[-1]


def test_unhealthy_after_three_rounds_and_healthy_again(site: Site, store: ItemStore,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    when = pressdata.recent()
    site.routes["/rss.xml"] = page(pressdata.rss(site.base, [("road", "/p/1", when)]), "application/rss+xml")
    site.routes["/p/1"] = page(pressdata.article("road"))
    site.routes["/empty.xml"] = page(EMPTY_RSS, "application/rss+xml")
    site.routes["/board"] = page("<html><body><ul class='new-board'><li><a href='/p/9'>새 게시판</a></li>"
                                 "</ul></body></html>")  # the board changed: the selectors match nothing
    crawler = _crawler(site, store)
    for round_number in (1, 2):
        report = crawler.run_round(force=True)
        assert report.unhealthy == [], round_number
    report = crawler.run_round(force=True)
    assert sorted(report.unhealthy) == ["health-board", "health-dead", "health-empty"]
    assert report.summary()["unhealthy"] == report.unhealthy
    assert store.get_state("health-empty").empty_rounds == 3  # kept in the table between rounds
    assert store.get_state("health-dead").failures == 3
    capsys.readouterr()
    _metrics(report)
    blob = _emitted(capsys)
    assert blob["BriefingUnhealthySources"] in (3, [3], [3.0]) and blob["service"] == "gdesk"
    assert blob["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "GDesk"

    site.routes["/board"] = page(pressdata.list_page([("welfare", "/p/2", when)]))
    site.routes["/p/2"] = page(pressdata.article("welfare"))
    site.routes["/gone.xml"] = page(pressdata.rss(site.base, [("climate", "/p/3", when)]),
                                    "application/rss+xml")
    site.routes["/p/3"] = page(pressdata.article("climate"))
    report = crawler.run_round(force=True)
    assert report.unhealthy == ["health-empty"]  # still nothing in it; the others recovered
    _metrics(report)
    assert _emitted(capsys)["BriefingUnhealthySources"] in (1, [1], [1.0])
