"""The crawl sources: loading and validating ``sources.yaml``.

A source is a feed (``rss``) or an HTML list page (``html_list``, CSS selectors per source) of
one agency. The file is validated as a whole when loaded; the first bad entry raises a
``SourcesError`` that names it (its position and id) and the field, so a typo never reaches the
crawler. The hosts named here are the only hosts the fetcher will talk to (the SSRF allowlist).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

PACKAGED_SOURCES = Path(__file__).with_name("sources.yaml")
KINDS = ("rss", "html_list")
MIN_INTERVAL_S = 60
MAX_INTERVAL_S = 7 * 24 * 3600
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SOURCE_KEYS = {"id", "agency", "kind", "url", "interval", "enabled", "verified", "list", "hosts",
                "agency_from_entry", "max_items"}
_LIST_KEYS = {"item", "link", "title", "date"}


class SourcesError(ValueError):
    """The sources file is unusable; the message names the file, the entry and the field."""


@dataclass(frozen=True)
class ListSelectors:
    """CSS selectors of an ``html_list`` page: ``item`` selects each row; ``link`` (an ``<a>``
    inside it, default the first ``a[href]``), ``title`` (default the link's text) and ``date``
    (optional) are relative to the row."""

    item: str
    link: str = "a[href]"
    title: str = ""
    date: str = ""


@dataclass(frozen=True)
class Source:
    id: str
    agency: str
    kind: Literal["rss", "html_list"]
    url: str
    interval_s: int
    enabled: bool = True
    selectors: ListSelectors | None = None
    hosts: tuple[str, ...] = ()  # extra hosts its article links may live on
    agency_from_entry: bool = False  # multi-agency feeds: the entry's author names the agency
    max_items: int = 30  # new articles fetched per round (the rest come next round)
    verified: bool = True  # False: the selectors were checked only on a saved page, not the live site

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").lower()


@dataclass(frozen=True)
class SourceSet:
    sources: tuple[Source, ...]
    origin: str = "sources.yaml"
    by_id: dict[str, Source] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_id.update({s.id: s for s in self.sources})

    def enabled(self) -> list[Source]:
        return [s for s in self.sources if s.enabled]

    def allowed_hosts(self) -> frozenset[str]:
        """Every host the crawler may contact: the sources' own and their declared extra hosts."""
        hosts: set[str] = set()
        for source in self.sources:
            hosts.add(source.host)
            hosts.update(h.lower() for h in source.hosts)
        return frozenset(hosts)

    def allowed_origins(self) -> frozenset[str]:
        """Every origin (scheme, host AND port) the crawler may contact: each source's own, and its
        declared extra hosts under the source's scheme and default port. A plain-http source on port
        80 may also be upgraded to https on 443 (the usual redirect); nothing else on those hosts."""
        from chalicelib.outbound import origin

        origins: set[str] = set()
        for source in self.sources:
            parts = urlsplit(source.url)
            scheme = parts.scheme.lower()
            pairs = [(source.host, parts.port), *((h.lower(), None) for h in source.hosts)]
            for host, port in pairs:
                origins.add(origin(scheme, host, port))
                if origin(scheme, host, port) == origin("http", host, 80):
                    origins.add(origin("https", host, 443))
        return frozenset(origins)

    def select(self, ids: Iterable[str]) -> SourceSet:
        wanted = list(ids)
        missing = [i for i in wanted if i not in self.by_id]
        if missing:
            raise SourcesError(f"{self.origin}: no source with id {', '.join(map(repr, missing))}")
        return SourceSet(tuple(self.by_id[i] for i in wanted), self.origin)


def parse_duration(value: Any) -> int:
    """``90`` (seconds), ``"30s"``, ``"10m"``, ``"1h"``, ``"1d"`` → seconds."""
    if isinstance(value, bool):
        raise ValueError("must be a duration like 10m, 1h or a number of seconds")
    if isinstance(value, int):
        return value
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"must be a duration like 10m, 1h or a number of seconds, got {value!r}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2) or "s"]


def load_sources(path: str | Path | None = None) -> SourceSet:
    """Read and validate a sources file (default: the packaged ``sources.yaml``)."""
    import yaml

    file = Path(path) if path else PACKAGED_SOURCES
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourcesError(f"{file}: cannot read ({exc.strerror or exc})") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourcesError(f"{file}: not valid YAML: {' '.join(str(exc).split())}") from exc
    return parse_sources(data, origin=str(file))


def parse_sources(data: Any, origin: str = "sources.yaml") -> SourceSet:
    if not isinstance(data, Mapping) or not isinstance(data.get("sources"), list):
        raise SourcesError(f"{origin}: expected a mapping with a 'sources:' list")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise SourcesError(f"{origin}: 'defaults' must be a mapping")
    sources: list[Source] = []
    seen: set[str] = set()
    for position, entry in enumerate(data["sources"], start=1):
        source = _parse_entry(entry, defaults, f"{origin}: source #{position}")
        if source.id in seen:
            raise SourcesError(f"{origin}: source #{position} (id {source.id!r}): duplicate id")
        seen.add(source.id)
        sources.append(source)
    if not sources:
        raise SourcesError(f"{origin}: 'sources' is empty")
    return SourceSet(tuple(sources), origin)


def _parse_entry(entry: Any, defaults: Mapping[str, Any], where: str) -> Source:
    if not isinstance(entry, Mapping):
        raise SourcesError(f"{where}: expected a mapping with id, agency, kind, url, interval")
    raw_id = entry.get("id")
    if isinstance(raw_id, str) and raw_id:
        where = f"{where} (id {raw_id!r})"

    def bad(name: str, message: str) -> SourcesError:
        return SourcesError(f"{where}: {name}: {message}")

    unknown = sorted(set(entry) - _SOURCE_KEYS)
    if unknown:
        raise bad(unknown[0], f"unknown field (allowed: {', '.join(sorted(_SOURCE_KEYS))})")
    merged = {**defaults, **entry}
    if not isinstance(raw_id, str) or not _ID.match(raw_id):
        raise bad("id", "required; lowercase letters, digits, '-' or '_' (at most 63)")
    agency = merged.get("agency")
    if not isinstance(agency, str) or not agency.strip():
        raise bad("agency", "required (the agency's name, e.g. 행정안전부)")
    kind = merged.get("kind")
    if kind not in KINDS:
        raise bad("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    url = merged.get("url")
    if not isinstance(url, str) or not _valid_url(url):
        raise bad("url", f"must be an absolute http(s) URL, got {url!r}")
    try:
        interval = parse_duration(merged.get("interval"))
    except ValueError as exc:
        raise bad("interval", str(exc)) from None
    if not MIN_INTERVAL_S <= interval <= MAX_INTERVAL_S:
        raise bad("interval", f"must be between 1m and 7d, got {interval}s")
    enabled, agency_from_entry, max_items, hosts = _parse_options(merged, bad)
    verified = _parse_verified(merged, enabled, raw_id, bad)
    selectors = _parse_selectors(merged.get("list"), kind, bad)
    return Source(id=raw_id, agency=agency.strip(), kind=kind, url=url, interval_s=interval,
                  enabled=enabled, selectors=selectors, hosts=tuple(h.lower() for h in hosts),
                  agency_from_entry=agency_from_entry, max_items=max_items, verified=verified)


def _parse_options(merged: Mapping[str, Any], bad: Any) -> tuple[bool, bool, int, list[str]]:
    enabled = merged.get("enabled", True)
    if not isinstance(enabled, bool):
        raise bad("enabled", "must be true or false")
    agency_from_entry = merged.get("agency_from_entry", False)
    if not isinstance(agency_from_entry, bool):
        raise bad("agency_from_entry", "must be true or false")
    max_items = merged.get("max_items", 30)
    if isinstance(max_items, bool) or not isinstance(max_items, int) or not 1 <= max_items <= 200:
        raise bad("max_items", "must be an integer between 1 and 200")
    hosts = merged.get("hosts", [])
    if not isinstance(hosts, list) or not all(isinstance(h, str) and _valid_host(h) for h in hosts):
        raise bad("hosts", "must be a list of host names")
    return enabled, agency_from_entry, max_items, hosts


def _parse_verified(merged: Mapping[str, Any], enabled: bool, source_id: str, bad: Any) -> bool:
    verified = merged.get("verified", True)
    if not isinstance(verified, bool):
        raise bad("verified", "must be true or false")
    if enabled and not verified:
        raise bad("enabled", "an unverified source cannot be enabled: run "
                             f"`gdesk sources check --source {source_id}` against the live site, "
                             "then set verified: true")
    return verified


def _parse_selectors(raw: Any, kind: str, bad: Any) -> ListSelectors | None:
    if kind == "rss":
        if raw is not None:
            raise bad("list", "only html_list sources have CSS selectors")
        return None
    if not isinstance(raw, Mapping) or not raw.get("item"):
        raise bad("list", "html_list sources need 'list: {item: <CSS selector>, ...}'")
    unknown = sorted(set(raw) - _LIST_KEYS)
    if unknown:
        raise bad(f"list.{unknown[0]}", f"unknown selector (allowed: {', '.join(sorted(_LIST_KEYS))})")
    values: dict[str, Any] = {k: raw.get(k) for k in _LIST_KEYS if raw.get(k) is not None}
    for key, value in values.items():
        if not isinstance(value, str) or not value.strip():
            raise bad(f"list.{key}", "must be a CSS selector string")
        try:
            _compile_css(value)
        except Exception as exc:  # noqa: BLE001 - cssselect raises several error types
            raise bad(f"list.{key}", f"not a valid CSS selector: {value!r} ({exc})") from None
    return ListSelectors(**values)


def _compile_css(selector: str) -> str:
    from cssselect import GenericTranslator

    return str(GenericTranslator().css_to_xpath(selector))


def _valid_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url


def _valid_host(host: str) -> bool:
    return bool(re.match(r"^[A-Za-z0-9.-]+$", host)) and not host.startswith(".")
