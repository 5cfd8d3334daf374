"""Lazily created, cached boto3 clients and resources.

The endpoint is never set here: boto3 reads ``AWS_ENDPOINT_URL`` (and the per-service
``AWS_ENDPOINT_URL_<SERVICE>``) itself, so the same code talks to moto, LocalStack or AWS.
Clients are created on first use, never at import time, and are thread-safe to share.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

_lock = threading.Lock()


@cache
def _session() -> Any:
    import boto3.session

    return boto3.session.Session()


def _config() -> Any:
    from botocore.config import Config

    return Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"},
                  max_pool_connections=32)


@cache
def client(service: str) -> Any:
    from chalicelib.settings import get_settings

    with _lock:  # boto3 session creation of clients is not thread-safe
        return _session().client(service, region_name=get_settings().region, config=_config())


@cache
def resource(service: str) -> Any:
    from chalicelib.settings import get_settings

    with _lock:
        return _session().resource(service, region_name=get_settings().region, config=_config())


@cache
def _probe_client() -> Any:
    from botocore.config import Config

    from chalicelib.settings import get_settings

    with _lock:
        return _session().client("dynamodb", region_name=get_settings().region, config=Config(
            connect_timeout=1, read_timeout=2, retries={"max_attempts": 1}))


_probe_lock = threading.Lock()
_probe_result: tuple[float, str | None] = (-1e9, None)
PROBE_TTL_S = 5.0


def endpoint_problem(table: str) -> str | None:
    """None when the AWS endpoint answers a cheap call this function may make (DescribeTable of
    ``table``), else a short reason. Remembered for a few seconds so /health costs nothing."""
    import time

    global _probe_result
    with _probe_lock:
        checked_at, problem = _probe_result
        if time.monotonic() - checked_at < PROBE_TTL_S:
            return problem
        try:
            _probe_client().describe_table(TableName=table)
            problem = None
        except Exception as exc:  # noqa: BLE001 - any failure means the data routes cannot work
            problem = type(exc).__name__
        _probe_result = (time.monotonic(), problem)
        return problem


def reset() -> None:
    """Forget cached clients (tests that switch endpoints or settings)."""
    global _probe_result
    client.cache_clear()
    resource.cache_clear()
    _probe_client.cache_clear()
    _session.cache_clear()
    _probe_result = (-1e9, None)


def plain(value: Any) -> Any:
    """A DynamoDB resource value as plain JSON-friendly Python: Decimals become int or float, sets
    sorted lists, binary bytes (recursively)."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, set):
        return sorted(plain(v) for v in value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return value
