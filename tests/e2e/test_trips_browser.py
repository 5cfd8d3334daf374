"""The traveller's phone and the auditor's browser, for real: headless Chromium with a set GPS
position taps the button on /trip; the QR on the screenshot is read by zxing-cpp, checked through
/proofs/verify and, independently, with joserfc against the published JWKS."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from chalicelib.trips import token as jws
from chalicelib.trips.verdict import KST
from tests.e2e.support import decode_qr

pytestmark = pytest.mark.e2e

DESTINATION = (35.2383, 128.6925)  # 경남도청
PHONE_AT = {"latitude": 35.23852, "longitude": 128.69281, "accuracy": 9}



@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False
        yield session


def _trip(api_url: str, http: requests.Session, headers: dict[str, str], destination: str) -> dict[str, Any]:
    start = datetime.now(UTC).astimezone(KST) - timedelta(hours=1)
    body = {"destination": destination, "address": "창원시 의창구 중앙대로 300", "lat": DESTINATION[0],
            "lon": DESTINATION[1], "radius_m": 300, "start": start.isoformat(),
            "end": (start + timedelta(hours=6)).isoformat(), "purpose": "현장 점검"}
    response = http.post(f"{api_url}/trips", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _phone(browser: Any, api_url: str, bearer: str, **options: Any) -> Any:
    context = browser.new_context(viewport={"width": 412, "height": 860}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, locale="ko-KR",
                                  timezone_id="Asia/Seoul", **options)
    context.add_init_script(f"localStorage.setItem('gdesk.token', {json.dumps(bearer)});")
    return context


def test_one_tap_on_the_phone_gives_a_qr_that_an_auditor_verifies(
        browser: Any, api_url: str, http: requests.Session, token: Callable[..., str]) -> None:
    import pypdfium2 as pdfium
    import zxingcpp
    from joserfc import jws as jose_jws
    from joserfc.jwk import KeySet

    user = {"name": "한지우", "department": "도로관리과", "roles": ("employee",)}
    bearer = token("E7101", **user)
    trip = _trip(api_url, http, {"Authorization": f"Bearer {bearer}"}, "경상남도청 본관")
    context = _phone(browser, api_url, bearer, geolocation=PHONE_AT, permissions=["geolocation"])
    page = context.new_page()
    try:
        page.goto(f"{api_url}/trip")
        page.get_by_role("button", name="동의하고 계속").click()  # the consent notice comes first
        page.locator(f'.trip[data-trip-id="{trip["trip_id"]}"]').click()
        page.locator("#tap").click()
        page.locator("#qr-screen").wait_for(state="visible")
        expect(page.locator("#qr-image")).to_have_attribute("src", re.compile("^blob:"))
        page.locator("#qr-image").evaluate("img => img.decode()")
        assert page.locator("#qr-verdict").inner_text() == "출장지 확인"
        assert "목적지에서" in page.locator("#qr-detail").inner_text()
        screenshot = page.screenshot(full_page=False)
        with page.expect_download() as download:  # the sheet for the expense claim, from the QR screen
            page.locator("#qr-screen").get_by_role("button", name=re.compile("증빙서 PDF 저장")).click()
        pdf = Path(download.value.path()).read_bytes()
        assert download.value.suggested_filename == f"출장증빙-{trip['trip_id']}.pdf"
        page.route("**/evidence.pdf", lambda route: route.fulfill(status=503, body="{}"))  # a bad moment
        page.locator("#qr-screen").get_by_role("button", name=re.compile("증빙서 PDF 저장")).click()
        expect(page.locator("#qr-screen .qr-failed")).to_have_text(re.compile("받지 못했습니다"))
    finally:
        context.close()

    sheet = pdfium.PdfDocument(pdf)[0]
    assert "한지우" in sheet.get_textpage().get_text_range()
    assert [r.text for r in zxingcpp.read_barcodes(sheet.render(scale=2).to_pil())] == decode_qr(screenshot)
    codes = decode_qr(screenshot)
    assert len(codes) == 1, f"expected one QR code on the screen, found {len(codes)}"
    link = codes[0]
    assert link.startswith(f"{api_url}/verify#")
    token_text = link.split("#", 1)[1]
    # Neither the traveller's name nor the coordinates are in the QR (not even in base64).
    readable = " ".join([link] + [jws.b64url_decode(p).decode("latin-1") for p in token_text.split(".")[:2]])
    for secret in ("한지우", "E7101", "35.23", "128.69", "35.2385", "128.6928"):
        assert secret not in readable and secret.encode().hex() not in readable
    # The service says it is valid...
    result = http.post(f"{api_url}/proofs/verify", json={"token": token_text}).json()
    assert result["valid"] is True and result["summary"]["passed"] is True
    # ...and so does another JOSE library, offline, with only the published keys.
    keys = KeySet.import_key_set(http.get(f"{api_url}/.well-known/jwks.json").json())
    verified = jose_jws.deserialize_compact(token_text, keys, algorithms=["ES256"])
    claims = json.loads(verified.payload)
    assert claims["trp"] == trip["trip_id"] and claims["vd"] & 1
    # A tampered copy fails in joserfc too.
    header, payload, signature = token_text.split(".")
    forged = f"{header}.{jws.b64url(json.dumps({**claims, 'trp': 'tother'}).encode())}.{signature}"
    with pytest.raises(Exception, match="(?i)signature"):
        jose_jws.deserialize_compact(forged, keys, algorithms=["ES256"])


def test_the_verify_page_shows_green_and_the_auditor_sees_the_record(
        browser: Any, api_url: str, http: requests.Session, token: Callable[..., str]) -> None:
    bearer = token("E7102", name="윤서아", department="복지정책과", roles=("employee",))
    headers = {"Authorization": f"Bearer {bearer}"}
    trip = _trip(api_url, http, headers, "창원시청")
    http.post(f"{api_url}/trips/consent", json={"version": "2025-05", "agree": True}, headers=headers)
    proof = http.post(f"{api_url}/trips/{trip['trip_id']}/proofs", headers=headers, json={
        "lat": 35.2385, "lon": 128.6927, "accuracy_m": 11, "nonce": "e2everifypage01",
        "captured_at": datetime.now(UTC).isoformat()}).json()

    public = browser.new_context(locale="ko-KR")
    page = public.new_page()
    page.goto(proof["verify_url"])
    page.locator("#verdict").wait_for()
    assert page.locator("#verdict").inner_text() == "✔ 유효한 출장 증빙입니다"
    assert page.locator("#record").is_hidden()
    assert "윤서아" not in page.content()
    # A tampered token pasted into the page: red, with the reason.
    header, payload, signature = proof["token"].split(".")
    page.fill("#token", f"{header}.{payload}.{signature[:-4]}AAAA")
    page.click("#check")
    expect(page.locator("#verdict")).to_contain_text("유효하지 않은")
    assert "서명이 올바르지 않습니다" in page.locator("#reasons").inner_text()
    # Uploading a picture of the QR works (decoded on the server with zxing-cpp).
    png = http.get(f"{api_url}{proof['qr_png']}", headers=headers).content
    page.set_input_files("#image", files=[{"name": "qr.png", "mimeType": "image/png", "buffer": png}])
    expect(page.locator("#verdict")).to_contain_text("✔")
    public.close()

    auditor = browser.new_context(locale="ko-KR")
    auditor.add_init_script(f"localStorage.setItem('gdesk.token', {json.dumps(token('A2001'))});")
    page = auditor.new_page()
    page.goto(proof["verify_url"])
    page.locator("#record").wait_for(state="visible")
    record = page.locator("#record").inner_text()
    assert "윤서아" in record and "35.238500, 128.692700" in record and "창원시청" in record
    with page.expect_download() as download:  # the auditor takes the claim's evidence sheet along
        page.locator("#record").get_by_role("button", name="증빙서 PDF 저장").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF-")
    auditor.close()

    # The traveller finds the same sheet on the trip's card on /trip later.
    phone = _phone(browser, api_url, bearer)
    page = phone.new_page()
    try:
        page.goto(f"{api_url}/trip")
        card = page.locator(f'.trip[data-trip-id="{trip["trip_id"]}"]')
        expect(card).to_contain_text("최근 증빙")
        with page.expect_download() as download:
            card.locator("xpath=..").get_by_role("button", name="증빙서 PDF 저장").click()
        assert download.value.suggested_filename == f"출장증빙-{trip['trip_id']}.pdf"
    finally:
        phone.close()


def test_permission_denied_and_offline_fix_sent_later(
        browser: Any, api_url: str, http: requests.Session, token: Callable[..., str]) -> None:
    bearer = token("E7103", name="강하늘", department="기후환경정책과", roles=("employee",))
    headers = {"Authorization": f"Bearer {bearer}"}
    trip = _trip(api_url, http, headers, "김해시청")
    http.post(f"{api_url}/trips/consent", json={"version": "2025-05", "agree": True}, headers=headers)

    denied = _phone(browser, api_url, bearer)  # no geolocation permission granted
    page = denied.new_page()
    page.goto(f"{api_url}/trip")
    page.locator(f'.trip[data-trip-id="{trip["trip_id"]}"]').click()
    page.locator("#tap").click()
    page.locator("#error").wait_for(state="visible")
    assert "위치 권한이 거부되었습니다" in page.locator("#error").inner_text()
    denied.close()

    phone = _phone(browser, api_url, bearer, geolocation=PHONE_AT, permissions=["geolocation"])
    page = phone.new_page()
    page.goto(f"{api_url}/trip")
    page.locator(f'.trip[data-trip-id="{trip["trip_id"]}"]').click()
    phone.set_offline(True)
    page.locator("#tap").click()
    expect(page.locator("#tap-status")).to_contain_text("오프라인")
    assert "1건" in page.locator("#offline-note").inner_text()
    phone.set_offline(False)  # the browser fires "online": the queue is sent
    page.locator("#qr-screen").wait_for(state="visible", timeout=15000)
    assert "지연 전송" in page.locator("#qr-detail").inner_text()
    assert page.evaluate("localStorage.getItem('gdesk.trips.queue')") == "[]"
    phone.close()
    proofs = http.get(f"{api_url}/trips", headers=headers).json()["trips"]
    last = next(t for t in proofs if t["trip_id"] == trip["trip_id"])["last_proof"]
    assert last is not None
