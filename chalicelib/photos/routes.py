"""HTTP routes of the photos tool (thin handlers: parse, call, respond)."""

from __future__ import annotations

from chalice import Blueprint

bp = Blueprint(__name__)
