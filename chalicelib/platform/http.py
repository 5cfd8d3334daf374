"""The HTTP edge: JSON responses and the single mapping of errors to them.

Domain code raises plain ``AppError``s (``chalicelib.errors``). Chalice turns every exception a
view raises into its own 500 before middleware sees it, so the mapping sits at the view: ``App``
wraps each registered route so a raised ``AppError`` becomes its JSON 4xx. Anything else is left to
Chalice (it logs the trace and answers its own 500); that response and Chalice's other error
responses (405, 415, bad JSON) are rewritten into the same ``{"error": {"code", "message"}}``
shape, without the trace, by ``normalize_chalice_error`` in the app's middleware.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from chalice import Chalice, Response

from chalicelib.errors import AppError

INTERNAL_ERROR = "서버 내부 오류가 발생했습니다. (internal error)"


def json_response(body: Any, status: int = 200,
                  headers: Mapping[str, str | list[str]] | None = None) -> Response:
    all_headers: dict[str, str | list[str]] = {
        "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}
    all_headers.update(headers or {})
    return Response(body=json.dumps(body, ensure_ascii=False), status_code=status,
                    headers=all_headers)


def error_response(status: int, code: str, message: str,
                   headers: Mapping[str, str | list[str]] | None = None) -> Response:
    return json_response({"error": {"code": code, "message": message}}, status, headers)


def app_error_response(err: AppError) -> Response:
    return json_response(err.body(), err.status, err.headers)


def map_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """``view`` with its errors as JSON responses: the one place domain errors meet HTTP."""

    @functools.wraps(view)
    def mapped(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except AppError as err:
            return app_error_response(err)

    return mapped


class App(Chalice):
    """Chalice whose routes (its own and its blueprints') answer errors through ``map_errors``."""

    def _register_route(self, name: str, user_handler: Any, kwargs: Any, **unused: Any) -> None:
        super()._register_route(name, map_errors(user_handler), kwargs, **unused)


# Chalice's built-in error codes (its {"Code", "Message"} bodies) → ours.
_CHALICE_CODES = {
    "BadRequestError": (400, "bad_request"),
    "BadRequest": (400, "bad_request"),
    "UnauthorizedError": (401, "unauthorized"),
    "ForbiddenError": (403, "forbidden"),
    "NotFoundError": (404, "not_found"),
    "MethodNotAllowedError": (405, "method_not_allowed"),
    "UnsupportedMediaType": (415, "unsupported_media_type"),
    "RequestTimeoutError": (408, "request_timeout"),
    "ConflictError": (409, "conflict"),
    "UnprocessableEntityError": (422, "invalid_field"),
    "TooManyRequestsError": (429, "too_many_requests"),
    "InternalServerError": (500, "internal_error"),
}


def normalize_chalice_error(response: Response) -> Response:
    """Rewrite a Chalice ``{"Code", "Message"}`` error body into ``{"error": {...}}``."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or "Code" not in body:
        return response
    status, code = _CHALICE_CODES.get(str(body["Code"]), (response.status_code, "error"))
    message = str(body.get("Message", ""))
    if code == "bad_request" and "JSON" in message:
        code, message = "malformed_json", "요청 본문이 올바른 JSON이 아닙니다. (malformed JSON body)"
    if code == "internal_error":
        message = INTERNAL_ERROR
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
    return error_response(status, code, message, headers)
