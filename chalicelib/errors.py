"""Domain errors: plain exceptions, so pure modules can raise them without importing a web framework.

Every error a user can cause is an ``AppError`` carrying its HTTP status, a stable ``code`` and a
Korean message; the HTTP edge (``chalicelib.platform.http``) turns it into
``{"error": {"code", "message"}}`` with that 4xx status, in one place.
"""

from __future__ import annotations

from typing import Any


class AppError(Exception):
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
