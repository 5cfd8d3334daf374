"""Powertools Logger and Metrics, created once and shared by every handler.

The Tracer is imported lazily and only when ``GDESK_TRACING`` is on: it costs 150–400 ms of
cold start (it pulls in the X-Ray SDK).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics

SERVICE = "gdesk"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="GDesk", service=SERVICE)


def tracer() -> Any | None:
    from chalicelib.settings import get_settings

    if not get_settings().tracing:
        return None
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)


def flush_metrics() -> None:
    """Publish this invocation's metrics (EMF to stdout); silent when there are none."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metrics.flush_metrics(raise_on_empty_metrics=False)
