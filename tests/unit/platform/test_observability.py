"""Powertools through the app's middleware: JSON logs with the API Gateway request id as correlation
id and the signed-in user's id, EMF metrics flushed per invocation, the Tracer only when enabled."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice.test import Client

from chalicelib import devissuer
from chalicelib.observability import logger, metrics
from chalicelib.platform.http import App

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    handler = logger.registered_handler
    buffer = io.StringIO()
    previous = handler.setStream(buffer)  # type: ignore[attr-defined]
    try:
        yield buffer
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]


def _app() -> App:
    import app as app_module
    from chalicelib.auth import current_user

    test_app = App(app_name="obs")
    test_app.register_middleware(app_module.observe, "all")
    test_app.register_middleware(app_module.json_errors, "http")

    @test_app.route("/work")
    def work() -> dict[str, Any]:
        user = current_user(test_app.current_request)
        metrics.add_metric(name="WorkDone", unit="Count", value=1)
        logger.info("work done")
        return {"id": user.id}

    @test_app.route("/anonymous")
    def anonymous() -> dict[str, Any]:
        logger.info("anonymous call")
        return {}

    return test_app


def _records(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]


def test_one_request_logs_json_with_request_id_and_user_id(dev_home: str, log_lines: io.StringIO,
                                                           capsys: Any) -> None:
    token = devissuer.issue_token(dev_home, "E1002")
    with Client(_app()) as client:
        response = client.http.get("/work", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    (record,) = [r for r in _records(log_lines) if r["message"] == "work done"]
    assert record["level"] == "INFO" and record["service"] == "gdesk"
    assert record["user_id"] == "E1002"
    # EMF: the metric was flushed to stdout at the end of the invocation.
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any(doc.get("WorkDone") == [1.0] or doc.get("WorkDone") == 1.0 for doc in emf), emf
    assert emf[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "GDesk"


def test_the_correlation_id_is_the_api_gateway_request_id(dev_home: str, log_lines: io.StringIO) -> None:
    import app as app_module
    from infra.local.server import LocalApiGateway

    gateway = LocalApiGateway(_app())
    token = devissuer.issue_token(dev_home, "E1001")
    event = gateway.event("GET", "/work", {"authorization": [f"Bearer {token}"]}, b"", "127.0.0.1")
    assert event is not None
    assert gateway.invoke(event)["statusCode"] == 200
    (record,) = [r for r in _records(log_lines) if r["message"] == "work done"]
    assert record["correlation_id"] == event["requestContext"]["requestId"]
    assert app_module.observe is not None


def test_the_user_id_does_not_leak_into_the_next_request(dev_home: str, log_lines: io.StringIO) -> None:
    token = devissuer.issue_token(dev_home, "E1003")
    with Client(_app()) as client:
        client.http.get("/work", headers={"Authorization": f"Bearer {token}"})
        client.http.get("/anonymous")
    (record,) = [r for r in _records(log_lines) if r["message"] == "anonymous call"]
    assert "user_id" not in record


def test_the_tracer_is_off_unless_enabled(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.observability import tracer
    from chalicelib.settings import get_settings

    monkeypatch.delenv("GDESK_TRACING", raising=False)
    get_settings.cache_clear()
    try:
        assert tracer() is None
        monkeypatch.setenv("GDESK_TRACING", "1")
        get_settings.cache_clear()
        from aws_lambda_powertools import Tracer

        assert isinstance(tracer(), Tracer)
    finally:
        get_settings.cache_clear()


def test_importing_the_app_does_not_import_the_tracer_or_boto3() -> None:
    """Cold start: the X-Ray SDK (150–400 ms) and boto3 load only when used."""
    code = ("import sys, app; heavy = [m for m in ('aws_xray_sdk', 'boto3', 'botocore.session', "
            "'botocore.client') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PATH": "/usr/bin:/bin", "GDESK_HOME": "/nonexistent"})
    assert out.stdout.strip() == ""
