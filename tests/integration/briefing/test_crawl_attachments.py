"""Attachments in a real crawl round: HTTP on 127.0.0.1, the briefing table and bucket on the local
cloud. The HWP/HWPX/PDF files are real ones made in code; bad files never stop the round."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.briefing.attachment_text import split
from chalicelib.briefing.crawling.crawler import Crawler
from chalicelib.briefing.crawling.fetch import Fetcher, RobotsCache
from chalicelib.briefing.crawling.sources import parse_sources
from chalicelib.briefing.crawling.store import ItemStore
from chalicelib.briefing.matching import DocumentFrequencies, Interest, Matcher, document_terms
from infra.demo.office_files import Table, hwp, hwpx, pdf
from tests.integration.briefing import pressdata
from tests.integration.briefing.sitekit import Site, hang, huge, page

pytestmark = pytest.mark.integration

CRAWLER_ROWS = ("ITEM#", "URL#", "HASH#", "BAND#", "PENDING", "SOURCE#")
KEYWORD = "스마트팜혁신밸리"  # appears only in the HWP attachment


@pytest.fixture
def store(stack: Any) -> ItemStore:
    current = ItemStore(stack.physical["BriefingTable"], stack.physical["BriefingBucket"])
    with current.table.batch_writer() as batch:
        for row in current.table.scan(ProjectionExpression="pk, sk").get("Items", []):
            if str(row["pk"]).startswith(CRAWLER_ROWS):
                batch.delete_item(Key={"pk": row["pk"], "sk": row["sk"]})
    return current


def _article(title: str, files: list[tuple[str, str]]) -> str:
    links = "".join(f'<li><a href="{href}">{name}</a></li>' for href, name in files)
    return (f'<html><head><meta charset="utf-8"><title>{title}</title></head><body><article><h1>{title}</h1>'
            "<div class='content'><p>경상남도는 농업 분야 혁신 사업의 2단계 계획을 확정했다고 밝혔다.</p>"
            "<p>세부 내용은 붙임 자료를 참고하면 된다. 도는 시군과 협의해 사업 대상지를 정할 계획이다.</p>"
            f"</div><div class='files'><strong>첨부파일</strong><ul>{links}</ul></div></article>"
            "</body></html>")


def _crawler(site: Site, store: ItemStore) -> Crawler:
    sources = parse_sources({"sources": [
        pressdata.rss_source("attach-rss", "경상남도", site.url("/rss.xml"))]})
    fetcher = Fetcher(sources.allowed_hosts(), allow_loopback=True, timeout=3, host_delay=0,
                      robots=RobotsCache())
    return Crawler(sources, store, fetcher)


def test_attachments_are_read_into_the_item_and_bad_ones_are_marked(site: Site, store: ItemStore) -> None:
    when = pressdata.recent()
    site.routes["/rss.xml"] = page(pressdata.rss(site.base, [("road", "/press/1", when),
                                                             ("climate", "/press/2", when)]),
                                   "application/rss+xml")
    site.routes["/press/1"] = page(_article("경남 농업 혁신 2단계 추진", [
        ("/files/plan.hwp", "붙임1. 세부 추진계획.hwp"),
        ("/download.do?fileSn=2", "붙임2. 예산 총괄표.hwpx"),
        ("/files/locked.hwp", "붙임3. 내부 검토.hwp"),
        ("/files/huge.pdf", "붙임4. 전체 도면.pdf"),
        ("/files/missing.pdf", "붙임5. 참고.pdf"),
    ]))
    site.routes["/files/plan.hwp"] = page(hwp([f"{KEYWORD} 2단계 조성 계획", Table((("지역", "면적"),
                                                                               ("밀양", "22ha")))]),
                                          "application/x-hwp")
    site.routes["/download.do?fileSn=2"] = page(hwpx(["2027년 예산 총괄표", "국비 120억 원"]),
                                               "application/octet-stream")
    site.routes["/files/locked.hwp"] = page(hwp(["비밀"], password=True), "application/x-hwp")
    site.routes["/files/huge.pdf"] = huge(30 * 1024 * 1024)  # declared: refused before reading
    site.routes["/press/2"] = page(_article("기후 대응 점검", [("/files/slow.pdf", "붙임. 점검표.pdf")]))
    site.routes["/files/slow.pdf"] = hang(site)

    crawler = _crawler(site, store)
    report = crawler.run_round(force=True)
    assert [(r.status, r.new) for r in report.sources] == [("ok", 2)]  # bad files never stop the round
    item = next(i for i in report.new_items if i.url.endswith("/press/1"))
    page_text, files = split(item.text)
    assert KEYWORD not in page_text and "2단계 계획을 확정" in page_text
    assert [name for name, _t in files] == ["붙임1. 세부 추진계획.hwp", "붙임2. 예산 총괄표.hwpx"]
    assert f"{KEYWORD} 2단계 조성 계획\n지역\n면적\n밀양\n22ha" == files[0][1]
    status = {a.name: (a.status, a.kind, a.reason) for a in item.attachments}
    assert status["붙임1. 세부 추진계획.hwp"] == ("read", "hwp", "")
    assert status["붙임2. 예산 총괄표.hwpx"] == ("read", "hwpx", "")
    assert status["붙임3. 내부 검토.hwp"] == ("unreadable", "hwp", "암호가 걸린 문서라 읽을 수 없습니다")
    # only the first three files are read; the rest stay links
    assert status["붙임4. 전체 도면.pdf"][0] == status["붙임5. 참고.pdf"][0] == "skipped"
    assert site.count("/files/huge.pdf") == site.count("/files/missing.pdf") == 0
    excerpt = next(a.excerpt for a in item.attachments if a.status == "read")
    assert excerpt.startswith(KEYWORD)

    slow = next(i for i in report.new_items if i.url.endswith("/press/2"))
    assert slow.attachments[0].status == "unreadable"
    assert slow.attachments[0].reason == "내려받는 데 시간이 너무 오래 걸렸습니다"

    stored = store.load_item(item.item_id)  # DynamoDB row + S3 text, as the notifier reads them
    assert stored is not None and stored.text == item.text and stored.attachments == item.attachments

    frequencies = DocumentFrequencies()
    frequencies.add(document_terms(stored.title, stored.text))
    match = Matcher(Interest(department="농업정책과", keywords=(KEYWORD,)), frequencies).score(
        stored.title, stored.text, stored.agency)
    assert match.relevant and f"키워드 ‘{KEYWORD}’ 일치(첨부파일 ‘붙임1. 세부 추진계획.hwp’)" in match.reason


def test_an_oversized_attachment_is_refused_with_its_reason(site: Site, store: ItemStore) -> None:
    site.routes["/rss.xml"] = page(pressdata.rss(site.base, [("road", "/press/1", pressdata.recent())]),
                                   "application/rss+xml")
    site.routes["/press/1"] = page(_article("도면 공개", [("/files/huge.pdf", "붙임. 전체 도면.pdf"),
                                                       ("/files/small.pdf", "붙임. 요약.pdf")]))
    site.routes["/files/huge.pdf"] = huge(30 * 1024 * 1024, declare_length=False)  # streamed: cut at the cap
    site.routes["/files/small.pdf"] = page(pdf(["Summary of the drawings"]), "application/pdf")
    report = _crawler(site, store).run_round(force=True)
    [item] = report.new_items
    assert [(a.status, a.reason) for a in item.attachments] == [
        ("unreadable", "파일이 너무 커서 내려받지 않았습니다"), ("read", "")]
    assert split(item.text)[1] == [("붙임. 요약.pdf", "Summary of the drawings")]
