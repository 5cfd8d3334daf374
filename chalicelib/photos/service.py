"""My Photo use cases: who is asking (a signed-in desk user or a paired phone), and what each
route does with the store. Every photo is looked up under the caller's own key prefix, so
another user's photo id is simply "not found" (no existence oracle)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from chalicelib import outbound, signing
from chalicelib.auth import current_user
from chalicelib.errors import AppError, Conflict, Forbidden, InvalidField, NotFound, Unauthorized
from chalicelib.observability import logger, metrics
from chalicelib.photos import domain
from chalicelib.photos.store import PhotoStore, original_key
from chalicelib.settings import get_settings

SESSION_HEADER = "x-photo-session"
etag_matches = domain.etag_matches


@dataclass(frozen=True)
class Principal:
    user_id: str
    seg: str
    name: str
    department: str = ""
    session_id: str | None = None  # set for a paired phone: it sees only what it uploaded

    @property
    def is_phone(self) -> bool:
        return self.session_id is not None


@lru_cache(maxsize=1)
def _store() -> PhotoStore:
    return PhotoStore(get_settings().photos)


def store() -> PhotoStore:
    return _store()


def reset() -> None:
    _store.cache_clear()
    _webhook_secret.cache_clear()


def desk_user(request: Any) -> Principal:
    """A signed-in employee (bearer token from the organisation's issuer)."""
    user = current_user(request, "employee")
    return Principal(user.id, domain.user_segment(user.id), user.name, user.department)


def principal(request: Any) -> Principal:
    """The desk user, or a phone holding a session from a claimed pairing (upload and status only)."""
    token = (request.headers or {}).get(SESSION_HEADER)
    if token is None:
        return desk_user(request)
    if not domain.valid_secret(token):
        raise Unauthorized("휴대폰 연결이 올바르지 않습니다. QR을 다시 찍어 주세요. (invalid photo session)")
    session = store().phone_session(domain.secret_hash(token), int(time.time()))
    if session is None:
        raise Unauthorized(
            "휴대폰 연결이 만료되었습니다. PC 화면의 QR을 다시 찍어 주세요. (photo session expired)")
    return Principal(session.user_id, session.seg, session.name, session_id=session.session_id)


# -- photos ---------------------------------------------------------------------------------------


def create_upload(who: Principal, body: dict[str, Any]) -> dict[str, Any]:
    settings = get_settings().photos
    request = domain.upload_request(body, settings.max_upload_bytes)
    keep_gps = bool(store().get_settings(who.seg)["keep_location"])
    item, post = store().create_upload(who.user_id, request, keep_gps=keep_gps, session_id=who.session_id)
    logger.info("photo upload started", extra={"photo_id": item["photo_id"], "via": _via(who)})
    metrics.add_metric(name="PhotoUploadStarted", unit="Count", value=1)
    return {"photo": domain.public_photo(item), "upload": {"url": post["url"], "fields": post["fields"],
                                                          "expires_in": settings.upload_url_seconds,
                                                          "max_bytes": settings.max_upload_bytes}}


def _via(who: Principal) -> str:
    return "phone" if who.is_phone else "desk"


def _owned(who: Principal, photo_id: str) -> dict[str, Any]:
    if not domain.valid_photo_id(photo_id):
        raise NotFound("사진을 찾을 수 없습니다. (no such photo)")
    item = store().get_photo(who.seg, photo_id)
    if item is None or (who.is_phone and item.get("session_id") != who.session_id):
        raise NotFound("사진을 찾을 수 없습니다. (no such photo)")
    return item


def get_photo(who: Principal, photo_id: str) -> dict[str, Any]:
    item = _owned(who, photo_id)
    return domain.public_photo(item, store().view_urls(item))


def list_photos(who: Principal, limit: int, cursor: str | None) -> tuple[dict[str, Any], str]:
    if cursor is not None and not domain.valid_cursor(cursor):
        raise InvalidField("cursor", "'cursor' 값이 올바르지 않습니다. (invalid cursor)")
    items, next_cursor = store().list_photos(who.seg, limit, cursor)
    etag = domain.list_etag(items, cursor)
    page = {"photos": [domain.public_photo(i, store().view_urls(i)) for i in items],
            "next_cursor": next_cursor}
    return page, etag


def delete_photo(who: Principal, photo_id: str) -> None:
    item = _owned(who, photo_id)
    store().delete_photo(who.seg, item["photo_id"])
    logger.info("photo deleted", extra={"photo_id": photo_id})


VARIANTS = ("original", "web")


def download(who: Principal, photo_id: str, variant: str, request_context: Any) -> dict[str, Any]:
    """A presigned download URL (attachment) — and the access log line every download leaves."""
    if variant not in VARIANTS:
        raise InvalidField("variant", "'variant' 은(는) original 또는 web 이어야 합니다.")
    item = _owned(who, photo_id)
    if item["status"] != "ready":
        raise Conflict("아직 준비되지 않았거나 거부된 사진입니다. (photo not ready)", code="not_ready")
    key = item["web_key"] if variant == "web" else original_key(who.seg, photo_id)
    name = item.get("filename") or f"{photo_id}.jpg"
    if variant == "web":
        name = name.rsplit(".", 1)[0] + "_web.jpg"
    url = store().presigned_get(key, download_name=name)
    source_ip = ((request_context or {}).get("identity") or {}).get("sourceIp") \
        if isinstance(request_context, dict) else None
    logger.info("photo download", extra={"audit": "photo_download", "photo_id": photo_id,
                                         "variant": variant, "user_id": who.user_id, "source_ip": source_ip})
    metrics.add_metric(name="PhotoDownload", unit="Count", value=1)
    return {"url": url, "filename": name, "expires_in": get_settings().photos.view_url_seconds}


# -- settings ---------------------------------------------------------------------------------------


def get_user_settings(who: Principal) -> dict[str, Any]:
    return store().get_settings(who.seg)


def put_user_settings(who: Principal, keep_location: bool) -> dict[str, Any]:
    return store().put_settings(who.seg, keep_location)


# -- pairing ------------------------------------------------------------------------------------------


def create_pairing(who: Principal, base_url: str) -> dict[str, Any]:
    """A single-use pairing code for this user's phone, valid for ``pairing_seconds``; the QR
    carries the link (back to ``base_url``, where the desktop reached the app) with the code in
    its fragment."""
    settings = get_settings()
    code = domain.new_secret()
    expires_at = int(time.time()) + settings.photos.pairing_seconds
    store().create_pairing(who.user_id, who.name, domain.secret_hash(code), expires_at)
    link = domain.pairing_link(base_url, code)
    logger.info("photo pairing created")
    return {"pairing_id": domain.secret_hash(code), "link": link, "qr_svg": _qr_svg(link),
            "expires_at": expires_at, "expires_in": settings.photos.pairing_seconds}


def pairing_status(who: Principal, pairing_id: str) -> dict[str, Any]:
    """The pairing id is the code's hash: it identifies the pairing but cannot claim it."""
    item = store().pairing_state(pairing_id) if domain.valid_pairing_id(pairing_id) else None
    if item is None or item.get("user_id") != who.user_id:
        raise NotFound("연결 정보를 찾을 수 없습니다. (no such pairing)")
    return domain.pairing_status(item, int(time.time()))


def _qr_svg(text: str) -> str:
    import io

    import qrcode
    import qrcode.image.svg

    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=4)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue().decode()


def claim_pairing(body: dict[str, Any]) -> dict[str, Any]:
    code = body.get("code")
    if not domain.valid_secret(code):
        raise InvalidField("code", "연결 코드가 올바르지 않습니다. (invalid pairing code)")
    token = domain.new_secret()
    session = store().claim_pairing(
        domain.secret_hash(str(code)), domain.secret_hash(token), domain.new_secret()[:16],
        int(time.time()), get_settings().photos.pairing_seconds)
    if session is None:
        raise Forbidden("연결 코드가 만료되었거나 이미 사용되었습니다. PC에서 새 QR을 띄워 주세요. "
                        "(pairing code expired or used)")
    logger.info("photo pairing claimed", extra={"user_id": session.user_id})
    return {"session": token, "expires_at": session.expires_at, "name": session.name}


# -- "보내기": the outbound webhook ---------------------------------------------------------------


@lru_cache(maxsize=1)
def _webhook_secret() -> str:
    return store().webhook_secret()


def _is_loopback_host(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


def _webhook_target(url: str) -> str:
    parts = urlsplit(url)
    loopback = _is_loopback_host(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise Conflict("보내기 주소가 https가 아닙니다. 관리자에게 문의하세요. (webhook must be https)",
                       code="webhook_not_configured")
    return url


def send(who: Principal, photo_id: str) -> dict[str, Any]:
    settings = get_settings().photos
    if not settings.webhook_url or not settings.webhook_secret_id:
        raise Conflict("보내기 연동이 설정되지 않았습니다. 관리자에게 문의하세요. (webhook not configured)",
                       code="webhook_not_configured")
    url = _webhook_target(settings.webhook_url)
    item = _owned(who, photo_id)
    if item["status"] != "ready":
        raise Conflict("아직 준비되지 않았거나 거부된 사진입니다. (photo not ready)", code="not_ready")
    sent_at = int(time.time())
    image_url = store().presigned_get(original_key(who.seg, photo_id))
    sender = {"id": who.user_id, "name": who.name, "department": who.department}
    body = domain.webhook_body(item, sender, image_url, sent_at)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "gdesk-photos/1",
               **signing.signed_headers(_webhook_secret(), body, sent_at)}
    # the configured receiver may be on loopback only when it is named so (the local demo and tests)
    guard = outbound.Guard(allow_loopback=_is_loopback_host(url), plain_http_loopback_only=True)
    try:  # through the guarded transport: address checks, pinned connection, no redirects followed
        status = outbound.request("POST", url, guard=guard, headers=headers, body=body, timeout=5,
                                  max_bytes=64 * 1024).status
    except outbound.OutboundError as exc:
        logger.warning("photo webhook unreachable", extra={"error": str(exc)})
        raise AppError("업무 시스템에 연결할 수 없습니다. 잠시 후 다시 시도하세요. (webhook unreachable)",
                       code="webhook_failed", status=502) from exc
    logger.info("photo sent", extra={"audit": "photo_send", "photo_id": photo_id, "status": status})
    if status >= 300:
        raise AppError(f"업무 시스템이 거부했습니다 (HTTP {status}). (webhook refused)",
                       code="webhook_failed", status=502)
    return {"sent": True, "photo_id": photo_id, "sent_at": sent_at}
