"""The notifier's event handlers: the NotifyQueue consumer (template: NotifierFunction, Handler
app.notify, ReportBatchItemFailures) and the 08:00 KST digest schedule (DigestFunction, app.digest).

app.py imports this module on every cold start (the API's too): Powertools' batch utility and the
notifier are imported only when a handler runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint

from chalicelib import wiring
from chalicelib.briefing.notifying import service

if TYPE_CHECKING:
    from chalicelib.briefing.notifying.notify import Notifier

# Import name "app": Chalice names the Lambda handler <import name>.<function>, and template.yaml
# keeps app.notify / app.digest (app.py re-exports the handlers).
bp = Blueprint("app")


def handle_notify_batch(event: dict[str, Any], notifier: Notifier) -> dict[str, Any]:
    """Partial batch response through Powertools; the retry delay is set in the record handler.
    A batch where every record failed is reported like any other (not raised): the failed
    messages come back after their backoff."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    from chalicelib.briefing.notifying.notify import handle_record

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def record_handler(record: Any) -> str:  # an SQSRecord
        raw = record.raw_event
        receives = int(raw.get("attributes", {}).get("ApproximateReceiveCount", "1"))
        return handle_record(notifier, raw["messageId"], raw["body"], raw.get("receiptHandle", ""), receives)

    return dict(process_partial_response(event=event, record_handler=record_handler, processor=processor))


@bp.on_sqs_message(queue="NotifyQueue", batch_size=10)
def notify(event: Any) -> dict[str, Any]:
    """NotifyQueue → the users' channels."""
    return handle_notify_batch(event.to_dict(), wiring.briefing_notifier())


@bp.schedule("cron(0 23 * * ? *)")
def digest(event: Any) -> dict[str, Any]:
    """08:00 KST: queue every user's morning digest."""
    return service.queue_digests(wiring.briefing_notify_store())
