"""Shared e2e helpers: Debian's Chromium for Playwright (never `playwright install`) and a real
QR decoder."""

from __future__ import annotations

import io
import signal
import subprocess

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
