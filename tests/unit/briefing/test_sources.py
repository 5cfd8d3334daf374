from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chalicelib.briefing.crawling.sources import SourcesError, load_sources, parse_duration, parse_sources


def _one(**fields: Any) -> dict[str, Any]:
    entry = {"id": "mois", "agency": "행정안전부", "kind": "rss",
             "url": "https://www.korea.kr/rss/dept_mois.xml", "interval": "15m"}
    entry.update(fields)
    return {"sources": [entry]}


def test_the_packaged_file_is_valid_and_names_the_real_feeds() -> None:
    sources = load_sources()
    urls = {s.url for s in sources.sources}
    assert "https://www.korea.kr/rss/pressrelease.xml" in urls
    assert any(u.startswith("https://www.korea.kr/rss/dept_") for u in urls)
    assert {"rss", "html_list"} <= {s.kind for s in sources.sources}
    assert "www.korea.kr" in sources.allowed_hosts()
    assert all(s.interval_s >= 60 for s in sources.sources)


def test_a_valid_entry() -> None:
    source = parse_sources(_one(hosts=["files.korea.kr"], max_items=5)).sources[0]
    assert (source.id, source.agency, source.kind, source.interval_s) == ("mois", "행정안전부", "rss", 900)
    assert source.host == "www.korea.kr" and source.max_items == 5
    assert parse_sources(_one(hosts=["Files.Korea.kr"])).allowed_hosts() == {"www.korea.kr", "files.korea.kr"}


def test_defaults_apply_and_entries_override() -> None:
    data = {"defaults": {"interval": "1h"}, "sources": [
        {"id": "a", "agency": "A", "kind": "rss", "url": "https://a.go.kr/rss"},
        {"id": "b", "agency": "B", "kind": "rss", "url": "https://b.go.kr/rss", "interval": 120}]}
    assert [s.interval_s for s in parse_sources(data).sources] == [3600, 120]


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"kind": "atom"}, "kind", "rss, html_list"),
    ({"url": "ftp://x.go.kr/feed"}, "url", "http(s)"),
    ({"url": "/rss.xml"}, "url", "absolute"),
    ({"interval": "soon"}, "interval", "duration"),
    ({"interval": "10s"}, "interval", "between"),
    ({"agency": " "}, "agency", "required"),
    ({"id": "Bad Id"}, "id", "lowercase"),
    ({"enabled": "yes"}, "enabled", "true or false"),
    ({"max_items": 0}, "max_items", "between"),
    ({"hosts": "a.go.kr"}, "hosts", "list"),
    ({"selector": "li"}, "selector", "unknown field"),
    ({"list": {"item": "li"}}, "list", "only html_list"),
    ({"kind": "html_list"}, "list", "need"),
    ({"kind": "html_list", "list": {"item": "li[["}}, "list.item", "not a valid CSS selector"),
    ({"kind": "html_list", "list": {"item": "li", "author": ".a"}}, "list.author", "unknown selector"),
])
def test_a_bad_entry_is_named_with_its_field(fields: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(SourcesError) as err:
        parse_sources(_one(**fields), origin="my.yaml")
    message = str(err.value)
    assert message.startswith("my.yaml: source #1")
    assert f": {field}: " in message
    assert words in message


def test_the_position_and_id_of_the_bad_entry_are_in_the_message() -> None:
    data = _one()
    data["sources"].append({"id": "moef", "agency": "기획재정부", "kind": "rss", "url": "nope",
                            "interval": 60})
    with pytest.raises(SourcesError, match=r"source #2 \(id 'moef'\): url"):
        parse_sources(data)


def test_duplicate_ids_and_empty_files_are_refused() -> None:
    data = _one()
    data["sources"].append(dict(data["sources"][0]))
    with pytest.raises(SourcesError, match="duplicate id"):
        parse_sources(data)
    with pytest.raises(SourcesError, match="empty"):
        parse_sources({"sources": []})
    with pytest.raises(SourcesError, match="'sources:' list"):
        parse_sources(["not", "a", "mapping"])


def test_load_reports_missing_files_and_broken_yaml(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="cannot read"):
        load_sources(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("sources: [ {id: a", encoding="utf-8")
    with pytest.raises(SourcesError, match="not valid YAML"):
        load_sources(broken)


def test_select_by_id() -> None:
    sources = parse_sources(_one())
    assert [s.id for s in sources.select(["mois"]).sources] == ["mois"]
    with pytest.raises(SourcesError, match="no source with id 'nope'"):
        sources.select(["nope"])


def test_durations() -> None:
    values = (90, "30s", "10m", "2h", "1d", " 5 m ")
    assert [parse_duration(v) for v in values] == [90, 30, 600, 7200, 86400, 300]
    for bad in ("10 minutes", True, "-1m", ""):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_allowed_origins_are_scheme_host_and_port() -> None:
    """Issue 15: the same host on another port is another service, not part of the allowlist."""
    sources = parse_sources({"sources": [
        {**_one(hosts=["Files.Korea.kr"])["sources"][0]},
        {"id": "local", "agency": "시험", "kind": "rss", "url": "http://127.0.0.1:8081/rss.xml",
         "interval": "10m"},
        {"id": "plain", "agency": "시험", "kind": "rss", "url": "http://news.example.kr/rss",
         "interval": "10m"},
    ]})
    origins = sources.allowed_origins()
    assert "https://www.korea.kr:443" in origins and "https://files.korea.kr:443" in origins
    assert "http://127.0.0.1:8081" in origins and "http://127.0.0.1:80" not in origins
    assert {"http://news.example.kr:80", "https://news.example.kr:443"} <= origins  # the usual upgrade
    assert not any(o.startswith("http://www.korea.kr") for o in origins)
