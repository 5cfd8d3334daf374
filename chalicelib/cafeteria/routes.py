"""HTTP routes of the cafeteria tool (thin handlers: authenticate, call the service, respond)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Blueprint, Response

from chalicelib import web, wiring
from chalicelib.auth import current_user
from chalicelib.cafeteria import service
from chalicelib.platform.http import json_response
from chalicelib.settings import get_settings

bp = Blueprint(__name__)


def _view(use_case: Callable[..., dict[str, Any]]) -> Response:
    """Any signed-in user; the view of the zones now, today or forecast."""
    current_user(bp.current_request)
    store, config, clock = wiring.cafeteria_store(), wiring.cafeteria_config(), wiring.cafeteria_clock()
    return json_response(use_case(store, config, clock))


@bp.route("/cafeteria/now", methods=["GET"])
def cafeteria_now():  # type: ignore[no-untyped-def]
    return _view(service.now_view)


@bp.route("/cafeteria/today", methods=["GET"])
def cafeteria_today():  # type: ignore[no-untyped-def]
    return _view(service.today_view)


@bp.route("/cafeteria/forecast", methods=["GET"])
def cafeteria_forecast():  # type: ignore[no-untyped-def]
    return _view(service.forecast_view)


@bp.route("/cafeteria", methods=["GET"])
def cafeteria_page():  # type: ignore[no-untyped-def]
    return web.page("cafeteria")


@bp.route("/cafeteria/widget", methods=["GET"])
def cafeteria_widget():  # type: ignore[no-untyped-def]
    """The small view the internal portal frames; only the configured origins may frame it."""
    return web.page("cafeteria-widget", frame_ancestors=" ".join(get_settings().cafeteria.widget_origins))
