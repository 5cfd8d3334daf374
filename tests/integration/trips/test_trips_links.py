"""Verify links in proofs point where G-Desk is configured, whatever Host a client sends (issue 15, 4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("forged", [{"Host": "evil.example", "X-Forwarded-Proto": "javascript"},
                                    {"X-Forwarded-Proto": "javascript"},
                                    {"Host": "evil.example"}])
def test_a_forged_host_or_scheme_never_reaches_the_verify_link(
        api_url: str, http: requests.Session, make_trip: Callable[..., dict[str, Any]],
        consent: Callable[[str], None], prove: Callable[..., requests.Response],
        forged: dict[str, str]) -> None:
    consent("E1001")
    trip = make_trip()
    http.headers.update(forged)
    proof = prove(trip["trip_id"])
    assert proof.status_code in (200, 201), proof.text
    assert proof.json()["verify_url"].startswith(f"{api_url}/verify#"), proof.json()["verify_url"]
