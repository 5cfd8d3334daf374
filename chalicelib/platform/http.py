"""The HTTP edge: JSON responses and the mapping of errors to them.

Placeholder on this branch: r-trips moves these functions here from ``chalicelib/errors.py``
(issue 12); until that merge they are re-exported so routes already import them from the edge."""

from __future__ import annotations

from chalicelib.errors import app_error_response, error_response, json_response, normalize_chalice_error

__all__ = ["app_error_response", "error_response", "json_response", "normalize_chalice_error"]
