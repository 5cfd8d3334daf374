"""G-Desk: the Chalice application. Creates the app, registers middleware and blueprints."""

from __future__ import annotations

from typing import Any

from chalice import Chalice, Response

from chalicelib import web
from chalicelib.briefing.routes import bp as briefing_bp
from chalicelib.cafeteria.routes import bp as cafeteria_bp
from chalicelib.core.routes import bp as core_bp
from chalicelib.errors import AppError, app_error_response, error_response, normalize_chalice_error
from chalicelib.observability import flush_metrics, logger
from chalicelib.photos.routes import bp as photos_bp
from chalicelib.trips.routes import bp as trips_bp
from chalicelib.validation import check_request

# Powertools owns logging: Chalice's own set-up would put the shared "gdesk" logger at ERROR level
# whenever sys.stdout is not the stream Powertools captured (tests, embedded servers).
app = Chalice(app_name="gdesk", configure_logs=False)
app.experimental_feature_flags.update(["BLUEPRINTS"])
app.api.binary_types.append("application/pdf")  # the trip evidence sheet; also in template.yaml
app.register_blueprint(core_bp)
app.register_blueprint(trips_bp)
app.register_blueprint(photos_bp)
app.register_blueprint(cafeteria_bp)
app.register_blueprint(briefing_bp)


@app.middleware("all")
def observe(event: Any, get_response: Any) -> Any:
    """Powertools context for every handler: correlation id (the API Gateway request id, or the
    Lambda request id for event handlers), a clean per-request key set, EMF metrics flushed."""
    logger.remove_keys(["user_id"])
    request_context = getattr(event, "context", None)
    if isinstance(request_context, dict) and request_context.get("requestId"):
        logger.set_correlation_id(request_context["requestId"])
    elif request_context is not None:
        logger.set_correlation_id(getattr(request_context, "aws_request_id", None))
    try:
        return get_response(event)
    finally:
        flush_metrics()


@app.middleware("http")
def json_errors(event: Any, get_response: Any) -> Response:
    """The single mapping of errors to HTTP: domain errors and Chalice's own → JSON, never a trace."""
    web.bind_request(event)
    try:
        check_request(event)  # hostile input is refused before any route (chalicelib/validation.py)
        response = get_response(event)
    except AppError as err:
        return app_error_response(err)
    except Exception:
        logger.exception("unhandled error")
        return error_response(500, "internal_error", "서버 내부 오류가 발생했습니다. (internal error)")
    return normalize_chalice_error(response)


# Non-HTTP handlers (each declared in template.yaml as its own function: Handler app.<name>).
# >>> photos functions
@app.lambda_function(name="photo_processor")
def photo_processor(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """S3 ObjectCreated → SQS → here (template: PhotoProcessorFunction); partial batch response."""
    from chalicelib.photos import pipeline, service

    return pipeline.handle_sqs_batch(event, service.store())


# <<< photos functions

# >>> briefing functions
@app.on_sqs_message(queue="NotifyQueue", batch_size=10)
def notify(event: Any) -> dict[str, Any]:
    """NotifyQueue → the users' channels (template: NotifierFunction, ReportBatchItemFailures)."""
    from chalicelib.briefing.handlers import notify_batch

    return notify_batch(event.to_dict())


@app.schedule("cron(0 23 * * ? *)")
def digest(event: Any) -> dict[str, Any]:
    """08:00 KST: queue every user's morning digest (template: DigestFunction)."""
    from chalicelib.briefing.handlers import queue_digests

    return queue_digests()
@app.schedule("rate(5 minutes)", name="crawl")
def crawl(event: Any) -> dict[str, Any]:
    """The briefing crawler: one round over the sources that are due (per-source intervals)."""
    from chalicelib.briefing.crawler import run_scheduled_round

    return run_scheduled_round(remaining_ms=event.context.get_remaining_time_in_millis())


# <<< briefing functions
