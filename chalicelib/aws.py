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


def reset() -> None:
    """Forget cached clients (tests that switch endpoints or settings)."""
    client.cache_clear()
    resource.cache_clear()
    _session.cache_clear()


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
