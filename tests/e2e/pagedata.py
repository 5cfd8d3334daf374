"""Data for the page tests, put in through the app's own HTTP API and event sources (Kinesis →
the density function), so the pages show real answers: trips, consent, proofs, briefing items,
cafeteria counts."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import requests

from tests.e2e.pagekit import ROOT

KST_OFFSET = timedelta(hours=9)
KST = timezone(KST_OFFSET)
DESTINATION = (35.2383, 128.6925)  # 경남도청
PHONE_AT = {"latitude": 35.23852, "longitude": 128.69281, "accuracy": 9}
CONSENT_VERSION = "2025-05"


def http() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def bearer_headers(bearer: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {bearer}"}


def create_trip(api_url: str, bearer: str, destination: str = "경상남도청 본관") -> dict[str, Any]:
    start = datetime.now(KST) - timedelta(hours=1)
    body = {"destination": destination, "address": "창원시 의창구 중앙대로 300", "lat": DESTINATION[0],
            "lon": DESTINATION[1], "radius_m": 300, "start": start.isoformat(),
            "end": (start + timedelta(hours=6)).isoformat(), "purpose": "현장 점검"}
    response = http().post(f"{api_url}/trips", json=body, headers=bearer_headers(bearer))
    assert response.status_code == 201, response.text
    return dict(response.json())


def consent(api_url: str, bearer: str) -> None:
    response = http().post(f"{api_url}/trips/consent", json={"version": CONSENT_VERSION, "agree": True},
                           headers=bearer_headers(bearer))
    assert response.status_code == 200, response.text


def proof(api_url: str, bearer: str, trip_id: str) -> dict[str, Any]:
    body = {"lat": 35.2385, "lon": 128.6927, "accuracy_m": 11, "nonce": secrets.token_hex(8),
            "captured_at": datetime.now(UTC).isoformat()}
    response = http().post(f"{api_url}/trips/{trip_id}/proofs", json=body, headers=bearer_headers(bearer))
    assert response.status_code in (200, 201), response.text
    return dict(response.json())


def briefing_profile(api_url: str, bearer: str, **changes: Any) -> dict[str, Any]:
    session = http()
    current = session.get(f"{api_url}/briefing/profile", headers=bearer_headers(bearer)).json()
    body = {"department": current["department"], "duties": current["duties"],
            "keywords": current["keywords"], "exclusions": current["exclusions"],
            "agencies": current["agencies"], "quiet_hours": current["quiet_hours"],
            "hourly_cap": current["hourly_cap"], "enabled": current["enabled"], "channels": []}
    body.update(changes)
    response = session.put(f"{api_url}/briefing/profile", json=body, headers=bearer_headers(bearer))
    assert response.status_code == 200, response.text
    return dict(response.json())


def briefing_items(user_id: str, department: str) -> None:
    """Two press releases matched to the user, through the same matching the crawler runs."""
    from chalicelib import wiring
    from chalicelib.briefing.notifying import new_item_matching
    from tests.integration.briefing.notify.items import make_item

    new_item_matching.on_new_items([
        make_item(f"환경부, 2030 탄소중립 이행 점검 {user_id}", "온실가스 감축 목표 점검 회의를 열었다.",
                  agency="환경부", published_at="2024-12-02T10:30:00+09:00"),
        make_item(f"산업부, 탄소중립 산업 전환 지원 {user_id}", "탄소중립 설비 투자를 지원한다.",
                  agency="산업통상자원부", published_at="2024-12-01T09:00:00+09:00"),
    ], wiring.briefing_notify_store())


def photo(local_cloud: Any, api_url: str, bearer: str) -> str:
    """One photo taken "on the phone": the presigned POST to the bucket, then the S3 → SQS →
    processor path driven the way Lambda would; returns the photo id."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(out, "JPEG")
    data = out.getvalue()
    session = http()
    started = session.post(f"{api_url}/photos/uploads", headers=bearer_headers(bearer), json={
        "filename": "현장 사진.jpg", "content_type": "image/jpeg", "size": len(data)})
    assert started.status_code == 201, started.text
    upload = started.json()["upload"]
    posted = session.post(upload["url"], data=upload["fields"],
                          files={"file": ("photo.jpg", data, "image/jpeg")})
    assert posted.status_code in (200, 201, 204), posted.text
    for _ in range(10):
        if not local_cloud.runtime.drive_sqs_once("PhotoProcessorFunction"):
            break
    return str(started.json()["photo"]["photo_id"])


@contextmanager
def cafeteria(local_cloud: Any, tmp_path: Path, monkeypatch: Any, *, demo_clock: bool,
              counts: dict[str, int] | None) -> Iterator[dict[str, Any]]:
    """The page's own zones (a zones file of this test), optionally the demo's replay clock at
    12:00 KST today, and camera counts put on the density stream and processed."""
    from chalicelib import wiring
    from chalicelib.settings import get_settings

    def settings_changed() -> None:
        get_settings.cache_clear()
        wiring.reset()  # the tool's zones and clock are built once per container

    tag = secrets.token_hex(3)
    doc = json.loads((ROOT / "chalicelib/cafeteria/zones.json").read_text("utf-8"))
    doc["zones"] = [
        {"id": f"korean-{tag}", "name": "한식", "capacity": 60, "service_rate": 6.0,
         "thresholds": {"보통": 10, "혼잡": 25, "매우혼잡": 40}, "cameras": ["k1", "k2"]},
        {"id": f"salad-{tag}", "name": "샐러드", "capacity": 30, "service_rate": 5.0,
         "thresholds": {"보통": 6, "혼잡": 12, "매우혼잡": 20}, "cameras": ["s1"]},
    ]
    path = tmp_path / f"zones-{tag}.json"  # the tool caches a zones file by its path
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setenv("GDESK_CAFETERIA_ZONES_FILE", str(path))
    now = datetime.now(UTC)
    if demo_clock:
        local = now + KST_OFFSET
        noon = datetime(local.year, local.month, local.day, 3, 0, tzinfo=UTC)  # 12:00 KST
        monkeypatch.setenv("GDESK_CAFETERIA_CLOCK", f"{time.time()},{noon.timestamp()},1")
        now = noon
    settings_changed()
    try:
        if counts:
            stream = local_cloud.stack.physical["DensityStream"]
            kinesis = boto3.client("kinesis", region_name="ap-northeast-2")
            records = []
            for minutes_ago in (6, 4, 2, 0):
                ts = (now - timedelta(minutes=minutes_ago)).isoformat()
                for camera, zone in (("k1", f"korean-{tag}"), ("s1", f"salad-{tag}")):
                    if camera in counts:
                        records.append({"camera_id": camera, "zone": zone, "count": counts[camera], "ts": ts})
            kinesis.put_records(StreamName=stream, Records=[
                {"Data": json.dumps(r).encode(), "PartitionKey": r["camera_id"]} for r in records])
            for _ in range(50):
                if not local_cloud.runtime.drive_kinesis_once("DensityStreamFunction"):
                    break
        yield {"korean": f"korean-{tag}", "salad": f"salad-{tag}"}
    finally:
        monkeypatch.delenv("GDESK_CAFETERIA_ZONES_FILE", raising=False)
        monkeypatch.delenv("GDESK_CAFETERIA_CLOCK", raising=False)
        settings_changed()


def failing(page: Any, pattern: str, status: int = 503) -> None:
    """The API behind ``pattern`` answers an error, as in an outage (the page's error state)."""
    body = json.dumps({"error": {"code": "unavailable",
                                 "message": "잠시 후 다시 시도하세요. (test outage)"}}, ensure_ascii=False)
    page.route(pattern, lambda route: route.fulfill(status=status, body=body,
                                                    headers={"Content-Type": "application/json"}))


TokenMaker = Callable[..., str]
