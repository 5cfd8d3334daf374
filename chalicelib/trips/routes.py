"""HTTP routes of the trips tool (thin handlers: parse, call, respond)."""

from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
