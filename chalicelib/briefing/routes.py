"""HTTP routes of the briefing tool (thin handlers: parse, call, respond)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import web
from chalicelib.auth import current_user
from chalicelib.briefing import service
from chalicelib.briefing.store import BriefingStore
from chalicelib.errors import json_response
from chalicelib.validation import json_object

bp = Blueprint(__name__)


# >>> briefing notifier routes
@bp.route("/briefing", methods=["GET"])
def briefing_page():  # type: ignore[no-untyped-def]
    return web.page("briefing")


@bp.route("/briefing/profile", methods=["GET"])
def get_profile():  # type: ignore[no-untyped-def]
    user = current_user(bp.current_request, "employee")
    return json_response(service.profile_view(BriefingStore(), user))


@bp.route("/briefing/profile", methods=["PUT"])
def put_profile():  # type: ignore[no-untyped-def]
    user = current_user(bp.current_request, "employee")
    body = json_object(bp.current_request)
    return json_response(service.update_profile(BriefingStore(), user, body))


@bp.route("/briefing/items", methods=["GET"])
def list_items():  # type: ignore[no-untyped-def]
    user = current_user(bp.current_request, "employee")
    return json_response(service.list_items(BriefingStore(), user, bp.current_request.query_params))


@bp.route("/briefing/items/{item_id}/feedback", methods=["POST"])
def post_feedback(item_id: str):  # type: ignore[no-untyped-def]
    user = current_user(bp.current_request, "employee")
    body = json_object(bp.current_request)
    return json_response(service.give_feedback(BriefingStore(), user, item_id, body))


@bp.route("/briefing/admin/duties", methods=["POST"])
def import_duties():  # type: ignore[no-untyped-def]
    from chalicelib.briefing import duty_import  # the admin's import only: csv/zip/XML parsing

    current_user(bp.current_request, "admin")
    body = json_object(bp.current_request, max_bytes=duty_import.MAX_UPLOAD_BYTES)
    return json_response(duty_import.import_upload(BriefingStore(), body))
# <<< briefing notifier routes
