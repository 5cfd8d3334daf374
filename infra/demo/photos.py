"""Demo of the photos tool (see infra/demo/__init__.py for the contract).

- Two photos of 김민준 (E1001) go through the real path (record, object under his prefix, the
  S3 → SQS → processor driver), so the desktop page is not empty.
- A stand-in "work system" on 127.0.0.1 receives "보내기": it checks the HMAC signature with the
  key from Secrets Manager and appends each accepted payload to ``<home>/photos-webhook.jsonl``.
  ``GDESK_PHOTOS_WEBHOOK_URL`` set in the environment wins over it.
"""

from __future__ import annotations

import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from infra.local.demo import DemoContext

DEMO_USER = "E1001"


def start(ctx: DemoContext) -> list[str]:
    lines = [f"My Photo 휴대폰 (phone upload): {ctx.api_url}/photo",
             f"My Photo 내 PC (desktop, pairing QR): {ctx.api_url}/photo/desk"]
    if not os.environ.get("GDESK_PHOTOS_WEBHOOK_URL"):
        url = _start_receiver(ctx)
        lines.append(f"My Photo 보내기 수신 (demo work system): {url} → {ctx.home}/photos-webhook.jsonl")
    _seed(ctx)
    return lines


def _seed(ctx: DemoContext) -> None:
    import io

    from PIL import Image, ImageDraw

    from chalicelib import wiring
    from chalicelib.photos import domain

    store = wiring.photos_store()
    if store.list_photos(domain.user_segment(DEMO_USER), 1, None)[0]:
        return  # a persistent endpoint that already has them
    pictures = []
    for text, colour in (("도로 파손 현장", (190, 60, 40)), ("민원 서류", (40, 90, 170))):
        image = Image.new("RGB", (1600, 1200), (235, 238, 242))
        draw = ImageDraw.Draw(image)
        draw.rectangle([120, 120, 1480, 1080], outline=colour, width=24)
        draw.ellipse([600, 350, 1000, 750], fill=colour)
        draw.text((160, 160), text, fill=colour)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
        pictures.append((f"{text}.jpg", out.getvalue()))
    s3 = store.s3
    for filename, data in pictures:
        request = domain.UploadRequest(filename, "image/jpeg", len(data))
        _item, post = store.create_upload(DEMO_USER, request, keep_gps=False)
        s3.put_object(Bucket=store.bucket, Key=post["fields"]["key"], Body=data, ContentType="image/jpeg")


def _start_receiver(ctx: DemoContext) -> str:
    from chalicelib import aws, wiring
    from chalicelib.photos import domain
    from chalicelib.settings import get_settings

    log_path = Path(ctx.home) / "photos-webhook.jsonl"
    secret_id = get_settings().photos.webhook_secret_id

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(min(int(self.headers.get("Content-Length") or 0), 1_000_000))
            secret = str(aws.client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
            ok = domain.verify_webhook(secret, self.headers.get("X-GDesk-Timestamp", ""), body,
                                       self.headers.get("X-GDesk-Signature", ""), time.time())
            if ok:
                with log_path.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(json.loads(body), ensure_ascii=False) + "\n")
            self.send_response(204 if ok else 401)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    ctx.spawn("photos-webhook", server.serve_forever)

    def stop_when_asked() -> None:
        ctx.stop.wait()
        server.shutdown()
        server.server_close()

    ctx.spawn("photos-webhook-stop", stop_when_asked)
    os.environ["GDESK_PHOTOS_WEBHOOK_URL"] = url
    get_settings.cache_clear()
    wiring.reset()
    return url
