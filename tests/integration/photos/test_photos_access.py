"""Who can see what: every photo route with another user's token and ids, paired phones limited
to their own uploads, pairing codes single-use and short-lived; the list (newest first, pages,
ETag/304); downloads logged; "보내기" signs its webhook payload."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
import requests

from chalicelib.photos import domain
from tests import photo_samples as ps

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def mine(photos: Any) -> dict[str, Any]:
    """A ready photo of E1001."""
    photo = photos.upload(ps.jpeg(orientation=6))
    assert photo["status"] == "ready"
    return photo


def _pair(photos: Any, user: str = "E1001") -> str:
    response = requests.post(f"{photos.api}/photos/pairings", headers=photos.headers(user), timeout=10)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["link"].startswith(f"{photos.api}/photo#pair=")
    assert body["qr_svg"].lstrip().startswith("<?xml") and "<svg" in body["qr_svg"]
    assert 295 <= body["expires_at"] - time.time() <= 300
    return str(body["link"].split("#pair=", 1)[1])


def _claim(photos: Any, code: str) -> requests.Response:
    return requests.post(f"{photos.api}/photos/pairings/claim", json={"code": code}, timeout=10)


def _session(photos: Any, user: str = "E1001") -> str:
    response = _claim(photos, _pair(photos, user))
    assert response.status_code == 201, response.text
    return str(response.json()["session"])


# -- another user's token and ids -------------------------------------------------------------------


def test_another_user_cannot_read_list_download_send_or_delete(photos: Any, mine: dict[str, Any]) -> None:
    photo_id = mine["photo_id"]
    other = photos.headers("E1002")
    base = f"{photos.api}/photos/{photo_id}"
    assert requests.get(base, headers=other, timeout=10).status_code == 404
    assert requests.get(f"{base}/download", headers=other, timeout=10).status_code == 404
    assert requests.post(f"{base}/send", headers=other, timeout=10).status_code in (404, 409)
    assert requests.delete(base, headers=other, timeout=10).status_code == 404
    listed = requests.get(f"{photos.api}/photos?limit=100", headers=other, timeout=10).json()["photos"]
    assert photo_id not in {p["photo_id"] for p in listed}
    # the photo is untouched and its owner still sees it
    assert photos.get(photo_id)["status"] == "ready"
    assert photos.keys(f"web/E1001/{photo_id}")


def test_every_photo_route_needs_a_signed_in_user(photos: Any, mine: dict[str, Any]) -> None:
    base = f"{photos.api}/photos/{mine['photo_id']}"
    for method, url in [("GET", f"{photos.api}/photos"), ("GET", base), ("DELETE", base),
                        ("GET", f"{base}/download"), ("POST", f"{base}/send"),
                        ("GET", f"{photos.api}/photos/settings"), ("POST", f"{photos.api}/photos/pairings")]:
        response = requests.request(method, url, timeout=10)
        assert response.status_code == 401, (method, url, response.text)
        assert response.json()["error"]["code"] == "unauthorized"
    anonymous = requests.post(f"{photos.api}/photos/uploads", json={
        "filename": "a.jpg", "content_type": "image/jpeg", "size": 10}, timeout=10)
    assert anonymous.status_code == 401


def test_malformed_ids_are_not_found(photos: Any) -> None:
    for bad in ["..%2F..%2Fx", "E1002", "0" * 21, "g" * 22, "%00"]:
        response = requests.get(f"{photos.api}/photos/{bad}", headers=photos.headers(), timeout=10)
        assert response.status_code == 404, bad


def test_keys_never_leave_the_users_prefix(photos: Any) -> None:
    """The key is the server's, whatever the file name; the policy pins that exact key."""
    started = photos.start(ps.jpeg(), "E1002", filename="../E1001/../../originals/E1001/x.jpg")
    key = started["upload"]["fields"]["key"]
    assert key == f"originals/E1002/{started['photo']['photo_id']}"
    policy = json.loads(__import__("base64").b64decode(started["upload"]["fields"]["policy"]))
    assert {"key": key} in policy["conditions"]


# -- phones ---------------------------------------------------------------------------------------------


def test_a_paired_phone_uploads_as_its_user_and_sees_only_its_uploads(photos: Any,
                                                                      mine: dict[str, Any]) -> None:
    session = _session(photos)
    photo = photos.upload(ps.jpeg(), session=session)
    assert photo["status"] == "ready" and photo["urls"]["thumb"]
    assert photos.get(photo["photo_id"])["photo_id"] == photo["photo_id"]  # the desk sees it
    phone = {"X-Photo-Session": session}
    # the phone cannot see the user's other photos, list, delete, download or change settings
    other = requests.get(f"{photos.api}/photos/{mine['photo_id']}", headers=phone, timeout=10)
    assert other.status_code == 404
    for method, path in [("GET", "/photos"), ("DELETE", f"/photos/{photo['photo_id']}"),
                         ("GET", f"/photos/{photo['photo_id']}/download"), ("GET", "/photos/settings"),
                         ("POST", "/photos/pairings")]:
        assert requests.request(method, photos.api + path, headers=phone, timeout=10).status_code == 401, path


def test_a_phone_of_another_user_cannot_see_my_photos(photos: Any, mine: dict[str, Any]) -> None:
    session = _session(photos, "E1002")
    response = requests.get(f"{photos.api}/photos/{mine['photo_id']}", headers={"X-Photo-Session": session},
                            timeout=10)
    assert response.status_code == 404
    photo = photos.upload(ps.jpeg(), "E1002", session=session)
    assert photo["status"] == "ready"
    assert requests.get(f"{photos.api}/photos/{photo['photo_id']}", headers=photos.headers("E1001"),
                        timeout=10).status_code == 404


def test_a_pairing_code_works_once(photos: Any) -> None:
    code = _pair(photos)
    assert _claim(photos, code).status_code == 201
    second = _claim(photos, code)
    assert second.status_code == 403 and "이미 사용" in second.json()["error"]["message"]


def test_expired_pairings_and_sessions_are_refused(photos: Any) -> None:
    ddb = boto3.client("dynamodb")
    code = _pair(photos)
    ddb.update_item(TableName=photos.table, Key={"pk": {"S": f"PAIR#{domain.secret_hash(code)}"},
                                                 "sk": {"S": "PAIR"}},
                    UpdateExpression="SET expires_at = :t", ExpressionAttributeValues={":t": {"N": "1"}})
    assert _claim(photos, code).status_code == 403
    session = _session(photos)
    ddb.update_item(TableName=photos.table, Key={"pk": {"S": f"PSESS#{domain.secret_hash(session)}"},
                                                 "sk": {"S": "PSESS"}},
                    UpdateExpression="SET expires_at = :t", ExpressionAttributeValues={":t": {"N": "1"}})
    response = requests.post(f"{photos.api}/photos/uploads", headers={"X-Photo-Session": session}, json={
        "filename": "a.jpg", "content_type": "image/jpeg", "size": 10}, timeout=10)
    assert response.status_code == 401 and "만료" in response.json()["error"]["message"]


@pytest.mark.parametrize("code", ["", "short", "x" * 43 + "!", "A" * 43])
def test_bad_or_unknown_codes_are_refused(photos: Any, code: str) -> None:
    assert _claim(photos, code).status_code in (403, 422)
    forged = requests.get(f"{photos.api}/photos/0" * 1, headers={"X-Photo-Session": code or "x"}, timeout=10)
    assert forged.status_code in (401, 404)


# -- the list -----------------------------------------------------------------------------------------------


def test_list_is_newest_first_paginated_and_304_until_something_changes(photos: Any) -> None:
    user = "E1003"
    ids = [photos.upload(ps.jpeg(), user)["photo_id"] for _ in range(3)]
    url = f"{photos.api}/photos"
    first = requests.get(url, params={"limit": 2}, headers=photos.headers(user), timeout=10)
    body = first.json()
    listed = [p["photo_id"] for p in body["photos"]]
    assert listed == sorted(listed, reverse=True) and listed[0] == ids[-1]
    assert body["next_cursor"] == listed[-1]
    second = requests.get(url, params={"limit": 2, "cursor": body["next_cursor"]},
                          headers=photos.headers(user), timeout=10).json()
    assert second["photos"] and second["photos"][0]["photo_id"] < listed[-1]
    etag = first.headers["ETag"]
    again = requests.get(url, params={"limit": 2}, headers={**photos.headers(user), "If-None-Match": etag},
                         timeout=10)
    assert again.status_code == 304 and again.content == b""
    newest = photos.upload(ps.jpeg(), user)
    changed = requests.get(url, params={"limit": 2}, headers={**photos.headers(user), "If-None-Match": etag},
                           timeout=10)
    assert changed.status_code == 200 and changed.json()["photos"][0]["photo_id"] == newest["photo_id"]
    assert changed.headers["ETag"] != etag
    bad = requests.get(url, params={"cursor": "../x"}, headers=photos.headers(user), timeout=10)
    assert bad.status_code == 422


def test_delete_removes_every_variant_and_the_record(photos: Any) -> None:
    photo = photos.upload(ps.jpeg())
    photo_id = photo["photo_id"]
    assert len(photos.keys(f"originals/E1001/{photo_id}") | photos.keys(f"web/E1001/{photo_id}")
               | photos.keys(f"thumbs/E1001/{photo_id}")) == 3
    response = requests.delete(f"{photos.api}/photos/{photo_id}", headers=photos.headers(), timeout=10)
    assert response.status_code == 204
    assert not (photos.keys(f"originals/E1001/{photo_id}") | photos.keys(f"web/E1001/{photo_id}")
                | photos.keys(f"thumbs/E1001/{photo_id}"))
    gone = requests.get(f"{photos.api}/photos/{photo_id}", headers=photos.headers(), timeout=10)
    assert gone.status_code == 404


# -- download and send --------------------------------------------------------------------------------------


def test_download_is_an_attachment_url_and_is_logged(photos: Any, mine: dict[str, Any],
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gdesk")
    response = requests.get(f"{photos.api}/photos/{mine['photo_id']}/download", headers=photos.headers(),
                            timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["filename"] == "현장.jpg" and body["expires_in"] == 600
    original = requests.get(body["url"], timeout=10)
    assert original.status_code == 200 and original.content[:3] == b"\xff\xd8\xff"
    assert "attachment" in original.headers.get("Content-Disposition", "")
    audit = [r for r in caplog.records if getattr(r, "audit", None) == "photo_download"]
    assert audit and audit[-1].photo_id == mine["photo_id"] and audit[-1].variant == "original"  # type: ignore[attr-defined]
    web = requests.get(f"{photos.api}/photos/{mine['photo_id']}/download", params={"variant": "web"},
                       headers=photos.headers(), timeout=10).json()
    assert web["filename"] == "현장_web.jpg"
    bad = requests.get(f"{photos.api}/photos/{mine['photo_id']}/download", params={"variant": "raw"},
                       headers=photos.headers(), timeout=10)
    assert bad.status_code == 422


def _send(photos: Any, photo_id: str) -> requests.Response:
    return requests.post(f"{photos.api}/photos/{photo_id}/send", headers=photos.headers(), timeout=10)


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(type(self).status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Receiver]]:
    from chalicelib import wiring
    from chalicelib.settings import get_settings

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Receiver.received, _Receiver.status = [], 200
    monkeypatch.setenv("GDESK_PHOTOS_WEBHOOK_URL", f"http://127.0.0.1:{server.server_address[1]}/hook")
    get_settings.cache_clear()
    wiring.reset()
    try:
        yield _Receiver
    finally:
        server.shutdown()
        server.server_close()
        monkeypatch.undo()
        get_settings.cache_clear()
        wiring.reset()


def test_send_posts_an_hmac_signed_payload(photos: Any, mine: dict[str, Any],
                                           webhook: type[_Receiver]) -> None:
    response = _send(photos, mine["photo_id"])
    assert response.status_code == 200, response.text
    assert response.json()["sent"] is True
    (headers, body), = webhook.received
    secret = boto3.client("secretsmanager").get_secret_value(
        SecretId=photos.stack.physical["PhotoWebhookSecret"])["SecretString"]
    stamp, signature = headers["x-gdesk-timestamp"], headers["x-gdesk-signature"]
    assert domain.verify_webhook(secret, stamp, body, signature, time.time())
    assert not domain.verify_webhook("wrong", stamp, body, signature, time.time())
    assert not domain.verify_webhook(secret, stamp, body + b" ", signature, time.time())
    assert not domain.verify_webhook(secret, stamp, body, signature, time.time() + 3600)  # replayed later
    payload = json.loads(body)
    assert payload["photo_id"] == mine["photo_id"] and payload["sender"]["name"] == "김민준"
    assert requests.get(payload["image_url"], timeout=10).content[:3] == b"\xff\xd8\xff"


def test_send_reports_a_refusing_receiver(photos: Any, mine: dict[str, Any],
                                          webhook: type[_Receiver]) -> None:
    webhook.status = 500
    response = _send(photos, mine["photo_id"])
    assert response.status_code == 502 and response.json()["error"]["code"] == "webhook_failed"


def test_send_without_a_configured_webhook_is_409(photos: Any, mine: dict[str, Any]) -> None:
    response = _send(photos, mine["photo_id"])
    assert response.status_code == 409 and response.json()["error"]["code"] == "webhook_not_configured"


def test_the_desktop_sees_when_its_qr_is_scanned(photos: Any) -> None:
    response = requests.post(f"{photos.api}/photos/pairings", headers=photos.headers(), timeout=10).json()
    status_url = f"{photos.api}/photos/pairings/{response['pairing_id']}"
    assert requests.get(status_url, headers=photos.headers(), timeout=10).json()["status"] == "waiting"
    assert requests.get(status_url, headers=photos.headers("E1002"), timeout=10).status_code == 404
    claimed = _claim(photos, response["link"].split("#pair=", 1)[1]).json()
    state = requests.get(status_url, headers=photos.headers(), timeout=10).json()
    assert state["status"] == "paired" and state["session_expires_at"] == claimed["expires_at"]
    assert requests.get(f"{photos.api}/photos/pairings/{'0' * 64}", headers=photos.headers(),
                        timeout=10).status_code == 404
    assert requests.get(f"{photos.api}/photos/pairings/nothex", headers=photos.headers(),
                        timeout=10).status_code == 404
