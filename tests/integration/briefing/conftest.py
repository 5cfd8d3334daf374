"""Fixtures: real HTTP servers on 127.0.0.1 (see sitekit.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.integration.briefing.sitekit import Site, serve


@pytest.fixture
def site() -> Iterator[Site]:
    current = serve()
    try:
        yield current
    finally:
        current.release.set()
        current.server.shutdown()
        current.server.server_close()


@pytest.fixture
def make_site() -> Iterator[Callable[[], Site]]:
    sites: list[Site] = []

    def make() -> Site:
        sites.append(serve())
        return sites[-1]

    yield make
    for current in sites:
        current.release.set()
        current.server.shutdown()
        current.server.server_close()
