"""G-Desk: the Chalice application. Creates the app, registers middleware and blueprints."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib import web
from chalicelib.briefing.crawling.events import bp as briefing_crawl_events_bp
from chalicelib.briefing.crawling.events import crawl  # noqa: F401 - Handler app.crawl
from chalicelib.briefing.notifying.events import bp as briefing_notify_events_bp
from chalicelib.briefing.notifying.events import digest, notify  # noqa: F401 - Handler app.digest, app.notify
from chalicelib.briefing.notifying.routes import bp as briefing_bp
from chalicelib.cafeteria.routes import bp as cafeteria_bp
from chalicelib.observability import flush_metrics, logger
from chalicelib.photos.events import bp as photos_events_bp
from chalicelib.photos.events import photo_processor  # noqa: F401 - Handler: app.photo_processor
from chalicelib.photos.routes import bp as photos_bp
from chalicelib.platform.http import App, normalize_chalice_error
from chalicelib.platform.routes import bp as platform_bp
from chalicelib.trips.routes import bp as trips_bp

# Powertools owns logging: Chalice's own set-up would put the shared "gdesk" logger at ERROR level
# whenever sys.stdout is not the stream Powertools captured (tests, embedded servers).
app = App(app_name="gdesk", configure_logs=False)
app.experimental_feature_flags.update(["BLUEPRINTS"])
app.api.binary_types.append("application/pdf")  # the trip evidence sheet; also in template.yaml
app.register_blueprint(platform_bp)
app.register_blueprint(trips_bp)
app.register_blueprint(photos_bp)
app.register_blueprint(photos_events_bp)
app.register_blueprint(cafeteria_bp)
app.register_blueprint(briefing_bp)
app.register_blueprint(briefing_notify_events_bp)
app.register_blueprint(briefing_crawl_events_bp)


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
    """Chalice's own error responses (405, 415, bad JSON) in our JSON shape; the views' errors are
    mapped where they are raised (``App`` in ``chalicelib.platform.http``)."""
    web.bind_request(event)
    return normalize_chalice_error(get_response(event))


# Non-HTTP handlers (each declared in template.yaml as its own function: Handler app.<name>).
