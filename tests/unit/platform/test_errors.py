"""One error shape for everything: domain errors, Chalice's own errors, and unhandled exceptions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chalice import Response
from chalice.test import Client

from chalicelib.errors import (
    AppError,
    BadRequest,
    Conflict,
    Forbidden,
    InvalidField,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unauthorized,
)
from chalicelib.platform import http as errors
from chalicelib.platform.http import App, normalize_chalice_error


def _body(response: Any) -> dict[str, Any]:
    return dict(json.loads(response.body))


@pytest.mark.parametrize("error,status,code", [
    (BadRequest("x"), 400, "bad_request"),
    (InvalidField("lat", "x"), 422, "invalid_field"),
    (Unauthorized(), 401, "unauthorized"),
    (Forbidden(), 403, "forbidden"),
    (NotFound(), 404, "not_found"),
    (Conflict("x"), 409, "conflict"),
    (PayloadTooLarge("x"), 413, "payload_too_large"),
    (TooManyRequests("x"), 429, "too_many_requests"),
    (AppError("x", code="custom", status=418), 418, "custom"),
])
def test_each_domain_error_maps_to_its_status_and_code(error: AppError, status: int, code: str) -> None:
    response = errors.app_error_response(error)
    assert response.status_code == status
    assert _body(response)["error"]["code"] == code
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


def test_invalid_field_names_the_field() -> None:
    assert InvalidField("lat", "범위 밖").body() == {
        "error": {"code": "invalid_field", "message": "범위 밖", "field": "lat"}}


def test_korean_messages_are_not_escaped() -> None:
    assert "로그인" in errors.app_error_response(Unauthorized()).body


def test_unauthorized_carries_the_bearer_challenge() -> None:
    assert errors.app_error_response(Unauthorized()).headers["WWW-Authenticate"] == 'Bearer realm="gdesk"'


@pytest.mark.parametrize("chalice_code,status,code", [
    ("MethodNotAllowedError", 405, "method_not_allowed"),
    ("UnsupportedMediaType", 415, "unsupported_media_type"),
    ("NotFoundError", 404, "not_found"),
    ("SomethingNew", 418, "error"),
])
def test_chalice_error_bodies_are_rewritten(chalice_code: str, status: int, code: str) -> None:
    response = normalize_chalice_error(Response(body={"Code": chalice_code, "Message": "m"},
                                                status_code=status, headers={"Allow": "GET"}))
    assert response.status_code == status
    assert _body(response) == {"error": {"code": code, "message": "m"}}
    assert response.headers["Allow"] == "GET"


def test_chalice_bad_json_becomes_malformed_json() -> None:
    response = normalize_chalice_error(Response(
        body={"Code": "BadRequestError", "Message": "Error Parsing JSON"}, status_code=400))
    assert _body(response)["error"]["code"] == "malformed_json"


def test_chalice_internal_errors_never_leak_their_message() -> None:
    response = normalize_chalice_error(Response(
        body={"Code": "InternalServerError", "Message": "Traceback: secret"}, status_code=500))
    assert "secret" not in response.body and _body(response)["error"]["code"] == "internal_error"


def test_successful_and_non_chalice_responses_are_untouched() -> None:
    ok = Response(body={"Code": "x"}, status_code=200)
    assert normalize_chalice_error(ok) is ok
    mine = Response(body='{"error": {}}', status_code=404)
    assert normalize_chalice_error(mine) is mine


# -- through the real app ---------------------------------------------------------------------


def test_unknown_method_is_a_json_405(client: Any) -> None:
    response = client.http.post("/health", body="{}", headers={"Content-Type": "application/json"})
    assert response.status_code == 405
    assert _body(response)["error"]["code"] == "method_not_allowed"


def test_unsupported_media_type_is_a_json_415(client: Any) -> None:
    response = client.http.post("/dev/login", body="user=E1001",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415
    assert _body(response)["error"]["code"] == "unsupported_media_type"


@pytest.mark.parametrize("body,status,code,field", [
    ("{not json", 400, "malformed_json", None),
    ("", 400, "malformed_json", None),
    ("[1, 2]", 422, "invalid_field", "body"),
    ('{"user": 5}', 422, "invalid_field", "user"),
    ('{"other": "x"}', 422, "invalid_field", "user"),
])
def test_bad_bodies_are_4xx_naming_the_field(client: Any, body: str, status: int, code: str,
                                             field: str | None) -> None:
    response = client.http.post("/dev/login", body=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status
    error = _body(response)["error"]
    assert error["code"] == code and error.get("field") == field


def test_static_files_and_their_404(client: Any) -> None:
    css = client.http.get("/static/app.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    for name in ("nope.css", "..%2Fapp.py", ".hidden.js", "app.py"):
        response = client.http.get(f"/static/{name}")
        assert response.status_code == 404 and _body(response)["error"]["code"] == "not_found", name


def test_pages_are_korean_html_with_a_strict_policy(client: Any) -> None:
    for path in ("/", "/login"):
        response = client.http.get(path)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert '<html lang="ko">' in response.body.decode()


def _app_with(route_body: Any) -> App:
    import app as app_module

    test_app = App(app_name="errors")
    test_app.register_middleware(app_module.observe, "all")
    test_app.register_middleware(app_module.json_errors, "http")
    test_app.route("/boom", methods=["GET"])(route_body)

    @test_app.route("/json", methods=["POST"])
    def uses_chalice_json() -> Any:
        return test_app.current_request.json_body

    return test_app


def test_an_unhandled_exception_is_a_json_500_without_a_trace(dev_home: str, capfd: Any) -> None:
    def boom() -> None:
        raise RuntimeError("database password is hunter2")

    with Client(_app_with(boom)) as test_client:
        response = test_client.http.get("/boom")
    assert response.status_code == 500
    assert _body(response) == {"error": {"code": "internal_error",
                                         "message": "서버 내부 오류가 발생했습니다. (internal error)"}}
    assert "hunter2" not in response.body.decode() and "Traceback" not in response.body.decode()
    # The trace goes to the log (for operators), not to the user.
    assert "RuntimeError" in capfd.readouterr().out


def test_a_domain_error_raised_deep_in_a_handler(dev_home: str) -> None:
    def conflict() -> None:
        raise Conflict("이미 있습니다. (exists)")

    with Client(_app_with(conflict)) as test_client:
        response = test_client.http.get("/boom")
    assert response.status_code == 409 and _body(response)["error"]["code"] == "conflict"


def test_chalice_json_body_parse_error_is_malformed_json(dev_home: str) -> None:
    with Client(_app_with(lambda: None)) as test_client:
        response = test_client.http.post("/json", body="{oops", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and _body(response)["error"]["code"] == "malformed_json"
