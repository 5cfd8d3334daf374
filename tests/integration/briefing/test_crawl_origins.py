"""Issue 15 (5): the crawler's allowlist is the sources' origins - scheme, host AND port. A redirect
or a feed entry to another port of an allowed host is refused before any connection, against real
HTTP servers on 127.0.0.1 (two ports of one host)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

import pytest

from chalicelib.briefing.crawling.fetch import HostNotAllowed
from chalicelib.briefing.crawling.service import fetcher_for
from chalicelib.briefing.crawling.sources import parse_sources
from tests.integration.briefing import pressdata
from tests.integration.briefing.sitekit import Site, page, redirect

pytestmark = pytest.mark.integration

SETTINGS = SimpleNamespace(crawl_allow_loopback=True, crawl_host_delay_ms=0)


def _sites(make_site: Callable[[], Site]) -> tuple[Site, Site, object]:
    listed, other = make_site(), make_site()  # 127.0.0.1 on two ports; only the first is a source
    other.routes["/secret"] = page("<html><body>internal admin page</body></html>")
    listed.routes["/hop"] = redirect(other.url("/secret"))
    listed.routes["/press/ok"] = page(pressdata.article("road"))
    sources = parse_sources({"sources": [pressdata.rss_source("listed", "테스트부", listed.url("/rss.xml"))]})
    return listed, other, fetcher_for(sources, SETTINGS)


def test_another_port_of_an_allowed_host_is_refused(make_site: Callable[[], Site]) -> None:
    listed, other, fetcher = _sites(make_site)
    assert fetcher.fetch(listed.url("/press/ok")).status == 200  # type: ignore[attr-defined]
    with pytest.raises(HostNotAllowed):
        fetcher.fetch(other.url("/secret"))  # type: ignore[attr-defined]  # e.g. a feed entry's link
    assert other.count("/secret") == 0


def test_a_redirect_to_another_port_is_refused(make_site: Callable[[], Site]) -> None:
    listed, other, fetcher = _sites(make_site)
    with pytest.raises(HostNotAllowed):
        fetcher.fetch(listed.url("/hop"))  # type: ignore[attr-defined]
    assert listed.count("/hop") == 1 and other.count("/secret") == 0
