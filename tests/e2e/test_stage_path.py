"""The pages on API Gateway's default execute-api domain, where every URL starts with the stage
(`https://<id>.execute-api.<region>.amazonaws.com/prod/...`): links, scripts, API calls, the login
round trip and server-made links all stay under `/prod`."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_every_page_request_stays_under_the_stage(staged: str, browser: Any) -> None:
    context = browser.new_context(locale="ko-KR")
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if "/prod/" not in r.url else None)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(staged + "/")
        page.wait_for_url("**/prod/login?next=*")  # not signed in: to the login page, under the stage
        page.locator("#dev-users button[data-user='E1003']").click()
        page.wait_for_url(staged + "/")
        expect(page.locator("header.bar .who")).to_contain_text("박지훈")
        page.locator("#tile-cafeteria").click()
        page.wait_for_url(staged + "/cafeteria")
        expect(page.locator("header.bar .who")).to_contain_text("박지훈")  # /prod/me answered
        page.locator("header.bar a", has_text="G-Desk").click()
        page.wait_for_url(staged + "/")
    finally:
        context.close()
    assert outside == [], f"requests that left the stage: {outside}"
    assert errors == []


def test_server_made_links_carry_the_stage(staged: str, auth_headers: Any) -> None:
    assert requests.get(staged.removesuffix("/prod") + "/health", timeout=10).status_code == 404
    pairing = requests.post(staged + "/photos/pairings", headers=auth_headers("E1001"), timeout=10)
    assert pairing.status_code == 201, pairing.text
    assert pairing.json()["link"].startswith(staged + "/photo#pair=")
