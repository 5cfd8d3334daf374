"""My Photo's event handler: S3 ObjectCreated → SQS → the photo processor (PhotoProcessorFunction,
``Handler: app.photo_processor``; app.py imports it from here). Every message goes through
Powertools' ``BatchProcessor(EventType.SQS)``: the failed messages come back in
``batchItemFailures`` and SQS redelivers only those (then the DLQ)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.photos.ports import PhotoStorePort

# Chalice names a blueprint's Lambda handlers after the blueprint's import name. They are "app.<name>"
# (template: Handler app.photo_processor) because Lambda must import app.py: registering this
# blueprint there is what attaches the app's middleware (correlation ids, metrics) to the handler.
bp = Blueprint("app")


@bp.lambda_function(name="photo_processor")
def photo_processor(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """S3 ObjectCreated → SQS → here (template: PhotoProcessorFunction); partial batch response."""
    return process_batch(event, wiring.photos_store(), context)


def process_batch(event: dict[str, Any], store: PhotoStorePort, context: Any = None) -> dict[str, Any]:
    """One SQS event → ``{"batchItemFailures": [...]}`` (the failed message ids only)."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from chalicelib.photos import processing

    if not event.get("Records"):
        return {"batchItemFailures": []}

    def record_handler(record: SQSRecord) -> list[str]:
        return processing.handle_message(record.body, store, record.message_id)

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return dict(process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                         context=context))
