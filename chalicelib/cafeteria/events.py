"""The cafeteria's event handler: camera counts from Kinesis → per zone-minute aggregates.

``functions/density_stream/handler.py`` (DensityStreamFunction in template.yaml: ReportBatchItemFailures,
bisect on error, maximum record age and retries, on-failure SQS destination) is this handler. That
function ships only the shared layer, without Chalice, so this module stays free of Chalice: a plain
Lambda handler. The batch logic is ``ingest.py`` (Powertools ``BatchProcessor``)."""

from __future__ import annotations

import gc
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord

from chalicelib import wiring
from chalicelib.cafeteria.ingest import DensityIngest
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


def process_batch(event: dict[str, Any], ingest: DensityIngest, context: Any) -> Any:
    """Powertools' partial batch processing of one Kinesis event, with the cyclic garbage collector
    paused: a 10,000-record batch allocates some 10^5 short-lived, acyclic objects, and the
    collector's full passes over the event would cost a fifth of the batch (reference counting
    frees them all the same)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return process_partial_response(event=event, record_handler=ingest.record,
                                        processor=DensityBatchProcessor(ingest), context=context)
    finally:
        if paused:
            gc.enable()


class DensityBatchProcessor(BatchProcessor):
    """Powertools' Kinesis batch processor, plus one flush after every record was handled: the
    aggregate is written once per batch, and the records it could not store become item failures."""

    def __init__(self, ingest: DensityIngest) -> None:
        super().__init__(event_type=EventType.KinesisDataStreams, raise_on_entire_batch_failure=False)
        self.ingest = ingest

    def process(self) -> list[tuple[Any, ...]]:
        results = super().process()
        for raw, exc in self.ingest.flush(results):
            self.failure_handler(KinesisStreamRecord(raw), (type(exc), exc, exc.__traceback__))
        return results
