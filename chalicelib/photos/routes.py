"""HTTP routes of the photos tool (thin handlers: authenticate, parse, call one use case, respond)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib import web, wiring
from chalicelib.auth import current_user
from chalicelib.photos import domain, service
from chalicelib.photos.ports import PhotoStorePort
from chalicelib.platform.http import json_response
from chalicelib.settings import get_settings as app_settings
from chalicelib.validation import field_bool, json_object, query_int

bp = Blueprint(__name__)


def _desk_user(request: Any) -> service.Principal:
    """A signed-in employee (bearer token from the organisation's issuer)."""
    return service.desk_principal(current_user(request, "employee"))


def _desk_user_or_phone(request: Any, store: PhotoStorePort) -> service.Principal:
    """The desk user, or a phone holding a session from a claimed pairing (upload and status only)."""
    token = (request.headers or {}).get(service.SESSION_HEADER)
    return _desk_user(request) if token is None else service.phone_principal(store, token)


@bp.route("/photos/uploads", methods=["POST"])
def create_upload():  # type: ignore[no-untyped-def]
    request, store = bp.current_request, wiring.photos_store()
    who = _desk_user_or_phone(request, store)
    upload = domain.upload_request(json_object(request), store.settings.max_upload_bytes)
    return json_response(service.create_upload(store, who, upload), 201)


@bp.route("/photos", methods=["GET"])
def list_photos():  # type: ignore[no-untyped-def]
    request = bp.current_request
    who = _desk_user(request)
    params: dict[str, str] = dict(request.query_params or {})
    limit = query_int(params, "limit", default=20, minimum=1, maximum=100)
    page, etag = service.list_photos(wiring.photos_store(), who, limit, params.get("cursor"))
    if service.etag_matches(request.headers.get("if-none-match"), etag):
        return Response(body="", status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    return json_response(page, headers={"ETag": etag, "Cache-Control": "no-cache"})


@bp.route("/photos/{photo_id}", methods=["GET"])
def get_photo(photo_id: str):  # type: ignore[no-untyped-def]
    store = wiring.photos_store()
    who = _desk_user_or_phone(bp.current_request, store)
    return json_response(service.get_photo(store, who, photo_id))


@bp.route("/photos/{photo_id}", methods=["DELETE"])
def delete_photo(photo_id: str):  # type: ignore[no-untyped-def]
    who = _desk_user(bp.current_request)
    service.delete_photo(wiring.photos_store(), who, photo_id)
    return Response(body="", status_code=204)


@bp.route("/photos/{photo_id}/download", methods=["GET"])
def download_photo(photo_id: str):  # type: ignore[no-untyped-def]
    request = bp.current_request
    who = _desk_user(request)
    variant = dict(request.query_params or {}).get("variant", "original")
    context = request.context
    source_ip = ((context or {}).get("identity") or {}).get("sourceIp") if isinstance(context, dict) else None
    return json_response(service.download(wiring.photos_store(), who, photo_id, variant, source_ip))


@bp.route("/photos/{photo_id}/send", methods=["POST"])
def send_photo(photo_id: str):  # type: ignore[no-untyped-def]
    who = _desk_user(bp.current_request)
    return json_response(service.send(wiring.photos_store(), who, photo_id))


@bp.route("/photos/settings", methods=["GET"])
def get_settings():  # type: ignore[no-untyped-def]
    who = _desk_user(bp.current_request)
    return json_response(service.get_user_settings(wiring.photos_store(), who))


@bp.route("/photos/settings", methods=["PUT"])
def put_settings():  # type: ignore[no-untyped-def]
    request = bp.current_request
    who = _desk_user(request)
    keep = field_bool(json_object(request), "keep_location")
    return json_response(service.put_user_settings(wiring.photos_store(), who, bool(keep)))


@bp.route("/photos/pairings", methods=["POST"])
def create_pairing():  # type: ignore[no-untyped-def]
    request = bp.current_request
    base_url = web.request_base_url(request, app_settings().public_url)
    who = _desk_user(request)
    return json_response(service.create_pairing(wiring.photos_store(), who, base_url), 201)


@bp.route("/photos/pairings/{pairing_id}", methods=["GET"])
def get_pairing(pairing_id: str):  # type: ignore[no-untyped-def]
    who = _desk_user(bp.current_request)
    return json_response(service.pairing_status(wiring.photos_store(), who, pairing_id))


@bp.route("/photos/pairings/claim", methods=["POST"])
def claim_pairing():  # type: ignore[no-untyped-def]
    code = json_object(bp.current_request).get("code")
    return json_response(service.claim_pairing(wiring.photos_store(), code), 201)


@bp.route("/photo", methods=["GET"])
def phone_page():  # type: ignore[no-untyped-def]
    return web.page("photo")


@bp.route("/photo/desk", methods=["GET"])
def desk_page():  # type: ignore[no-untyped-def]
    return web.page("photo_desk")
