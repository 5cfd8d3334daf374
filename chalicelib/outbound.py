"""The one guarded outbound HTTP transport: every request the application makes to another server
(the crawler's pages, every messenger channel, the photos "보내기" webhook) goes through ``request``.

Rules:
- ``http``/``https`` only; a host allowlist when the caller has one (the crawler's sources); a
  ``plain_http_loopback_only`` guard for hooks (plain http is allowed only to loopback);
- the host is resolved and EVERY address must be global — private, link-local (the
  169.254.169.254 metadata service), shared, reserved, multicast and unspecified addresses are
  refused before any connection is made; loopback only when the settings allow it (local demo and
  tests). The connection goes to the address that was checked (pinned: no second resolution that
  DNS rebinding could change);
- redirects are never followed here: the answer (3xx and its Location) goes back to the caller,
  which may check the next URL from the start (the crawler) or treat it as a failure (hooks);
- ``timeout`` for the whole response of one request, not per read (a server that drips a byte
  every few seconds is cut off too); ``max_bytes`` of body, after decompression.

Plain ``http.client``: no third-party HTTP stack to import on a cold start. Pure of boto3/Chalice.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

REDIRECTS = frozenset({301, 302, 303, 307, 308})

Resolver = Callable[[str, int], list[str]]


class OutboundError(Exception):
    """A request that did not give a usable response; ``reason`` is a short machine word."""

    reason = "fetch_failed"
    permanent = False  # True: the rules refuse this URL; trying again later cannot help

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class BadUrl(OutboundError):
    reason = "bad_url"
    permanent = True


class HostNotAllowed(OutboundError):
    reason = "host_not_allowed"
    permanent = True


class AddressNotAllowed(OutboundError):
    reason = "address_not_allowed"
    permanent = True


class TooLarge(OutboundError):
    reason = "too_large"


class FetchTimeout(OutboundError):
    reason = "timeout"


class ConnectionFailed(OutboundError):
    reason = "connection_failed"


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes = b""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    address: str  # the checked address the connection goes to


def default_resolver(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConnectionFailed(f"cannot resolve {host}: {exc.strerror or exc}") from exc
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_allowed(address: str, allow_loopback: bool) -> bool:
    """Only globally routable unicast addresses (and loopback when allowed)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return allow_loopback
    return bool(ip.is_global) and not ip.is_multicast and not ip.is_reserved and not ip.is_unspecified


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Guard:
    """Where requests may go. ``allowed_hosts`` None: any host whose addresses are public."""

    allowed_hosts: frozenset[str] | None = None
    # "scheme://host:port" strings: when given, the URL's origin must be one of them - the same
    # host on another port (an admin console, a metadata proxy) is another service.
    allowed_origins: frozenset[str] | None = None
    allow_loopback: bool = False
    plain_http_loopback_only: bool = False  # hooks: https, or plain http to loopback
    resolver: Resolver = default_resolver

    @classmethod
    def for_hosts(cls, hosts: Iterable[str], **options: object) -> Guard:
        return cls(allowed_hosts=frozenset(h.lower() for h in hosts), **options)  # type: ignore[arg-type]

    def check(self, url: str) -> Target:
        """The target of a URL the rules allow, or an ``OutboundError``."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise BadUrl(f"not an http(s) URL: {url[:200]!r}", url)
        host = parts.hostname.lower().rstrip(".")
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            raise HostNotAllowed(f"host {host} is not named in the sources", url)
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as exc:
            raise BadUrl(f"bad port in {url[:200]!r}", url) from exc
        if self.allowed_origins is not None and origin(scheme, host, port) not in self.allowed_origins:
            raise HostNotAllowed(f"{origin(scheme, host, port)} is not an origin named in the sources", url)
        addresses = self.resolver(host, port)
        if not addresses:
            raise ConnectionFailed(f"{host} has no address", url)
        refused = [a for a in addresses if not address_allowed(a, self.allow_loopback)]
        if refused:
            raise AddressNotAllowed(f"{host} resolves to a non-public address ({refused[0]})", url)
        if scheme == "http" and self.plain_http_loopback_only and not all(map(_is_loopback, addresses)):
            raise BadUrl("plain http is allowed only to loopback", url)
        return Target(scheme, host, port, addresses[0])


def origin(scheme: str, host: str, port: int | None = None) -> str:
    """``scheme://host:port`` with the scheme's default port filled in (the form of ``allowed_origins``)."""
    scheme = scheme.lower()
    return f"{scheme}://{host.lower().rstrip('.')}:{port or (443 if scheme == 'https' else 80)}"


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that passed the check, whatever DNS says a moment later."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def request(method: str, url: str, *, guard: Guard, headers: dict[str, str] | None = None,
            body: bytes | None = None, timeout: float = 10.0, max_bytes: int = 5 * 1024 * 1024,
            read_body_of: Callable[[int], bool] = lambda status: 200 <= status < 300,
            clock: Callable[[], float] = time.monotonic, target: Target | None = None) -> Response:
    """One request through the guard; redirects come back as they are. The body is read only for
    statuses ``read_body_of`` accepts (2xx by default), within ``timeout`` and ``max_bytes``.
    ``target``: a ``guard.check(url)`` the caller already made (checked before anything else)."""
    target = target or guard.check(url)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    deadline = clock() + timeout
    cls = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = cls(target.host, target.port, target.address, timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        sock = conn.sock  # kept: http.client drops it from conn when the server closes
        response = conn.getresponse()
        names = {k.lower(): v for k, v in response.getheaders()}
        if not read_body_of(response.status):
            return Response(url, response.status, names)
        return Response(url, response.status, names,
                        _read_body(response, sock, names, deadline, max_bytes, url, timeout, clock))
    except TimeoutError as exc:
        raise FetchTimeout(f"no complete answer within {timeout:g} s", url) from exc
    except ssl.SSLError as exc:
        raise ConnectionFailed(f"TLS error: {exc.reason or exc}", url) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise ConnectionFailed(f"{type(exc).__name__}: {exc}", url) from exc
    finally:
        conn.close()


def _read_body(response: http.client.HTTPResponse, sock: socket.socket | None, headers: dict[str, str],
               deadline: float, max_bytes: int, url: str, timeout: float,
               clock: Callable[[], float]) -> bytes:
    declared = headers.get("content-length", "")
    encoding = headers.get("content-encoding", "identity").strip().lower()
    if declared.isdigit() and int(declared) > max_bytes and encoding in ("identity", ""):
        raise TooLarge(f"Content-Length {int(declared)} exceeds {max_bytes} bytes", url)
    inflater = zlib.decompressobj(wbits=47) if encoding in ("gzip", "x-gzip", "deflate") else None
    out = bytearray()
    raw_read = 0
    while True:
        remaining = deadline - clock()
        if remaining <= 0:
            raise FetchTimeout(f"no complete answer within {timeout:g} s", url)
        if sock is not None:
            sock.settimeout(remaining)
        chunk = response.read1(65536)
        if not chunk:
            break
        raw_read += len(chunk)
        if inflater is None:
            out += chunk
        else:
            try:
                out += inflater.decompress(chunk, max_bytes + 1 - len(out))
            except zlib.error as exc:
                raise ConnectionFailed(f"bad {encoding} body: {exc}", url) from exc
            if inflater.unconsumed_tail:
                raise TooLarge(f"body exceeds {max_bytes} bytes after decompression", url)
        if len(out) > max_bytes or raw_read > max_bytes * 4:
            raise TooLarge(f"body exceeds {max_bytes} bytes", url)
    if inflater is not None:
        out += inflater.flush()
        if len(out) > max_bytes:
            raise TooLarge(f"body exceeds {max_bytes} bytes after decompression", url)
    return bytes(out)
