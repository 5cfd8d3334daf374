"""Great-circle distance and its Korean wording. Pure functions, no I/O."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean Earth radius; haversine error vs. the ellipsoid is < 0.5 %


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance in metres between two WGS 84 points along the sphere's surface."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def format_distance_ko(metres: float) -> str:
    """``850m`` below one kilometre, ``2.3km`` above (what a traveller reads on the phone)."""
    if metres < 1000:
        return f"{round(metres):d}m"
    km = metres / 1000
    return f"{km:.1f}km" if km < 100 else f"{round(km):d}km"


def valid_coordinates(lat: float, lon: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0
