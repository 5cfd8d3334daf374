"""HTTP routes of the briefing tool, /briefing/* (thin handlers: authenticate, parse, call, respond)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import web, wiring
from chalicelib.auth import current_user
from chalicelib.briefing.notifying import service
from chalicelib.platform.http import json_response
from chalicelib.validation import json_object

bp = Blueprint(__name__)


@bp.route("/briefing", methods=web.PAGE_METHODS)
def briefing_page():  # type: ignore[no-untyped-def]
    return web.page("briefing")


@bp.route("/briefing/profile", methods=["GET"])
def get_profile():  # type: ignore[no-untyped-def]
    user = current_user(bp.current_request, "employee")
    return json_response(service.profile_view(wiring.briefing_notify_store(), user))


@bp.route("/briefing/profile", methods=["PUT"])
def put_profile():  # type: ignore[no-untyped-def]
    user = current_user(bp.current_request, "employee")
    body = json_object(bp.current_request)
    return json_response(service.update_profile(wiring.briefing_notify_store(), user, body))


@bp.route("/briefing/items", methods=["GET"])
def list_items():  # type: ignore[no-untyped-def]
    user = current_user(bp.current_request, "employee")
    query = bp.current_request.query_params
    return json_response(service.list_items(wiring.briefing_notify_store(), user, query))


@bp.route("/briefing/items/{item_id}/feedback", methods=["POST"])
def post_feedback(item_id: str):  # type: ignore[no-untyped-def]
    user = current_user(bp.current_request, "employee")
    body = json_object(bp.current_request)
    return json_response(service.give_feedback(wiring.briefing_notify_store(), user, item_id, body))


@bp.route("/briefing/admin/duties", methods=["POST"], content_types=list(service.DUTY_FILE_TYPES))
def import_duties():  # type: ignore[no-untyped-def]
    """The file itself is the body (CSV or XLSX, told by its bytes), like the HR trip import."""
    request = bp.current_request
    current_user(request, "admin")
    params: dict[str, str] = dict(request.query_params or {})
    raw = request.raw_body or b""
    data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    return json_response(service.import_duty_table(wiring.briefing_notify_store(), data,
                                                   params.get("filename", "")))
