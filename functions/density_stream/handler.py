"""The Kinesis-fed density function: camera counts → per zone-minute aggregates (cafeteria tool).

Declared in template.yaml as DensityStreamFunction (ReportBatchItemFailures, bisect on error,
maximum record age and retries, on-failure SQS destination). The logic is in
``chalicelib/cafeteria/ingest.py`` (Powertools ``BatchProcessor`` + ``process_partial_response``);
this entry point only wires it up.
"""

from __future__ import annotations

from typing import Any

from chalicelib.cafeteria import service
from chalicelib.cafeteria.ingest import DensityIngest, process_batch
from chalicelib.observability import flush_metrics, logger, metrics
from chalicelib.settings import get_settings


def handler(event: dict[str, Any], context: Any) -> Any:
    logger.remove_keys(["user_id"])  # the shared logger may carry an API request's keys (local cloud)
    logger.set_correlation_id(getattr(context, "aws_request_id", None))
    ingest = DensityIngest(service.config(), service.store(), service.dead_letters(),
                           now_ms=int(service.now().timestamp() * 1000),
                           max_age_ms=get_settings().cafeteria.max_record_age_seconds * 1000, logger=logger)
    try:
        return process_batch(event, ingest, context)
    finally:
        ingest.publish(metrics)
        flush_metrics()
