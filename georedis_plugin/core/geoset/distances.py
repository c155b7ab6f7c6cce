"""Distance units and the distances Redis measures (haversine on its own sphere)."""

import math

import numpy as np

from ...i18n import tr
from ..errors import GeoRedisError

WGS84 = "EPSG:4326"
# Redis's geohashGetDistance uses this radius; brute-force checks must use it too.
EARTH_RADIUS_M = 6372797.560856
UNITS = ("m", "km", "mi", "ft")
UNIT_METERS = {"m": 1.0, "km": 1000.0, "mi": 1609.34, "ft": 0.3048}


def haversine_m(lon1, lat1, lon2, lat2):
    """Redis's geohashGetDistance (haversine on EARTH_RADIUS_M); numpy arrays welcome."""
    lat1r, lat2r = np.radians(lat1), np.radians(lat2)
    u = np.sin((lat2r - lat1r) / 2)
    v = np.sin(np.radians(lon2 - lon1) / 2)
    a = u * u + np.cos(lat1r) * np.cos(lat2r) * v * v
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def check_unit(unit: str) -> str:
    if unit not in UNITS:
        raise GeoRedisError(
            tr("Unknown distance unit '{unit}'. Use one of: {units}.").format(
                unit=unit, units=", ".join(UNITS)
            )
        )
    return unit


def check_size(value: float, what: str) -> None:
    """A search radius, width or height: a finite number, zero or more."""
    if not math.isfinite(value) or value < 0:
        raise GeoRedisError(
            tr("The search {what} is {value}: give a number of zero or more.").format(
                what=what, value=value
            )
        )
