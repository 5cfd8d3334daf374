"""Domain errors and their single mapping to HTTP responses with a JSON error body.

Every error a user can cause is an ``AppError``; the middleware in ``app.py`` turns it into
``{"error": {"code", "message"}}`` with a 4xx status. ``AppError`` derives from Chalice's
``ChaliceUnhandledError`` because that is the one exception Chalice lets through to middleware.
Chalice's own error responses (405, 415, bad JSON) are rewritten into the same shape here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from chalice import Response
from chalice.app import ChaliceUnhandledError


class AppError(ChaliceUnhandledError):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None,
                 status: int | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status
        self.field = field
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return {"error": error}


class BadRequest(AppError):
    status, code = 400, "bad_request"


class InvalidField(AppError):
    """A field is missing, has the wrong type or is out of range; ``field`` names it."""

    status, code = 422, "invalid_field"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


class Unauthorized(AppError):
    status, code = 401, "unauthorized"

    def __init__(self, message: str = "로그인이 필요합니다. (authentication required)") -> None:
        super().__init__(message, headers={"WWW-Authenticate": 'Bearer realm="gdesk"'})


class Forbidden(AppError):
    status, code = 403, "forbidden"

    def __init__(self, message: str = "권한이 없습니다. (forbidden)") -> None:
        super().__init__(message)


class NotFound(AppError):
    status, code = 404, "not_found"

    def __init__(self, message: str = "찾을 수 없습니다. (not found)") -> None:
        super().__init__(message)


class Conflict(AppError):
    status, code = 409, "conflict"


class PayloadTooLarge(AppError):
    status, code = 413, "payload_too_large"


class TooManyRequests(AppError):
    status, code = 429, "too_many_requests"


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
        message = "서버 내부 오류가 발생했습니다. (internal error)"
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
    return error_response(status, code, message, headers)
