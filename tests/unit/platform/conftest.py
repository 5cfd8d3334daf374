"""Platform unit fixtures: the dev issuer's key in tmp_path, the app's settings pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


def _reset_caches() -> None:
    from chalicelib import auth, aws, wiring
    from chalicelib.settings import get_settings

    get_settings.cache_clear()
    aws.reset()
    auth.reset()
    wiring.reset()


@pytest.fixture
def dev_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A GDESK_HOME with the dev issuer's key; the environment the local cloud runs the app with.

    The JWKS URL is a file:// URL, so verification needs no network.
    """
    from chalicelib import devissuer

    home = str(tmp_path / "home")
    for name, value in devissuer.environment(home).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("GDESK_JWT_ALGORITHMS", raising=False)
    monkeypatch.delenv("GDESK_TRACING", raising=False)
    _reset_caches()
    yield home
    _reset_caches()


@pytest.fixture
def client(dev_home: str) -> Iterator[object]:
    """``chalice.test.Client`` around the real app (its middleware, routes and error mapping)."""
    from chalice.test import Client

    from app import app

    with Client(app) as test_client:
        yield test_client
