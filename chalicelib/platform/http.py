"""The HTTP edge's response helpers. Placeholder on this branch: r-trips moves the functions here
from ``chalicelib.errors`` (the coordinator keeps that version)."""

from __future__ import annotations

from chalicelib.errors import app_error_response, error_response, json_response, normalize_chalice_error

__all__ = ["app_error_response", "error_response", "json_response", "normalize_chalice_error"]
