"""Shared e2e helpers: Debian's Chromium for Playwright (never `playwright install`) and a real
QR decoder."""

from __future__ import annotations

import io
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying Google's hosts on a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def decode_qr(png: bytes) -> list[str]:
    """Every QR code zxing-cpp finds in a screenshot."""
    import zxingcpp
    from PIL import Image

    return [str(r.text) for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def stop_gdesk(process: subprocess.Popen[str], timeout: float = 30) -> None:
    """Ctrl-C a `gdesk up` subprocess as a user would; kill it only if it does not stop in time."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def publish_and_wait(site: str, release: dict[str, object], stored_titles: Callable[[], list[str]],
                     timeout: float) -> float:
    """Publish a release on the demo press site and wait until the crawler stored it; returns the
    seconds it took (the caller asserts it was stored)."""
    import requests

    published = requests.post(f"{site}/admin/publish", timeout=5, json=release)
    assert published.status_code == 201, published.text
    started = time.monotonic()
    while time.monotonic() - started < timeout and release["title"] not in stored_titles():
        time.sleep(0.5)
    return time.monotonic() - started


@contextmanager
def signed_in_page(browser: Any, api_url: str, gdesk: Path, cwd: Path, env: dict[str, str], user: str,
                   path: str) -> Iterator[Any]:
    """A page at ``path`` signed in as ``user`` with a token from `gdesk token` (as a user would)."""
    token = subprocess.run([str(gdesk), "token", "--user", user], cwd=cwd, env=env, capture_output=True,
                           text=True, timeout=60, check=True).stdout.strip()
    page = browser.new_page()
    try:
        page.goto(api_url + "/login")
        page.evaluate("t => localStorage.setItem('gdesk.token', t)", token)
        page.goto(api_url + path)
        yield page
    finally:
        page.close()
