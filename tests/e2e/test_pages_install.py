"""Installable pages (issue 16): /trip, /photo and /cafeteria have a web app manifest, icons and a
service worker, so that Chromium offers to add them to the home screen; /trip opens and takes a fix
with no network, says so, and sends the fix when the network is back (as before, marked delayed)."""

from __future__ import annotations

import io
import json
import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e import pagedata
from tests.e2e.pagekit import context
from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.e2e


def _controlled(page: Any) -> None:
    """Waits until the service worker is active, then reloads so that it controls the page."""
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => !!navigator.serviceWorker.controller")


@pytest.mark.parametrize("path,short_name", [("/trip", "출장 증빙"), ("/photo", "My Photo"),
                                             ("/cafeteria", "식당 혼잡도")])
def test_the_tool_pages_are_installable(browser: Any, api_url: str, token: Any, path: str,
                                        short_name: str, tmp_path: Path) -> None:
    session = pagedata.http()
    # A profile on disk: in Playwright's usual (incognito) contexts Chromium never offers to install.
    ctx = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, locale="ko-KR",
        viewport={"width": 390, "height": 780}, is_mobile=True, has_touch=True, device_scale_factor=2)
    ctx.add_init_script(f"localStorage.setItem('gdesk.token', {json.dumps(token('E1001'))});")
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    try:
        page.goto(api_url + path)
        href = page.locator('link[rel="manifest"]').get_attribute("href")
        assert href
        manifest_url = urljoin(api_url + path, href)
        response = session.get(manifest_url)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/manifest+json")
        manifest = response.json()
        assert manifest["short_name"] == short_name and manifest["lang"] == "ko-KR"
        assert manifest["display"] == "standalone"
        assert urljoin(manifest_url, manifest["start_url"]) == api_url + path  # opens this tool
        sizes = set()
        for icon in manifest["icons"]:
            png = session.get(urljoin(manifest_url, icon["src"]))
            assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"
            image = Image.open(io.BytesIO(png.content))
            assert f"{image.width}x{image.height}" == icon["sizes"]
            sizes.add(icon["sizes"])
        assert {"192x192", "512x512"} <= sizes
        _controlled(page)
        # Chromium's own verdict on "add to home screen" (what the browser menu checks).
        cdp = ctx.new_cdp_session(page)
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == [], errors
    finally:
        ctx.close()


def test_trip_opens_and_takes_a_fix_offline_and_sends_it_later(browser: Any, api_url: str,
                                                               token: Any) -> None:
    bearer = token("T" + secrets.token_hex(4), name="오프라인", department="도로관리과")
    trip = pagedata.create_trip(api_url, bearer, "산청군 보건의료원")
    pagedata.consent(api_url, bearer)
    ctx = context(browser, 390, bearer, geolocation=pagedata.PHONE_AT, permissions=["geolocation"])
    page = ctx.new_page()
    try:
        page.goto(api_url + "/trip")
        page.locator("#today").wait_for(state="visible")
        _controlled(page)
        ctx.set_offline(True)
        worker = ctx.service_workers[0]
        # The worker itself has no network either: what follows comes from its copy.
        probe = "() => fetch(self.registration.scope + 'health').then(() => 'online', () => 'off')"
        assert worker.evaluate(probe) == "off"
        response = page.reload()
        assert response is not None and response.from_service_worker
        expect(page.locator("#network-note")).to_contain_text("오프라인")
        expect(page.locator("header.bar .who")).to_contain_text("오프라인")
        card = page.locator(f'.trip[data-trip-id="{trip["trip_id"]}"]')
        expect(card).to_contain_text("산청군 보건의료원")
        card.click()
        page.locator("#tap").click()
        expect(page.locator("#tap-status")).to_contain_text("오프라인")
        expect(page.locator("#offline-note")).to_contain_text("1건")
        ctx.set_offline(False)  # back online: the kept fix is sent, judged at its own time
        page.locator("#qr-screen").wait_for(state="visible", timeout=15000)
        expect(page.locator("#qr-detail")).to_contain_text("지연 전송")
        expect(page.locator("#network-note")).to_be_hidden()
    finally:
        ctx.close()
    listed = pagedata.http().get(f"{api_url}/trips", headers=pagedata.bearer_headers(bearer)).json()
    last = next(t for t in listed["trips"] if t["trip_id"] == trip["trip_id"])["last_proof"]
    assert last is not None and re.match(r"\d{4}-", last["created_at"])


def test_signing_out_forgets_what_was_kept_for_offline_use(browser: Any, api_url: str, token: Any) -> None:
    bearer = token("T" + secrets.token_hex(4))
    pagedata.create_trip(api_url, bearer)
    pagedata.consent(api_url, bearer)
    ctx = context(browser, 390)  # signed in by hand below: an init script would sign in again
    page = ctx.new_page()
    try:
        page.goto(api_url + "/login")
        page.evaluate("(t) => localStorage.setItem('gdesk.token', t)", bearer)
        page.goto(api_url + "/trip")
        page.locator("#today").wait_for(state="visible")
        kept = "() => ['gdesk.me', 'gdesk.trips.offline'].every((k) => localStorage.getItem(k))"
        assert page.evaluate(kept)
        page.get_by_role("link", name="로그아웃").click()
        page.wait_for_url(re.compile("/login"))
        kept = page.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('gdesk.'))")
        assert kept == []
    finally:
        ctx.close()


def test_under_the_stage_the_worker_and_manifest_stay_under_it(browser: Any, staged: str,
                                                                token: Any) -> None:
    ctx = context(browser, 390, token("E1001"))
    page = ctx.new_page()
    try:
        page.goto(staged + "/trip")
        scope = page.evaluate("() => navigator.serviceWorker.ready.then((r) => r.scope)")
        assert scope == staged + "/"
        kept = page.evaluate("() => caches.open('gdesk-pages-v1').then((c) => c.keys())"
                             ".then((keys) => keys.map((r) => r.url))")
        assert staged + "/trip" in kept and all(url.startswith(staged + "/") for url in kept), kept
        href = page.locator('link[rel="manifest"]').get_attribute("href")
        manifest_url = urljoin(staged + "/trip", href or "")
        assert manifest_url.startswith(staged + "/static/")
        manifest = pagedata.http().get(manifest_url).json()
        assert urljoin(manifest_url, manifest["start_url"]) == staged + "/trip"
        assert urljoin(manifest_url, manifest["scope"]) == staged + "/"
    finally:
        ctx.close()
