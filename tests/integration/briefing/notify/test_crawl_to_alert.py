"""Both halves together: the scheduled CrawlerFunction crawls a local press site, the pipeline
matches the new release, and the NotifierFunction delivers it to the right employee only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chalicelib.briefing.notifying.channels import webhook
from chalicelib.briefing.notifying.profiles import Channel
from chalicelib.settings import get_settings
from infra.local.runtime import scheduled_event
from tests.integration.briefing import pressdata
from tests.integration.briefing.sitekit import Site, page

pytestmark = pytest.mark.integration
SECRET = "crawl-to-alert-signing-key"


def test_a_crawled_release_reaches_only_the_matching_employee(
        site: Site, runtime: Any, stack: Any, store: Any, new_user: Any, receiver: Any, drain: Any,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    road = new_user(department="도로관리과", keywords=("포트홀",),
                    channels=(Channel("c1", "webhook", url=receiver.url + "/road", has_secret=True),))
    welfare = new_user(department="복지정책과", keywords=("기초생활보장",),
                       channels=(Channel("c1", "webhook", url=receiver.url + "/welfare", has_secret=True),))
    for user in (road, welfare):
        store.put_channel_secrets(user.user_id, {"c1": {"secret": SECRET}})
    site.routes["/rss.xml"] = page(pressdata.rss(site.base, [("road", "/press/9", pressdata.recent())]),
                                   "application/rss+xml")
    site.routes["/press/9"] = page(pressdata.article("road", attachment=True))
    sources = tmp_path / "sources.yaml"
    sources.write_text(yaml.safe_dump({"sources": [
        pressdata.rss_source("local-press-alert", "행정안전부", site.url("/rss.xml"), "5m")]},
        allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("GDESK_CRAWL_SOURCES", str(sources))
    monkeypatch.setenv("GDESK_CRAWL_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("GDESK_CRAWL_HOST_DELAY_MS", "0")
    get_settings.cache_clear()
    result = runtime.invoke("CrawlerFunction", scheduled_event(stack, "CrawlerFunction", "CrawlSchedule"))
    assert result["new_items"] >= 1
    drain(3)
    assert [r.path for r in receiver.delivered] == ["/road"]
    message = receiver.delivered[0]
    assert webhook.verify(SECRET, message.headers, message.body)
    payload = message.json()
    assert "포트홀" in payload["title"] and payload["agency"] == "행정안전부"
    assert payload["reason"].startswith("키워드 ‘포트홀’ 일치")
