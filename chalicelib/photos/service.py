"""My Photo use cases. Each takes the store (its ``PhotoStorePort``, which also carries the photos
settings), the caller (a signed-in desk user or a paired phone, authenticated by the route) and
typed input, and returns plain values or raises a domain error. Every photo is looked up under the
caller's own key prefix, so another user's photo id is simply "not found" (no existence oracle)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from chalicelib import outbound, qr, signing
from chalicelib.errors import AppError, Conflict, Forbidden, InvalidField, NotFound, Unauthorized
from chalicelib.observability import logger, metrics
from chalicelib.photos import domain
from chalicelib.photos.ports import PhotoStorePort
from chalicelib.photos.store import original_key

if TYPE_CHECKING:
    from chalicelib.auth import User

SESSION_HEADER = "x-photo-session"
etag_matches = domain.etag_matches


@dataclass(frozen=True)
class Principal:
    user_id: str
    prefix: str
    name: str
    department: str = ""
    session_id: str | None = None  # set for a paired phone: it sees only what it uploaded

    @property
    def is_phone(self) -> bool:
        return self.session_id is not None


def desk_principal(user: User) -> Principal:
    """A signed-in employee (the route verified the bearer token from the organisation's issuer)."""
    return Principal(user.id, domain.user_segment(user.id), user.name, user.department)


def phone_principal(store: PhotoStorePort, token: str) -> Principal:
    """A phone holding a session from a claimed pairing (upload and status only)."""
    if not domain.valid_secret(token):
        raise Unauthorized("휴대폰 연결이 올바르지 않습니다. QR을 다시 찍어 주세요. (invalid photo session)")
    session = store.phone_session(domain.secret_hash(token), int(time.time()))
    if session is None:
        raise Unauthorized(
            "휴대폰 연결이 만료되었습니다. PC 화면의 QR을 다시 찍어 주세요. (photo session expired)")
    return Principal(session.user_id, session.prefix, session.name, session_id=session.session_id)


# -- photos ---------------------------------------------------------------------------------------


def create_upload(store: PhotoStorePort, who: Principal, request: domain.UploadRequest) -> dict[str, Any]:
    settings = store.settings
    keep_gps = bool(store.get_settings(who.prefix)["keep_location"])
    item, post = store.create_upload(who.user_id, request, keep_gps=keep_gps, session_id=who.session_id)
    logger.info("photo upload started", extra={"photo_id": item["photo_id"], "via": _via(who)})
    metrics.add_metric(name="PhotoUploadStarted", unit="Count", value=1)
    return {"photo": domain.public_photo(item), "upload": {"url": post["url"], "fields": post["fields"],
                                                          "expires_in": settings.upload_url_seconds,
                                                          "max_bytes": settings.max_upload_bytes}}


def _via(who: Principal) -> str:
    return "phone" if who.is_phone else "desk"


def _owned(store: PhotoStorePort, who: Principal, photo_id: str) -> dict[str, Any]:
    if not domain.valid_photo_id(photo_id):
        raise NotFound("사진을 찾을 수 없습니다. (no such photo)")
    item = store.get_photo(who.prefix, photo_id)
    if item is None or (who.is_phone and item.get("session_id") != who.session_id):
        raise NotFound("사진을 찾을 수 없습니다. (no such photo)")
    return item


def get_photo(store: PhotoStorePort, who: Principal, photo_id: str) -> dict[str, Any]:
    item = _owned(store, who, photo_id)
    return domain.public_photo(item, store.view_urls(item))


def list_photos(store: PhotoStorePort, who: Principal, limit: int,
                cursor: str | None) -> tuple[dict[str, Any], str]:
    """One page of the caller's photos, newest first, and its ETag (the route answers 304 on a match)."""
    if cursor is not None and not domain.valid_cursor(cursor):
        raise InvalidField("cursor", "'cursor' 값이 올바르지 않습니다. (invalid cursor)")
    items, next_cursor = store.list_photos(who.prefix, limit, cursor)
    etag = domain.list_etag(items, cursor)
    page = {"photos": [domain.public_photo(i, store.view_urls(i)) for i in items],
            "next_cursor": next_cursor}
    return page, etag


def delete_photo(store: PhotoStorePort, who: Principal, photo_id: str) -> None:
    item = _owned(store, who, photo_id)
    store.delete_photo(who.prefix, item["photo_id"])
    logger.info("photo deleted", extra={"photo_id": photo_id})


VARIANTS = ("original", "web")


def download(store: PhotoStorePort, who: Principal, photo_id: str, variant: str,
             source_ip: str | None) -> dict[str, Any]:
    """A presigned download URL (attachment) — and the access log line every download leaves."""
    if variant not in VARIANTS:
        raise InvalidField("variant", "'variant' 은(는) original 또는 web 이어야 합니다.")
    item = _owned(store, who, photo_id)
    if item["status"] != "ready":
        raise Conflict("아직 준비되지 않았거나 거부된 사진입니다. (photo not ready)", code="not_ready")
    key = item["web_key"] if variant == "web" else original_key(who.prefix, photo_id)
    name = item.get("filename") or f"{photo_id}.jpg"
    if variant == "web":
        name = name.rsplit(".", 1)[0] + "_web.jpg"
    url = store.presigned_get(key, download_name=name)
    logger.info("photo download", extra={"audit": "photo_download", "photo_id": photo_id,
                                         "variant": variant, "user_id": who.user_id, "source_ip": source_ip})
    metrics.add_metric(name="PhotoDownload", unit="Count", value=1)
    return {"url": url, "filename": name, "expires_in": store.settings.view_url_seconds}


# -- settings ---------------------------------------------------------------------------------------


def get_user_settings(store: PhotoStorePort, who: Principal) -> dict[str, Any]:
    return store.get_settings(who.prefix)


def put_user_settings(store: PhotoStorePort, who: Principal, keep_location: bool) -> dict[str, Any]:
    return store.put_settings(who.prefix, keep_location)


# -- pairing ------------------------------------------------------------------------------------------


def create_pairing(store: PhotoStorePort, who: Principal, base_url: str) -> dict[str, Any]:
    """A single-use pairing code for this user's phone, valid for ``pairing_seconds``; the QR
    carries the link (back to ``base_url``, where the desktop reached the app) with the code in
    its fragment."""
    settings = store.settings
    code = domain.new_secret()
    expires_at = int(time.time()) + settings.pairing_seconds
    store.create_pairing(who.user_id, who.name, domain.secret_hash(code), expires_at)
    link = domain.pairing_link(base_url, code)
    logger.info("photo pairing created")
    return {"pairing_id": domain.secret_hash(code), "link": link,
            "qr_svg": qr.svg(link, scale=10, document=True),
            "expires_at": expires_at, "expires_in": settings.pairing_seconds}


def pairing_status(store: PhotoStorePort, who: Principal, pairing_id: str) -> dict[str, Any]:
    """The pairing id is the code's hash: it identifies the pairing but cannot claim it."""
    item = store.pairing_state(pairing_id) if domain.valid_pairing_id(pairing_id) else None
    if item is None or item.get("user_id") != who.user_id:
        raise NotFound("연결 정보를 찾을 수 없습니다. (no such pairing)")
    return domain.pairing_status(item, int(time.time()))


def claim_pairing(store: PhotoStorePort, code: Any) -> dict[str, Any]:
    """A phone trades the code from the QR for its session (public: the code is the credential)."""
    if not domain.valid_secret(code):
        raise InvalidField("code", "연결 코드가 올바르지 않습니다. (invalid pairing code)")
    token = domain.new_secret()
    session = store.claim_pairing(
        domain.secret_hash(str(code)), domain.secret_hash(token), domain.new_secret()[:16],
        int(time.time()), store.settings.pairing_seconds)
    if session is None:
        raise Forbidden("연결 코드가 만료되었거나 이미 사용되었습니다. PC에서 새 QR을 띄워 주세요. "
                        "(pairing code expired or used)")
    logger.info("photo pairing claimed", extra={"user_id": session.user_id})
    return {"session": token, "expires_at": session.expires_at, "name": session.name}


# -- "보내기": the outbound webhook ---------------------------------------------------------------


def _is_loopback_host(url: str) -> bool:
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


def _webhook_target(url: str) -> str:
    parts = urlsplit(url)
    loopback = _is_loopback_host(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
        raise Conflict("보내기 주소가 https가 아닙니다. 관리자에게 문의하세요. (webhook must be https)",
                       code="webhook_not_configured")
    return url


def send(store: PhotoStorePort, who: Principal, photo_id: str) -> dict[str, Any]:
    settings = store.settings
    if not settings.webhook_url or not settings.webhook_secret_id:
        raise Conflict("보내기 연동이 설정되지 않았습니다. 관리자에게 문의하세요. (webhook not configured)",
                       code="webhook_not_configured")
    url = _webhook_target(settings.webhook_url)
    item = _owned(store, who, photo_id)
    if item["status"] != "ready":
        raise Conflict("아직 준비되지 않았거나 거부된 사진입니다. (photo not ready)", code="not_ready")
    sent_at = int(time.time())
    image_url = store.presigned_get(original_key(who.prefix, photo_id))
    sender = {"id": who.user_id, "name": who.name, "department": who.department}
    body = domain.webhook_body(item, sender, image_url, sent_at)
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "gdesk-photos/1",
               **signing.signed_headers(store.webhook_secret(), body, sent_at)}
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
