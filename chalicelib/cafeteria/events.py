"""The cafeteria's event handler: camera counts from Kinesis → per zone-minute aggregates.

``functions/density_stream/handler.py`` (DensityStreamFunction in template.yaml: ReportBatchItemFailures,
bisect on error, maximum record age and retries, on-failure SQS destination) is this handler. That
function ships only the shared layer, without Chalice, so this module stays free of Chalice: a plain
Lambda handler. The batch logic is ``ingest.py`` (Powertools ``BatchProcessor``)."""

from __future__ import annotations

from typing import Any

from chalicelib import wiring
from chalicelib.cafeteria.ingest import DensityIngest, process_batch
from chalicelib.observability import flush_metrics, logger, metrics
from chalicelib.settings import get_settings


def density_records(event: dict[str, Any], context: Any) -> Any:
    logger.remove_keys(["user_id"])  # the shared logger may carry an API request's keys (local cloud)
    logger.set_correlation_id(getattr(context, "aws_request_id", None))
    ingest = DensityIngest(wiring.cafeteria_config(), wiring.cafeteria_store(),
                           wiring.cafeteria_dead_letters(),
                           now_ms=int(wiring.cafeteria_clock()().timestamp() * 1000),
                           max_age_ms=get_settings().cafeteria.max_record_age_seconds * 1000, logger=logger)
    try:
        return process_batch(event, ingest, context)
    finally:
        ingest.publish(metrics)
        flush_metrics()
