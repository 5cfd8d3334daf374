"""The fetcher against real HTTP servers on 127.0.0.1: limits, redirects, SSRF guard, robots.txt."""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable
from typing import Any

import pytest

from chalicelib import outbound
from chalicelib.briefing.crawling import fetch
from chalicelib.briefing.crawling.fetch import Fetcher, RobotsCache
from tests.integration.briefing.sitekit import Site, drip, hang, huge, page, redirect

pytestmark = pytest.mark.integration

HTML = "<html><body><p>보도자료 본문</p></body></html>"


def fetcher(site: Site, **kwargs: Any) -> Fetcher:
    options: dict[str, Any] = {"allow_loopback": True, "timeout": 1.0, "host_delay": 0.0,
                               "robots": RobotsCache()}
    options.update(kwargs)
    hosts = options.pop("hosts", ["127.0.0.1"])
    return Fetcher(hosts, **options)


def test_a_page_is_fetched_with_our_user_agent(site: Site) -> None:
    site.routes["/a"] = page(HTML, headers={"ETag": '"v1"', "Last-Modified": "Wed, 01 May 2024 00:00:00 GMT"})
    result = fetcher(site).fetch(site.url("/a"))
    assert result.status == 200 and result.text() == HTML
    assert result.etag == '"v1"' and result.last_modified == "Wed, 01 May 2024 00:00:00 GMT"
    assert site.request_headers[-1]["user-agent"].startswith("GDeskBriefing/")


def test_conditional_get_gives_not_modified(site: Site) -> None:
    def conditional(handler: Any) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            handler.send_response(304)
            handler.end_headers()
            return
        body = HTML.encode()
        handler.send_response(200)
        handler.send_header("ETag", '"v1"')
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    site.routes["/feed"] = conditional
    client = fetcher(site)
    first = client.fetch(site.url("/feed"))
    second = client.fetch(site.url("/feed"), etag=first.etag, last_modified="Wed, 01 May 2024 00:00:00 GMT")
    assert not first.not_modified and second.not_modified and second.body == b""
    assert site.request_headers[-1]["if-modified-since"] == "Wed, 01 May 2024 00:00:00 GMT"


def test_a_hanging_server_times_out(site: Site) -> None:
    site.routes["/hang"] = hang(site)
    started = time.monotonic()
    with pytest.raises(fetch.FetchTimeout):
        fetcher(site, timeout=0.5).fetch(site.url("/hang"))
    assert time.monotonic() - started < 3


def test_a_dripping_server_is_cut_off_by_the_total_timeout(site: Site) -> None:
    site.routes["/drip"] = drip(site, 0.1)  # every single read is fast; the whole is not
    started = time.monotonic()
    with pytest.raises(fetch.FetchTimeout):
        fetcher(site, timeout=0.6).fetch(site.url("/drip"))
    assert time.monotonic() - started < 2


def test_500_is_an_error_with_its_status(site: Site) -> None:
    site.routes["/500"] = (500, {"Content-Type": "text/plain"}, b"oops")
    with pytest.raises(fetch.HttpStatusError) as err:
        fetcher(site).fetch(site.url("/500"))
    assert err.value.status == 500 and err.value.reason == "http_status"


@pytest.mark.parametrize("declare_length", [True, False])
def test_a_20_mb_body_is_refused(site: Site, declare_length: bool) -> None:
    site.routes["/huge"] = huge(20 * 1024 * 1024, declare_length)
    with pytest.raises(fetch.TooLarge):
        fetcher(site, timeout=5).fetch(site.url("/huge"))


def test_a_gzip_bomb_is_refused_after_decompression(site: Site) -> None:
    bomb = gzip.compress(b"\0" * (30 * 1024 * 1024))
    site.routes["/bomb"] = (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, bomb)
    with pytest.raises(fetch.TooLarge):
        fetcher(site).fetch(site.url("/bomb"))
    site.routes["/gz"] = (200, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
                          gzip.compress(HTML.encode()))
    assert fetcher(site).fetch(site.url("/gz")).text() == HTML


def test_up_to_three_redirects_are_followed(site: Site) -> None:
    site.routes.update({"/r1": redirect("/r2"), "/r2": redirect(site.url("/r3"), 301),
                        "/r3": redirect("/final", 307), "/final": page(HTML)})
    result = fetcher(site).fetch(site.url("/r1"))
    assert result.url == site.url("/final") and result.text() == HTML
    site.routes["/r0"] = redirect("/r1")
    with pytest.raises(fetch.TooManyRedirects):
        fetcher(site).fetch(site.url("/r0"))


def test_a_redirect_to_the_metadata_service_is_refused_without_connecting(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    connects: list[str] = []
    real = outbound.socket.create_connection

    def recording(address: Any, *args: Any, **kwargs: Any) -> Any:
        connects.append(address[0])
        return real(address, *args, **kwargs)

    monkeypatch.setattr(outbound.socket, "create_connection", recording)
    site.routes["/meta"] = redirect("http://169.254.169.254/latest/meta-data/iam/security-credentials/")
    with pytest.raises(fetch.HostNotAllowed):
        fetcher(site).fetch(site.url("/meta"))
    # even if someone lists the address as a host, the address check refuses it
    client = fetcher(site, hosts=["127.0.0.1", "169.254.169.254"])
    with pytest.raises(fetch.AddressNotAllowed):
        client.fetch(site.url("/meta"))
    assert connects and set(connects) == {"127.0.0.1"}  # the metadata address was never connected to


def test_a_redirect_to_a_host_not_in_the_sources_is_refused(site: Site) -> None:
    site.routes["/away"] = redirect("https://attacker.example/steal")
    with pytest.raises(fetch.HostNotAllowed, match="attacker.example"):
        fetcher(site).fetch(site.url("/away"))
    site.routes["/file"] = redirect("file:///etc/passwd")
    with pytest.raises(fetch.BadUrl):
        fetcher(site).fetch(site.url("/file"))


@pytest.mark.parametrize("address", [
    "10.1.2.3", "172.16.0.9", "192.168.0.1", "100.64.0.1", "169.254.169.254", "0.0.0.0", "::1",
    "fd00:ec2::254", "fe80::1", "::ffff:10.0.0.1", "224.0.0.1"])
def test_a_listed_host_that_resolves_to_a_private_address_is_refused(address: str) -> None:
    client = Fetcher(["intranet.go.kr"], allow_loopback=False, robots=None,
                     resolver=lambda host, port: [address])
    with pytest.raises(fetch.AddressNotAllowed):
        client.fetch("http://intranet.go.kr/press")


def test_one_private_address_among_public_ones_is_enough_to_refuse() -> None:
    client = Fetcher(["mixed.go.kr"], robots=None, resolver=lambda host, port: ["211.43.0.1", "10.0.0.1"])
    with pytest.raises(fetch.AddressNotAllowed):
        client.check_url("https://mixed.go.kr/")
    assert Fetcher(["ok.go.kr"], resolver=lambda h, p: ["211.43.0.1"]).check_url("https://ok.go.kr/")[3] == \
        "211.43.0.1"


def test_loopback_only_when_allowed(site: Site) -> None:
    site.routes["/a"] = page(HTML)
    with pytest.raises(fetch.AddressNotAllowed):
        fetcher(site, allow_loopback=False).fetch(site.url("/a"))
    assert fetcher(site, allow_loopback=True).fetch(site.url("/a")).status == 200


def test_robots_txt_is_honoured_and_cached(site: Site) -> None:
    site.routes["/robots.txt"] = page("User-agent: *\nDisallow: /private\n", "text/plain")
    site.routes["/private/1"] = page(HTML)
    site.routes["/public/1"] = page(HTML)
    cache = RobotsCache()
    client = fetcher(site, robots=cache)
    with pytest.raises(fetch.RobotsDisallowed):
        client.fetch(site.url("/private/1"))
    assert client.fetch(site.url("/public/1")).status == 200
    fetcher(site, robots=cache).fetch(site.url("/public/1"))  # a new fetcher shares the cache
    assert site.count("/robots.txt") == 1
    assert next(iter(cache.entries.values())).expires - time.time() <= 24 * 3600


def test_robots_txt_for_our_agent_and_a_missing_or_broken_one(make_site: Callable[[], Site]) -> None:
    ours = make_site()
    ours.routes["/robots.txt"] = page("User-agent: GDeskBriefing\nDisallow: /\n\nUser-agent: *\nAllow: /\n",
                                      "text/plain")
    ours.routes["/a"] = page(HTML)
    with pytest.raises(fetch.RobotsDisallowed):
        fetcher(ours).fetch(ours.url("/a"))
    missing = make_site()  # 404: everything allowed
    missing.routes["/a"] = page(HTML)
    assert fetcher(missing).fetch(missing.url("/a")).status == 200
    broken = make_site()  # 5xx: nothing allowed (RFC 9309)
    broken.routes["/robots.txt"] = (503, {}, b"")
    broken.routes["/a"] = page(HTML)
    with pytest.raises(fetch.RobotsDisallowed, match="unreachable"):
        fetcher(broken).fetch(broken.url("/a"))


def test_crawl_delay_and_the_per_host_pause(site: Site) -> None:
    site.routes["/a"] = page(HTML)
    slept: list[float] = []
    client = fetcher(site, host_delay=5.0, sleep=slept.append)
    client.fetch(site.url("/a"))
    client.fetch(site.url("/a"))
    # robots.txt, then the page twice: three requests to one host, two pauses
    assert len(slept) == 2 and all(4.0 < s <= 5.0 for s in slept)
    site.routes["/robots.txt"] = page("User-agent: *\nCrawl-delay: 7\n", "text/plain")
    slept.clear()
    client = fetcher(site, host_delay=0.0, sleep=slept.append)
    client.fetch(site.url("/a"))
    client.fetch(site.url("/a"))
    assert slept and 6.0 < slept[-1] <= 7.0

