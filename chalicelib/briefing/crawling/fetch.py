"""The crawler's HTTP client: polite, bounded, and safe to point at the internet from inside a VPC.

Rules (each one is a test in tests/integration/briefing/test_fetch.py):
- every request through the one guarded transport (``chalicelib/outbound.py``): only hosts
  named in the sources (``allowed_hosts``); the host is resolved and EVERY address must be
  global — private, link-local (the 169.254.169.254 metadata service), shared, reserved,
  multicast and unspecified addresses are refused before any connection is made; loopback only
  when ``allow_loopback`` (the local demo and tests). The connection goes to the address that
  was checked (no second resolution that DNS rebinding could change);
- at most ``max_redirects`` (3) redirects, each target checked again from the start;
- ``timeout`` (10 s) for the whole response of one request, not per read: a server that drips
  a byte every few seconds is cut off too; ``max_bytes`` (5 MB) of body, after decompression;
- conditional GET (If-None-Match / If-Modified-Since) → ``not_modified``;
- robots.txt honoured (RFC 9309: 4xx → allow all, 5xx or unreachable → disallow all), cached
  per origin for at most 24 h, its Crawl-delay respected; a pause between two requests to one
  host (``host_delay``).

Plain ``http.client``: no third-party HTTP stack to import on a cold start.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

from chalicelib import outbound
from chalicelib.outbound import (
    REDIRECTS,
    AddressNotAllowed,
    BadUrl,
    ConnectionFailed,
    FetchTimeout,
    HostNotAllowed,
    Resolver,
    TooLarge,
    address_allowed,
    default_resolver,
)
from chalicelib.outbound import OutboundError as FetchError

__all__ = ["AddressNotAllowed", "BadUrl", "ConnectionFailed", "FetchError", "FetchResult", "FetchTimeout",
           "Fetcher", "HostNotAllowed", "HttpStatusError", "RobotsCache", "RobotsDisallowed", "TooLarge",
           "TooManyRedirects", "address_allowed", "default_resolver"]

USER_AGENT = "GDeskBriefing/1.0 (+public-office press release monitor)"
ROBOTS_AGENT = "GDeskBriefing"
ROBOTS_TTL_S = 24 * 3600  # the RFC's ceiling; errors are cached for less
ROBOTS_ERROR_TTL_S = 600
ROBOTS_MAX_BYTES = 512 * 1024
MAX_CRAWL_DELAY_S = 10.0


class RobotsDisallowed(FetchError):
    reason = "robots_disallowed"


class TooManyRedirects(FetchError):
    reason = "too_many_redirects"


class HttpStatusError(FetchError):
    reason = "http_status"

    def __init__(self, message: str, url: str = "", status: int = 0) -> None:
        super().__init__(message, url)
        self.status = status


@dataclass(frozen=True)
class FetchResult:
    url: str  # after redirects
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes = b""
    not_modified: bool = False

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    def text(self) -> str:
        from chalicelib.briefing.crawling.charset import decode

        return decode(self.body, self.content_type)[0]


@dataclass
class _Robots:
    expires: float
    parser: RobotFileParser | None  # None: disallow everything (robots.txt unreachable)


@dataclass
class RobotsCache:
    """robots.txt per origin, kept at most ``ttl`` seconds; shared by the fetchers of one process
    (a warm Lambda keeps it across rounds)."""

    ttl: float = ROBOTS_TTL_S
    entries: dict[str, _Robots] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, origin: str, now: float) -> _Robots | None:
        with self.lock:
            entry = self.entries.get(origin)
            return entry if entry is not None and entry.expires > now else None

    def put(self, origin: str, entry: _Robots) -> None:
        with self.lock:
            self.entries[origin] = entry

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


ROBOTS_CACHE = RobotsCache()


class Fetcher:
    def __init__(self, allowed_hosts: Iterable[str], *, allowed_origins: Iterable[str] | None = None,
                 allow_loopback: bool = False,
                 timeout: float = 10.0, max_bytes: int = 5 * 1024 * 1024, max_redirects: int = 3,
                 host_delay: float = 1.0, user_agent: str = USER_AGENT,
                 resolver: Resolver = default_resolver, robots: RobotsCache | None = ROBOTS_CACHE,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.allowed_origins = None if allowed_origins is None else frozenset(allowed_origins)
        self.allow_loopback = allow_loopback
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.host_delay = host_delay
        self.user_agent = user_agent
        self.resolver = resolver
        self.robots = robots  # None: robots.txt not consulted (only for tests of other rules)
        self.sleep = sleep
        self.clock = clock
        self._last_request: dict[str, float] = {}
        self._host_delays: dict[str, float] = {}

    # -- public -------------------------------------------------------------------------------

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
              accept: str = "*/*", max_bytes: int | None = None) -> FetchResult:
        """``max_bytes``: this response's cap instead of the fetcher's (attachments are bigger
        than pages)."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url
        for _hop in range(self.max_redirects + 1):
            self._check_robots(current)
            result = self._request(current, headers, max_bytes or self.max_bytes)
            if result.status in REDIRECTS:
                location = result.headers.get("location")
                if not location:
                    raise HttpStatusError(f"HTTP {result.status} without Location", current, result.status)
                current = urljoin(current, location.strip())
                continue
            if result.status == 304:
                return FetchResult(result.url, 304, result.headers, b"", not_modified=True)
            if not 200 <= result.status < 300:
                raise HttpStatusError(f"HTTP {result.status}", current, result.status)
            return result
        raise TooManyRedirects(f"more than {self.max_redirects} redirects", url)

    def check_url(self, url: str) -> tuple[str, str, int, str]:
        """``(scheme, host, port, address)`` of a URL the rules allow, or a FetchError."""
        target = self._guard().check(url)
        return target.scheme, target.host, target.port, target.address

    def _guard(self) -> outbound.Guard:
        return outbound.Guard(allowed_hosts=self.allowed_hosts, allowed_origins=self.allowed_origins,
                              allow_loopback=self.allow_loopback,
                              resolver=self.resolver)

    # -- robots.txt ------------------------------------------------------------------------------

    def _check_robots(self, url: str) -> None:
        if self.robots is None:
            return
        parts = urlsplit(url)
        origin = f"{parts.scheme.lower()}://{parts.netloc.lower()}"
        entry = self.robots.get(origin, time.time())
        if entry is None:
            entry = self._load_robots(origin)
            self.robots.put(origin, entry)
        if entry.parser is None:
            raise RobotsDisallowed(f"robots.txt of {origin} is unreachable (RFC 9309: disallow)", url)
        if not entry.parser.can_fetch(ROBOTS_AGENT, url):
            raise RobotsDisallowed(f"robots.txt of {origin} disallows {parts.path or '/'}", url)
        delay = entry.parser.crawl_delay(ROBOTS_AGENT)
        if delay:
            self._host_delays[(parts.hostname or "").lower()] = min(float(delay), MAX_CRAWL_DELAY_S)

    def _load_robots(self, origin: str) -> _Robots:
        now = time.time()
        url = f"{origin}/robots.txt"
        try:
            result = self._request(url, {"Accept": "text/plain"}, ROBOTS_MAX_BYTES)
            for _hop in range(5):  # RFC 9309: follow at least five redirects
                if result.status not in REDIRECTS or not result.headers.get("location"):
                    break
                result = self._request(urljoin(url, result.headers["location"]), {"Accept": "text/plain"},
                                       ROBOTS_MAX_BYTES)
        except (HostNotAllowed, AddressNotAllowed, BadUrl):
            raise
        except FetchError:
            return _Robots(now + ROBOTS_ERROR_TTL_S, None)
        if 400 <= result.status < 500:
            parser = RobotFileParser()
            parser.parse([])
            return _Robots(now + ROBOTS_TTL_S, parser)
        if not 200 <= result.status < 300:
            return _Robots(now + ROBOTS_ERROR_TTL_S, None)
        parser = RobotFileParser()
        parser.parse(result.text().splitlines())
        return _Robots(now + ROBOTS_TTL_S, parser)

    # -- one request ---------------------------------------------------------------------------

    def _pause(self, host: str) -> None:
        delay = max(self.host_delay, self._host_delays.get(host, 0.0))
        last = self._last_request.get(host)
        if last is not None and delay > 0:
            wait = last + delay - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last_request[host] = self.clock()

    def _request(self, url: str, headers: dict[str, str], max_bytes: int) -> FetchResult:
        target = self._guard().check(url)
        self._pause(target.host)
        answer = outbound.request("GET", url, guard=self._guard(), target=target, timeout=self.timeout,
                                  max_bytes=max_bytes, clock=self.clock, headers={
                                      "User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate",
                                      **headers})
        return FetchResult(answer.url, answer.status, answer.headers, answer.body)
