"""HTTP routes of the photos tool (thin handlers: parse, call, respond)."""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib import web
from chalicelib.errors import json_response
from chalicelib.photos import service
from chalicelib.settings import get_settings as app_settings
from chalicelib.validation import field_bool, json_object, query_int

bp = Blueprint(__name__)


@bp.route("/photos/uploads", methods=["POST"])
def create_upload():  # type: ignore[no-untyped-def]
    request = bp.current_request
    who = service.principal(request)
    return json_response(service.create_upload(who, json_object(request)), 201)


@bp.route("/photos", methods=["GET"])
def list_photos():  # type: ignore[no-untyped-def]
    request = bp.current_request
    who = service.desk_user(request)
    params: dict[str, str] = dict(request.query_params or {})
    limit = query_int(params, "limit", default=20, minimum=1, maximum=100)
    page, etag = service.list_photos(who, limit, params.get("cursor"))
    if service.etag_matches(request.headers.get("if-none-match"), etag):
        return Response(body="", status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
    return json_response(page, headers={"ETag": etag, "Cache-Control": "no-cache"})


@bp.route("/photos/{photo_id}", methods=["GET"])
def get_photo(photo_id: str):  # type: ignore[no-untyped-def]
    who = service.principal(bp.current_request)
    return json_response(service.get_photo(who, photo_id))


@bp.route("/photos/{photo_id}", methods=["DELETE"])
def delete_photo(photo_id: str):  # type: ignore[no-untyped-def]
    who = service.desk_user(bp.current_request)
    service.delete_photo(who, photo_id)
    return Response(body="", status_code=204)


@bp.route("/photos/{photo_id}/download", methods=["GET"])
def download_photo(photo_id: str):  # type: ignore[no-untyped-def]
    request = bp.current_request
    who = service.desk_user(request)
    params: dict[str, str] = dict(request.query_params or {})
    variant = params.get("variant", "original")
    return json_response(service.download(who, photo_id, variant, request.context))


@bp.route("/photos/{photo_id}/send", methods=["POST"])
def send_photo(photo_id: str):  # type: ignore[no-untyped-def]
    who = service.desk_user(bp.current_request)
    return json_response(service.send(who, photo_id))


@bp.route("/photos/settings", methods=["GET"])
def get_settings():  # type: ignore[no-untyped-def]
    return json_response(service.get_user_settings(service.desk_user(bp.current_request)))


@bp.route("/photos/settings", methods=["PUT"])
def put_settings():  # type: ignore[no-untyped-def]
    request = bp.current_request
    who = service.desk_user(request)
    keep = field_bool(json_object(request), "keep_location")
    return json_response(service.put_user_settings(who, bool(keep)))


@bp.route("/photos/pairings", methods=["POST"])
def create_pairing():  # type: ignore[no-untyped-def]
    request = bp.current_request
    base_url = web.request_base_url(request, app_settings().public_url)
    return json_response(service.create_pairing(service.desk_user(request), base_url), 201)


@bp.route("/photos/pairings/{pairing_id}", methods=["GET"])
def get_pairing(pairing_id: str):  # type: ignore[no-untyped-def]
    return json_response(service.pairing_status(service.desk_user(bp.current_request), pairing_id))


@bp.route("/photos/pairings/claim", methods=["POST"])
def claim_pairing():  # type: ignore[no-untyped-def]
    return json_response(service.claim_pairing(json_object(bp.current_request)), 201)


@bp.route("/photo", methods=web.PAGE_METHODS)
def phone_page():  # type: ignore[no-untyped-def]
    return web.page("photo")


@bp.route("/photo/desk", methods=web.PAGE_METHODS)
def desk_page():  # type: ignore[no-untyped-def]
    return web.page("photo_desk")
