"""HTTP routes of the trips tool: authenticate, parse into typed input, call one use case with the
store from ``wiring``, respond."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib import web
from chalicelib.auth import current_user
from chalicelib.errors import PayloadTooLarge, Unauthorized
from chalicelib.platform.http import json_response
from chalicelib.trips import inputs, service
from chalicelib.validation import json_object
from chalicelib.wiring import trips_store as store

bp = Blueprint(__name__)


def _request() -> Any:
    return bp.current_request


def base_url(request: Any) -> str:
    """Where the user reached the app (verify links in QR codes point back there)."""
    from chalicelib.settings import get_settings

    return web.request_base_url(request, get_settings().public_url)


def _source_ip(request: Any) -> str:
    context = request.context if isinstance(request.context, dict) else {}
    return str((context.get("identity") or {}).get("sourceIp", ""))


def _optional_user(request: Any) -> Any:
    if not (request.headers or {}).get("authorization"):
        return None
    try:
        return current_user(request)
    except Unauthorized:
        return None


def _private_document(body: Any, content_type: str, headers: dict[str, str]) -> Response:
    """A document only its viewer may see: never cached by anything shared."""
    return Response(body=body, status_code=200,
                    headers={"Content-Type": content_type, "Cache-Control": "private, no-store", **headers})


# -- pages ------------------------------------------------------------------------------------------

@bp.route("/trip", methods=web.PAGE_METHODS)
def trip_page():  # type: ignore[no-untyped-def]
    return web.page("trip")


@bp.route("/verify", methods=web.PAGE_METHODS)
def verify_page():  # type: ignore[no-untyped-def]
    return web.page("verify")


# -- trip orders ------------------------------------------------------------------------------------

@bp.route("/trips", methods=["POST"])
def create_trip():  # type: ignore[no-untyped-def]
    user = current_user(_request(), "employee")
    return json_response(service.create_trip(store(), user, json_object(_request())), 201)


@bp.route("/trips", methods=["GET"])
def list_trips():  # type: ignore[no-untyped-def]
    user = current_user(_request(), "employee")
    return json_response(service.my_trips(store(), user))


@bp.route("/trips/consent", methods=["POST"])
def consent():  # type: ignore[no-untyped-def]
    user = current_user(_request(), "employee")
    return json_response(service.give_consent(store(), user, inputs.parse_consent(json_object(_request()))))


@bp.route("/trips/consent", methods=["DELETE"])
def withdraw_consent():  # type: ignore[no-untyped-def]
    user = current_user(_request(), "employee")
    return json_response(service.withdraw_consent(store(), user))


# -- proofs -----------------------------------------------------------------------------------------

@bp.route("/trips/{trip_id}/proofs", methods=["POST"])
def create_proof(trip_id: str):  # type: ignore[no-untyped-def]
    request = _request()
    user = current_user(request, "employee")
    tap = inputs.parse_tap(json_object(request))
    result = service.create_proof(store(), user, trip_id, tap, base_url(request))
    return json_response(result, 200 if result.get("repeated") else 201)


def _proof_qr(proof_id: str, fmt: str) -> Response:
    """The verify link of a proof its viewer may see, as a QR image (``png`` or ``svg``)."""
    from chalicelib import qr

    request = _request()
    proof = service.proof_for_viewer(store(), current_user(request), proof_id)
    link = service.verify_url(base_url(request), proof["token"])
    body, content_type = (qr.png(link), "image/png") if fmt == "png" else (qr.svg(link), "image/svg+xml")
    return Response(body=body, status_code=200, headers={"Content-Type": content_type,
                                                         "Cache-Control": "private, max-age=300"})


@bp.route("/proofs/{proof_id}/qr.png", methods=["GET"])
def proof_qr_png(proof_id: str):  # type: ignore[no-untyped-def]
    return _proof_qr(proof_id, "png")


@bp.route("/proofs/{proof_id}/qr.svg", methods=["GET"])
def proof_qr_svg(proof_id: str):  # type: ignore[no-untyped-def]
    return _proof_qr(proof_id, "svg")


@bp.route("/proofs/verify", methods=["POST"])
def verify_proof():  # type: ignore[no-untyped-def]
    request = _request()
    token = inputs.parse_token(json_object(request))
    result = service.verify(store(), token, _optional_user(request), _source_ip(request))
    return json_response(result)


@bp.route("/proofs/decode-qr", methods=["POST"],
          content_types=["image/png", "image/jpeg", "image/webp", "application/octet-stream"])
def decode_qr():  # type: ignore[no-untyped-def]
    from chalicelib import qr

    return json_response({"text": qr.decode_image(_request().raw_body or b"")})


@bp.route("/proofs/{proof_id}/revoke", methods=["POST"])
def revoke_proof(proof_id: str):  # type: ignore[no-untyped-def]
    admin = current_user(_request(), "admin")
    reason = inputs.parse_revocation(json_object(_request()))
    return json_response(service.revoke(store(), admin, proof_id, reason))


@bp.route("/.well-known/jwks.json", methods=["GET"])
def jwks():  # type: ignore[no-untyped-def]
    return json_response(service.jwks(store()), headers={"Cache-Control": "public, max-age=300"})


@bp.route("/trips/{trip_id}/evidence", methods=["GET"])
def trip_evidence(trip_id: str):  # type: ignore[no-untyped-def]
    request = _request()
    html = service.evidence(store(), current_user(request), trip_id, base_url(request))
    return _private_document(html, "text/html; charset=utf-8", {
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                                   "frame-ancestors 'none'", "X-Content-Type-Options": "nosniff"})


@bp.route("/trips/{trip_id}/evidence.pdf", methods=["GET"])
def trip_evidence_pdf(trip_id: str):  # type: ignore[no-untyped-def]
    request = _request()
    pdf = service.evidence_pdf(store(), current_user(request), trip_id, base_url(request))
    return _private_document(pdf, "application/pdf", {
        "Content-Disposition": f'inline; filename="trip-evidence-{trip_id}.pdf"',
        "X-Content-Type-Options": "nosniff"})


@bp.route("/admin/proofs.csv", methods=["GET"])
def admin_proofs_csv():  # type: ignore[no-untyped-def]
    request = _request()
    current_user(request, "admin", "auditor")
    month = inputs.parse_month(request.query_params)
    # A text body (API Gateway sends it as UTF-8); the BOM is its first character.
    return _private_document(service.export_month(store(), month).decode("utf-8"), "text/csv; charset=utf-8",
                             {"Content-Disposition": f'attachment; filename="trip-proofs-{month}.csv"'})


@bp.route("/admin/trips/import", methods=["POST"],
          content_types=["text/csv", "application/octet-stream", "application/vnd.ms-excel"])
def admin_import_trips():  # type: ignore[no-untyped-def]
    request = _request()
    admin = current_user(request, "admin")
    raw = request.raw_body or b""
    if len(raw) > 5 * 1024 * 1024:
        raise PayloadTooLarge("CSV 파일은 5MB 이하여야 합니다. (file too large)")
    dry_run = (request.query_params or {}).get("dry_run") in ("1", "true")
    return json_response(service.import_trips(store(), raw, admin.id, dry_run=dry_run))

