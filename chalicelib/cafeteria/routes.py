"""HTTP routes of the cafeteria tool (thin handlers: authenticate, call the service, respond)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import web
from chalicelib.auth import current_user
from chalicelib.cafeteria import service
from chalicelib.errors import json_response
from chalicelib.settings import get_settings

bp = Blueprint(__name__)


@bp.route("/cafeteria/now", methods=["GET"])
def cafeteria_now():  # type: ignore[no-untyped-def]
    current_user(bp.current_request)
    return json_response(service.now_view())


@bp.route("/cafeteria/today", methods=["GET"])
def cafeteria_today():  # type: ignore[no-untyped-def]
    current_user(bp.current_request)
    return json_response(service.today_view())


@bp.route("/cafeteria/forecast", methods=["GET"])
def cafeteria_forecast():  # type: ignore[no-untyped-def]
    current_user(bp.current_request)
    return json_response(service.forecast_view())


@bp.route("/cafeteria", methods=web.PAGE_METHODS)
def cafeteria_page():  # type: ignore[no-untyped-def]
    return web.page("cafeteria")


@bp.route("/cafeteria/widget", methods=web.PAGE_METHODS)
def cafeteria_widget():  # type: ignore[no-untyped-def]
    """The small view the internal portal frames; only the configured origins may frame it."""
    return web.page("cafeteria-widget", frame_ancestors=" ".join(get_settings().cafeteria.widget_origins))
