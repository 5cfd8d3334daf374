"""Shared e2e fixtures: one headless Chromium per test module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def staged(local_cloud: Any) -> Iterator[str]:
    """The app as reached on API Gateway's default execute-api domain: every URL under /prod."""
    from app import app
    from infra.local.moto_server import free_port
    from infra.local.server import LocalApiServer

    server = LocalApiServer(app, port=free_port(), stage_in_path=True).start()
    try:
        yield server.url + "/prod"
    finally:
        server.stop()
