"""The Kinesis-fed density function (DensityStreamFunction: Handler
``functions.density_stream.handler.handler``): the cafeteria's event handler, importable without
Chalice (this function ships only the shared layer)."""

from __future__ import annotations

from chalicelib.cafeteria.events import density_records as handler

__all__ = ["handler"]
