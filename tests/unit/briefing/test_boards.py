"""The selectors of every board that could not be checked against the live site, on a saved page of
that board's software (tests/unit/briefing/boards/<id>.html): rows, links, titles and dates."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from chalicelib.briefing.crawling.feeds import parse
from chalicelib.briefing.crawling.sources import SourcesError, load_sources, parse_sources

BOARDS = Path(__file__).with_name("boards")
SOURCES = load_sources()
UNVERIFIED = [s for s in SOURCES.sources if not s.verified]

# first row, its date (KST) and how many rows the saved page holds
EXPECTED = {
    "gyeongnam-press": ("2026년 경상남도 보도자료 운영 안내", "2026-01-02", 7),
    "gyeongnam-news": ("경남도, 2027년 국비 10조 원 시대 열었다", "2026-12-01T17:40", 5),
    "gyeongnam-legislation-notice": ("입법예고 의견 제출 방법 안내", "2026-01-05", 5),
    "moleg-legislation-notice": ("지방자치법 시행령 일부개정령안", "2026-12-01", 5),
    "moleg-admin-notice": ("2027년도 지방자치단체 예산편성 운영기준 행정예고", "2026-12-01", 4),
    "lh-press": ("LH, 진주 혁신도시 공공임대 1,200호 공급", "2026-12-01", 5),
    "kosep-press": ("한국남동발전, 삼천포 해상풍력 2단계 주민 설명회 개최", "2026-12-01", 4),
    "kwater-press": ("K-water, 남강댐 치수능력 증대사업 착공", "2026-12-01", 4),
}


def test_the_province_is_gyeongnam_and_the_new_kinds_of_source_are_there() -> None:
    agencies = {s.agency for s in SOURCES.sources}
    assert not any("경기" in a for a in agencies)
    assert {"gyeongnam-press", "gyeongnam-news"} <= set(SOURCES.by_id)
    assert any("입법예고" in a for a in agencies) and any("행정예고" in a for a in agencies)
    institutions = [s for s in SOURCES.sources if s.id in ("lh-press", "kosep-press", "kwater-press")]
    assert len(institutions) >= 2


def test_every_unverified_source_is_disabled_and_has_a_saved_page() -> None:
    assert {s.id for s in UNVERIFIED} == set(EXPECTED)
    assert all(not s.enabled for s in UNVERIFIED)
    assert all((BOARDS / f"{s.id}.html").exists() for s in UNVERIFIED)


@pytest.mark.parametrize("source", UNVERIFIED, ids=lambda s: s.id)
def test_the_selectors_find_every_row_of_the_saved_page(source) -> None:  # type: ignore[no-untyped-def]
    page = (BOARDS / f"{source.id}.html").read_text(encoding="utf-8")
    entries = parse(source, page, source.url)
    first_title, first_date, rows = EXPECTED[source.id]
    assert len(entries) == rows
    assert entries[0].title == first_title
    assert entries[0].published_at is not None and entries[0].published_at.startswith(first_date)
    for entry in entries:
        assert urlsplit(entry.url).hostname == source.host  # links resolved against the board's URL
        assert urlsplit(entry.url).scheme == "https" and "javascript" not in entry.url
        assert entry.title and "\n" not in entry.title and entry.published_at


def test_an_unverified_source_cannot_be_enabled() -> None:
    entry = {"id": "x", "agency": "X", "kind": "html_list", "url": "https://x.go.kr/list", "interval": "1h",
             "list": {"item": "tr"}, "verified": False}
    assert parse_sources({"sources": [{**entry, "enabled": False}]}).sources[0].verified is False
    with pytest.raises(SourcesError,
                       match=r"unverified source cannot be enabled.*gdesk sources check --source x"):
        parse_sources({"sources": [entry]})
    with pytest.raises(SourcesError, match="verified: must be true or false"):
        parse_sources({"sources": [{**entry, "verified": "no"}]})
