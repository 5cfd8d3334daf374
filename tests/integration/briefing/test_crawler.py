"""A crawl round against real HTTP servers on 127.0.0.1 and the briefing table/bucket on the local
cloud: misbehaving sources are each handled and the good ones crawled; items are stored once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.briefing.crawling import items as ident
from chalicelib.briefing.crawling.crawler import Crawler
from chalicelib.briefing.crawling.fetch import Fetcher, RobotsCache
from chalicelib.briefing.crawling.sources import parse_sources
from chalicelib.briefing.crawling.store import ItemStore
from chalicelib.briefing.model import Item
from tests.integration.briefing import pressdata
from tests.integration.briefing.sitekit import Site, hang, huge, page, redirect

pytestmark = pytest.mark.integration


CRAWLER_ROWS = ("ITEM#", "URL#", "HASH#", "BAND#", "PENDING", "SOURCE#")


@pytest.fixture
def store(stack: Any) -> ItemStore:
    """The crawler's rows of the briefing table, emptied: each test sees only its own items
    (the same release in two tests would otherwise be a near-duplicate of the first)."""
    current = ItemStore(stack.physical["BriefingTable"], stack.physical["BriefingBucket"])
    table = current.table
    with table.batch_writer() as batch:
        for row in table.scan(ProjectionExpression="pk, sk").get("Items", []):
            if str(row["pk"]).startswith(CRAWLER_ROWS):
                batch.delete_item(Key={"pk": row["pk"], "sk": row["sk"]})
    return current


class Recorder:
    def __init__(self) -> None:
        self.calls: list[list[Item]] = []

    def __call__(self, batch: Sequence[Item]) -> None:
        self.calls.append(list(batch))

    @property
    def items(self) -> list[Item]:
        return [i for call in self.calls for i in call]


def _good_site(site: Site) -> None:
    when = pressdata.recent()
    site.routes["/rss.xml"] = page(pressdata.rss(site.base, [
        ("road", "/press/road", when), ("climate", "/press/climate", when - timedelta(minutes=5)),
        ("welfare", "/press/old", when - timedelta(days=30))]), "application/rss+xml")
    site.routes["/press/road"] = page(pressdata.article("road", attachment=True))
    # EUC-KR, no charset in the header nor in the page
    site.routes["/press/climate"] = page(pressdata.article("climate", meta_charset=None).encode("cp949"),
                                         "text/html")
    site.routes["/list"] = page(pressdata.list_page([("welfare", "/press/welfare", when)]))
    site.routes["/press/welfare"] = page(pressdata.article("welfare"))


def _sources(good: Site, bad: Site) -> Any:
    def src(sid: str, path: str, kind: str = "rss", **extra: Any) -> dict[str, Any]:
        base = good if sid.startswith("good") else bad
        return {**pressdata.rss_source(sid, "테스트부", base.url(path)), "kind": kind, **extra}

    return parse_sources({"sources": [
        src("bad-hang", "/hang"), src("bad-500", "/500"), src("bad-huge", "/huge"),
        src("bad-metadata", "/meta"), src("bad-elsewhere", "/away"), src("bad-xml", "/broken.xml"),
        src("good-rss", "/rss.xml"),
        src("good-list", "/list", "html_list", list={"item": "table.board tr", "link": "td.subject a",
                                                     "date": "td.date"}),
    ]})


def _bad_site(site: Site) -> None:
    site.routes.update({
        "/hang": hang(site), "/500": (500, {}, b"internal error"), "/huge": huge(20 * 1024 * 1024),
        "/meta": redirect("http://169.254.169.254/latest/meta-data/"),
        "/away": redirect("http://not-listed.example/feed"),
        "/broken.xml": page('<?xml version="1.0"?><rss><channel><title>x</title><item><title>깨진',
                            "application/xml"),
    })


def _crawler(sources: Any, store: ItemStore, recorder: Recorder, **kwargs: Any) -> Crawler:
    fetcher = Fetcher(sources.allowed_hosts(), allow_loopback=True, timeout=1.0, host_delay=0.0,
                      robots=RobotsCache())
    return Crawler(sources, store, fetcher, on_new_items=recorder, **kwargs)


def test_each_bad_source_is_handled_and_the_good_ones_are_crawled(
        make_site: Callable[[], Site], store: ItemStore) -> None:
    good, bad = make_site(), make_site()
    _good_site(good)
    _bad_site(bad)
    sources = _sources(good, bad)
    recorder = Recorder()
    report = _crawler(sources, store, recorder).run_round(force=True)
    by_id = {r.source_id: r for r in report.sources}
    assert {k: v.status for k, v in by_id.items()} == {
        "bad-hang": "error", "bad-500": "error", "bad-huge": "error", "bad-metadata": "error",
        "bad-elsewhere": "error", "bad-xml": "error", "good-rss": "ok", "good-list": "ok"}
    assert by_id["bad-hang"].error.startswith("timeout")
    assert by_id["bad-500"].error.startswith("http_status: HTTP 500")
    assert by_id["bad-huge"].error.startswith("too_large")
    assert by_id["bad-metadata"].error.startswith("host_not_allowed") and "169.254.169.254" in by_id[
        "bad-metadata"].error
    assert by_id["bad-elsewhere"].error.startswith("host_not_allowed")
    assert by_id["bad-xml"].error.startswith("bad_feed")
    assert (by_id["good-rss"].entries, by_id["good-rss"].new) == (3, 2)  # the 30-day-old one is skipped
    assert by_id["good-list"].new == 1  # the javascript: row is skipped

    stored = {i.title: i for i in recorder.items}
    road = stored[pressdata.RELEASES["road"][0]]
    climate = stored[pressdata.RELEASES["climate"][0]]
    welfare = stored[pressdata.RELEASES["welfare"][0]]
    assert "도로관리과" in road.text and "포트홀" in road.text
    assert [(a.kind, a.name) for a in road.attachments] == [("hwp", "붙임1. 세부 추진계획.hwp"),
                                                            ("pdf", "붙임2. 참고자료.pdf")]
    assert road.attachments[0].url == good.url("/files/press-attach.hwp")
    assert "기후환경정책과" in climate.text  # decoded from EUC-KR without any declaration
    assert welfare.agency == "테스트부" and welfare.published_at.endswith("+09:00")
    assert road.agency == "테스트부" and road.source_id == "good-rss"

    loaded = store.load_item(road.item_id)
    assert loaded is not None and loaded.text == road.text and loaded.attachments == road.attachments
    state = store.get_state("bad-500")
    assert state.failures == 1 and state.last_error and "500" in state.last_error
    assert store.get_state("good-rss").failures == 0


def test_the_same_item_crawled_twice_is_stored_and_handed_over_once(
        make_site: Callable[[], Site], store: ItemStore) -> None:
    site = make_site()
    _good_site(site)
    sources = parse_sources({"sources": [
        pressdata.rss_source("twice-a", "테스트부", site.url("/rss.xml")),
        # a second feed listing the same article under a tracking-parameter URL
        pressdata.rss_source("twice-b", "테스트부", site.url("/rss-b.xml")),
    ]})
    site.routes["/rss-b.xml"] = page(pressdata.rss(site.base, [
        ("road", "/press/road?utm_source=rss&call_from=feed#top", pressdata.recent())]),
        "application/rss+xml")
    recorder = Recorder()
    first = _crawler(sources, store, recorder).run_round(force=True)
    assert first.summary()["new_items"] == 2 and site.count("/press/road") == 1
    second = _crawler(sources, store, recorder).run_round(force=True)
    assert second.summary()["new_items"] == 0
    assert site.count("/press/road") == 1  # a known URL is never fetched again
    assert len(recorder.items) == 2 and len({i.item_id for i in recorder.items}) == 2
    assert store.pending() == [] or not set(store.pending()) & {i.item_id for i in recorder.items}


def test_intervals_and_conditional_get_are_honoured(make_site: Callable[[], Site], store: ItemStore) -> None:
    site = make_site()
    body = pressdata.rss(site.base, []).encode()

    def conditional(handler: Any) -> None:
        if handler.headers.get("If-None-Match") == '"feed-v1"':
            handler.send_response(304)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.send_response(200)
        handler.send_header("ETag", '"feed-v1"')
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    site.routes["/cond.xml"] = conditional
    sources = parse_sources({"sources": [{"id": "cond", "agency": "테스트부", "kind": "rss",
                                          "url": site.url("/cond.xml"), "interval": "10m"}]})
    now = [1_900_000_000.0]
    crawler = _crawler(sources, store, Recorder(), clock=lambda: now[0])
    assert crawler.run_round().sources[0].status == "ok"
    assert crawler.run_round().sources[0].status == "not_due"
    now[0] += 601
    assert crawler.run_round().sources[0].status == "not_modified"
    assert site.count("/cond.xml") == 2


def test_the_same_release_from_two_agencies_becomes_one_item(
        make_site: Callable[[], Site], store: ItemStore) -> None:
    site = make_site()
    when = pressdata.recent()
    title, body = pressdata.RELEASES["climate"]
    for agency, path in (("환경부", "/me/1"), ("행정안전부", "/mois/1")):
        site.routes[path] = page(f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>"
                                 f"<article><h1>{title}</h1><p>{agency} 보도자료 · 담당 {agency} 담당자</p>"
                                 f"<p>{body}</p><p>{body[::-1]}</p></article></body></html>")
    site.routes["/me.xml"] = page(pressdata.rss(site.base, [("climate", "/me/1", when)]),
                                  "application/rss+xml")
    site.routes["/mois.xml"] = page(pressdata.rss(site.base, [("climate", "/mois/1", when)]),
                                    "application/rss+xml")
    sources = parse_sources({"sources": [
        pressdata.rss_source("dup-me", "환경부", site.url("/me.xml")),
        pressdata.rss_source("dup-mois", "행정안전부", site.url("/mois.xml")),
    ]})
    recorder = Recorder()
    report = _crawler(sources, store, recorder).run_round(force=True)
    assert [(r.new, r.duplicates) for r in report.sources] == [(1, 0), (0, 1)]
    original, copy = report.new_items
    assert copy.duplicate_of == original.item_id
    assert [i.item_id for i in recorder.items] == [original.item_id]  # one alert for one release
    assert ident.item_id_for(ident.canonical_url(site.url("/mois/1"))) == copy.item_id


def test_a_failing_notifier_leaves_items_pending_for_the_next_round(
        make_site: Callable[[], Site], store: ItemStore) -> None:
    site = make_site()
    site.routes["/p.xml"] = page(pressdata.rss(site.base, [("welfare", "/p/1", pressdata.recent())]),
                                 "application/rss+xml")
    site.routes["/p/1"] = page(pressdata.article("welfare"))
    sources = parse_sources({"sources": [{"id": "pending", "agency": "보건복지부", "kind": "rss",
                                          "url": site.url("/p.xml"), "interval": "10m"}]})

    def failing(batch: Sequence[Item]) -> None:
        raise RuntimeError("notifier down")

    first = _crawler(sources, store, Recorder())
    first.on_new_items = failing
    report = first.run_round(force=True)
    assert report.handed_off == 0 and report.new_items[0].item_id in store.pending()
    recorder = Recorder()
    again = _crawler(sources, store, recorder).run_round(force=True)
    assert again.summary()["new_items"] == 0
    assert [i.item_id for i in recorder.items] == [report.new_items[0].item_id]
    assert recorder.items[0].text == report.new_items[0].text
    assert report.new_items[0].item_id not in store.pending()


def test_an_article_the_rules_refuse_is_kept_with_what_the_list_gave(
        make_site: Callable[[], Site], store: ItemStore) -> None:
    site = make_site()
    site.routes["/board"] = page(
        '<html><body><ul class="news"><li><a href="http://elsewhere.example/notice/7">'
        '도로 점용 허가 기준 변경 안내</a></li><li><a href="/down">점검 중인 글</a></li>'
        "</ul></body></html>")
    site.routes["/down"] = (503, {}, b"")
    sources = parse_sources({"sources": [{"id": "refused", "agency": "테스트청", "kind": "html_list",
                                          "url": site.url("/board"), "interval": "10m",
                                          "list": {"item": "ul.news li"}}]})
    report = _crawler(sources, store, Recorder()).run_round(force=True)
    [result] = report.sources
    assert (result.status, result.new, result.deferred) == ("ok", 1, 1)  # the 503 one is retried later
    [item] = report.new_items
    assert item.url == "http://elsewhere.example/notice/7" and item.text == "도로 점용 허가 기준 변경 안내"


def test_overlapping_rounds_store_each_item_once(make_site: Callable[[], Site], store: ItemStore) -> None:
    """Locally two rounds can overlap (the schedule and a manual run); in AWS reserved concurrency
    prevents it, but the store must not rely on that."""
    import threading

    site = make_site()
    _good_site(site)
    sources = parse_sources({"sources": [pressdata.rss_source("overlap", "테스트부", site.url("/rss.xml"))]})
    reports: list[Any] = []
    threads = [threading.Thread(target=lambda: reports.append(
        _crawler(sources, store, Recorder()).run_round(force=True))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(r.sources[0].status == "ok" for r in reports)
    stored = [i for r in reports for i in r.new_items]
    assert len(stored) == 2 and len({i.item_id for i in stored}) == 2


def test_a_concurrent_exact_copy_becomes_a_duplicate(store: ItemStore) -> None:
    text = pressdata.RELEASES["welfare"][1]

    def item(url: str) -> Item:
        canonical = ident.canonical_url(url)
        return Item(item_id=ident.item_id_for(canonical), url=url, canonical_url=canonical, title="같은 글",
                    text=text, agency="보건복지부", source_id="race",
                    published_at="2024-05-01T09:00:00+09:00",
                    content_hash=ident.content_hash("같은 글", text))

    signature = ident.minhash(text)
    first = store.put_item(item("https://a.go.kr/1"), signature)
    assert first is not None and first.duplicate_of is None
    assert store.put_item(item("https://a.go.kr/1"), signature) is None  # same URL: not stored again
    # a round that looked for duplicates before the first one was stored
    second = store.put_item(item("https://b.go.kr/1"), signature)
    assert second is not None and second.duplicate_of == first.item_id
    assert store.pending() == [first.item_id]
