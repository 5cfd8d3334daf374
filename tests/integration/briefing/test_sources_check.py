"""`gdesk sources check` against the local demo press site (real HTTP on 127.0.0.1): it lists what
each source's parser finds, and fails on a dead source or a board whose markup no longer matches."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from chalicelib.briefing.crawling.fetch import ROBOTS_CACHE
from chalicelib.settings import get_settings
from infra.cli import main
from infra.demo.briefing_site import PressSite

pytestmark = pytest.mark.integration


@pytest.fixture
def press(monkeypatch: pytest.MonkeyPatch) -> Iterator[PressSite]:
    site = PressSite(interval=3600).start()
    monkeypatch.setenv("GDESK_CRAWL_ALLOW_LOOPBACK", "1")
    monkeypatch.setenv("GDESK_CRAWL_HOST_DELAY_MS", "0")
    get_settings.cache_clear()
    ROBOTS_CACHE.clear()
    yield site
    site.stop()
    monkeypatch.undo()
    get_settings.cache_clear()
    ROBOTS_CACHE.clear()


def _dead_port() -> int:
    with socket.socket() as sock:  # bound and closed again: nothing listens there
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write(tmp_path: Path, sources: list[dict]) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")
    return path


def test_check_lists_what_the_demo_sources_find(press: PressSite, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, press.sources()["sources"])
    assert main(["sources", "check", "--sources", str(path)]) == 0
    out, err = capsys.readouterr()
    rss, board = len(press.channel("rss")), len(press.channel("board"))
    assert rss >= 2 and board >= 1
    assert f"OK   demo-press: {rss} item(s)" in out and f"OK   demo-province: {board} item(s)" in out
    first_rss = next(p for p in reversed(press.published) if p.release.channel == "rss")
    assert first_rss.release.title in out and f"{press.url}{first_rss.path}" in out
    assert "2 source(s) checked" in err

    assert main(["sources", "check", "--sources", str(path), "--source", "demo-province", "--json"]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert (result["source_id"], result["ok"], result["error"]) == ("demo-province", True, None)
    assert result["entries"] == len(result["first"]) == len(press.channel("board"))
    assert all(e["url"].startswith(press.url + "/board/view.do?seq=") for e in result["first"])


def test_check_fails_on_a_dead_source_and_on_a_board_that_changed(
        press: PressSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sources = press.sources()["sources"]
    changed = {**sources[1], "id": "demo-changed", "list": {"item": "ul.new-board li"}}
    dead = {**sources[0], "id": "demo-dead", "url": f"http://127.0.0.1:{_dead_port()}/rss/press.xml"}
    path = _write(tmp_path, [sources[0], changed, dead])
    assert main(["sources", "check", "--sources", str(path)]) == 1
    out, err = capsys.readouterr()
    assert "OK   demo-press" in out
    assert "FAIL demo-changed: 0 item(s)" in out and "matches nothing (has the page changed?)" in out
    assert "FAIL demo-dead: 0 item(s)" in out
    assert "2 of 3 source(s) found nothing: demo-changed, demo-dead" in err


def test_check_can_name_a_disabled_unverified_source_and_reports_bad_arguments(
        press: PressSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    board = {**press.sources()["sources"][1], "enabled": False, "verified": False}
    path = _write(tmp_path, [board])
    assert main(["sources", "check", "--sources", str(path)]) == 2  # nothing enabled to check
    assert "no enabled source to check" in capsys.readouterr().err
    assert main(["sources", "check", "--sources", str(path), "--source", "demo-province"]) == 0
    assert f"OK   demo-province (disabled, unverified): {len(press.channel('board'))} item(s)" in (
        capsys.readouterr().out)
    assert main(["sources", "check", "--sources", str(path), "--source", "nope"]) == 2
    assert "no source with id 'nope'" in capsys.readouterr().err
