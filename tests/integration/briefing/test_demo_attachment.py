"""The demo site's release whose keywords are only in its HWP attachment: crawled for real (HTTP on
127.0.0.1), its real HWP file read, and matched to 기후환경정책과 (E1003) alone, the file named in
the reason."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.briefing.attachment_text import split
from chalicelib.briefing.crawling.crawler import Crawler
from chalicelib.briefing.crawling.documents import read_document
from chalicelib.briefing.crawling.fetch import Fetcher, RobotsCache
from chalicelib.briefing.crawling.sources import parse_sources
from chalicelib.briefing.matching import DocumentFrequencies, Interest, Matcher, document_terms
from infra.demo.briefing_profiles import DEMO_PROFILES
from infra.demo.briefing_site import PressSite
from tests.fakes.briefing import FakeItemStore as MemoryItemStore

pytestmark = pytest.mark.integration

FILE = "붙임. 공공건축물 관리 기본계획(안).hwp"


@pytest.fixture
def press() -> Iterator[PressSite]:
    site = PressSite(interval=3600).start()
    yield site
    site.stop()


def test_the_keyword_in_the_hwp_alone_reaches_the_climate_officer(press: PressSite) -> None:
    while (entry := press.publish()) is not None and entry.release.key != "public-buildings":
        pass
    assert entry is not None
    sources = parse_sources(press.sources())
    crawler = Crawler(sources, MemoryItemStore(), Fetcher(sources.allowed_hosts(), allow_loopback=True,
                                                          timeout=5, host_delay=0, robots=RobotsCache()))
    report = crawler.run_round(force=True)
    item = next(i for i in report.new_items if "공공건축물" in i.title)
    page, files = split(item.text)
    assert "온실가스" not in page and "탄소중립" not in page and "온실가스" not in item.title
    assert [name for name, _t in files] == [FILE] and "온실가스 배출량" in files[0][1]
    [attachment] = item.attachments
    assert (attachment.kind, attachment.status) == ("hwp", "read")
    assert attachment.excerpt.startswith("경상남도 공공건축물 관리 기본계획(안)")

    frequencies = DocumentFrequencies()
    for other in report.new_items:
        frequencies.add(document_terms(other.title, other.text))
    matches = {user: Matcher(Interest(department=p["department"], duties=p["duties"], keywords=p["keywords"],
                                      exclusions=p["exclusions"], agencies=p["agencies"]), frequencies)
               .score(item.title, item.text, item.agency) for user, p in DEMO_PROFILES.items()}
    assert matches["E1003"].tier == "alert"
    assert f"일치(첨부파일 ‘{FILE}’)" in matches["E1003"].reason
    assert {"온실가스", "탄소중립"} <= set(matches["E1003"].keywords)
    assert not matches["E1001"].relevant and not matches["E1002"].relevant


def test_the_demo_attachment_is_a_real_hwp_file(press: PressSite) -> None:
    with_file = next(p for p in press.published if p.release.attachment)
    import urllib.request

    with urllib.request.urlopen(f"{press.url}/files/{with_file.number}.hwp", timeout=5) as response:
        body = response.read()
        assert response.headers["Content-Type"] == "application/x-hwp"
    assert body.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")  # an OLE compound file
    document = read_document(body)
    assert (document.kind, document.ok) == ("hwp", True)
    assert with_file.release.title in document.text
