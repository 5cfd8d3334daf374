"""My Photo as it is used: `gdesk up` (subprocess: moto, the template's resources, the API, the
S3 → SQS → processor driver), headless Chromium. The desktop page shows a pairing QR; a real QR
decoder (zxing-cpp) reads it; a second browser context (the phone) opens the link, uploads photos
through the file input (the first S3 connection drops and the page retries); the desktop page shows
them; the web variant is upright and has no GPS; a bad file shows its rejection reason on the
phone; copy puts a PNG on the clipboard; download names the original."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from chalicelib.photos.imaging import read_metadata
from infra.local.moto_server import free_port
from tests import photo_samples as ps
from tests.e2e.support import decode_qr, stop_gdesk

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
GDESK = Path(sys.executable).parent / "gdesk"
READY = re.compile(r"^READY (http://127\.0\.0\.1:\d+)$")


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GDESK_", "AWS_", "POWERTOOLS_"))}
    env.update({"GDESK_HOME": str(home), "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"})
    return env


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    home = tmp_path_factory.mktemp("photos-e2e")
    env = _env(home / "home")
    process = subprocess.Popen([str(GDESK), "up", "--no-demo", "--api-port", str(free_port()),
                                "--aws-port", str(free_port())], cwd=home, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    ready = threading.Event()
    url: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            match = READY.match(line.strip())
            if match:
                url.append(match.group(1))
                ready.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        assert ready.wait(90), f"gdesk up did not get READY: {lines[-20:]}"
        token = subprocess.run([str(GDESK), "token", "--user", "E1001", "--role", "employee"], cwd=home,
                               env=env, capture_output=True, text=True, timeout=60, check=True).stdout.strip()
        yield {"url": url[0], "token": token}
    finally:
        stop_gdesk(process)



def test_phone_to_desktop(cloud: dict[str, str], browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    api = cloud["url"]
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    desk.add_init_script(f"localStorage.setItem('gdesk.token', {cloud['token']!r});")
    desk_page = desk.new_page()
    errors: list[str] = []
    desk_page.on("pageerror", lambda e: errors.append(str(e)))
    desk_page.goto(f"{api}/photo/desk")
    desk_page.locator('#qr[src^="data:image/svg+xml"]').wait_for()
    desk_page.wait_for_selector("text=아직 사진이 없습니다")
    codes = decode_qr(desk_page.locator("#qr").screenshot())
    assert codes, "no QR code found on the desktop page"
    link = codes[0]
    assert link.startswith(f"{api}/photo#pair=")

    # The phone: a photo stored on its side (EXIF orientation 6) with GPS, a real camera file
    # stored on its side, and an HTML page named .jpg.
    rotated = tmp_path / "현장사진.jpg"
    rotated.write_bytes(ps.jpeg(ps.reference(4000, 3000), orientation=6, gps=True))
    files = [str(rotated)]
    real = ps.SAMPLES / "jpg/orientation/landscape_6.jpg"
    if real.is_file():
        files.append(str(real))
    fake = tmp_path / "가짜사진.jpg"
    fake.write_bytes(ps.HTML_AS_JPG)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone_page = phone.new_page()
    phone_page.on("pageerror", lambda e: errors.append(str(e)))
    phone_page.goto(link)
    phone_page.wait_for_selector("#uploader:not(.hidden)")
    assert "김민준 님의 PC로 보냅니다" in phone_page.inner_text("#target")
    assert "#pair=" not in phone_page.url  # the single-use code does not stay in the address bar
    expect(desk_page.locator("#paired")).to_contain_text("휴대폰이 연결되었습니다", timeout=10_000)
    assert desk_page.locator("#qr-box").is_hidden()
    file_input = phone_page.locator("#files")
    assert file_input.get_attribute("accept") == "image/*"
    assert file_input.get_attribute("capture") == "environment"
    assert file_input.get_attribute("multiple") is not None

    # The first attempt to reach S3 drops (a phone losing signal): the page retries by itself.
    dropped: list[str] = []

    def drop_once(route: Any) -> None:
        if not dropped and route.request.method == "POST":
            dropped.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    phone_page.route(re.compile(r"^http://127\.0\.0\.1:\d+/[^/]+-photos-\d+/?$"), drop_once)
    chosen = time.monotonic()
    file_input.set_input_files(files + [str(fake)])
    # The desktop shows each photo within 2 s of its processing (the record's updated_at).
    expect(desk_page.locator(".photo[data-status=ready]")).to_have_count(len(files), timeout=30_000)
    shown_at = time.time()
    visible_after = time.monotonic() - chosen
    listed = requests.get(f"{api}/photos", headers={"Authorization": f"Bearer {cloud['token']}"},
                          timeout=10).json()["photos"]
    processed_at = max(datetime.fromisoformat(p["updated_at"].replace("Z", "+00:00")).timestamp()
                       for p in listed if p["status"] == "ready")
    assert shown_at - processed_at <= 2.0, f"shown {shown_at - processed_at:.2f} s after processing"
    expect(phone_page.locator(".upload.ready")).to_have_count(len(files), timeout=30_000)
    phone_page.wait_for_selector(".upload.rejected", timeout=30_000)
    rejected = phone_page.inner_text(".upload.rejected .state")
    assert "거부됨" in rejected and "HTML" in rejected
    assert phone_page.locator(".upload.ready img.thumb").count() == len(files)

    desk_page.wait_for_selector(".photo[data-status=rejected]", timeout=10_000)
    assert "HTML" in desk_page.inner_text(".photo[data-status=rejected] .reason")

    # The generated photo: upright 1600×1200, red block top-left, no GPS.
    card = desk_page.locator(".photo[data-status=ready]", has_text="현장사진.jpg")
    web_url = card.locator("img.image").get_attribute("src")
    assert web_url
    web = requests.get(web_url, timeout=10).content
    facts = read_metadata(web)
    assert facts["size"] == (1600, 1200) and facts["orientation"] == 1
    assert facts["has_gps"] is False and facts["gps"] is None
    assert ps.marker_is_red(web)
    # the browser shows it landscape as well
    shown = card.locator("img.image").evaluate("i => [i.naturalWidth, i.naturalHeight]")
    assert shown == [1600, 1200]
    if len(files) > 1:
        real_card = desk_page.locator(".photo[data-status=ready]", has_text="landscape_6.jpg")
        assert real_card.locator("img.image").evaluate("i => [i.naturalWidth, i.naturalHeight]") == [600, 450]

    assert dropped, "the S3 upload was never intercepted"

    # Copy puts the picture on the clipboard as PNG.
    desk.grant_permissions(["clipboard-read", "clipboard-write"], origin=api)
    card.locator("button.copy").click()
    expect(card.locator(".note")).to_contain_text("클립보드에 복사했습니다", timeout=10_000)
    pasted = desk_page.evaluate("""async () => {
        const items = await navigator.clipboard.read();
        const bitmap = await createImageBitmap(await items[0].getType("image/png"));
        return [items[0].types, bitmap.width, bitmap.height];
    }""")
    assert pasted == [["image/png"], 1600, 1200]

    # Download gives a presigned attachment URL of the original.
    photo_id = card.get_attribute("data-photo-id")
    with desk_page.expect_download() as download_info:
        card.locator("button.download").click()
    assert download_info.value.suggested_filename == "현장사진.jpg"
    assert errors == []
    print(f"\nupload-to-visible (phone choose → desktop shows all): {visible_after:.2f} s; "
          f"last processed → shown: {shown_at - processed_at:.2f} s")
    assert photo_id

    desk.close()
    phone.close()
