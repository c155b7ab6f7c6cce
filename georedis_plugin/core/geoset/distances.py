"""Distance units, the distances Redis measures (its sphere) and those QGIS does (WGS 84)."""

import math
import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsDistanceArea,
    QgsPointXY,
)

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


# -- distances on the WGS 84 ellipsoid -------------------------------------------------------

ELLIPSOID = "ellipsoid"
SPHERE = "sphere"
DISTANCE_MODES = (ELLIPSOID, SPHERE)
WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563
WGS84_B = WGS84_A * (1 - WGS84_F)
_E2 = WGS84_F * (2 - WGS84_F)
# A length on the ellipsoid (geodetic latitude and longitude) against the same path on Redis's
# sphere: the ellipsoid's radii of curvature run from a(1 - e²) (meridian, at the equator) to
# a / sqrt(1 - e²) (at the poles), so every path, hence every geodesic, is between these
# multiples of its spherical length. The margins cover rounding (Redis prints 4 decimals).
ELLIPSOID_PER_SPHERE_MIN = WGS84_A * (1 - _E2) / EARTH_RADIUS_M * (1 - 1e-9)
ELLIPSOID_PER_SPHERE_MAX = WGS84_A / math.sqrt(1 - _E2) / EARTH_RADIUS_M * (1 + 1e-9)
# Half the equator on Redis's sphere: a search radius this large covers every point.
SPHERE_HALF_TURN_M = math.pi * EARTH_RADIUS_M


def check_distances(mode: str) -> str:
    if mode not in DISTANCE_MODES:
        raise GeoRedisError(
            tr("Unknown distance mode '{mode}'. Use one of: {modes}.").format(
                mode=mode, modes=", ".join(DISTANCE_MODES)
            )
        )
    return mode


def _pyproj_geod():
    try:
        with warnings.catch_warnings():
            # pyproj warns when it finds no proj.db; Geod needs none
            warnings.simplefilter("ignore")
            from pyproj import Geod
    except ImportError:
        return None
    return Geod(a=WGS84_A, f=WGS84_F)


_GEOD = _pyproj_geod()


def geodesic_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distances on the WGS 84 ellipsoid, in metres, as QgsDistanceArea measures them.

    Arguments broadcast like numpy arrays (one centre against many points, or pairs). pyproj's
    Geod and QgsDistanceArea both run GeographicLib's geod_inverse (Karney), so the two paths
    give the same figures; QgsDistanceArea, point by point, is the path where pyproj is missing.
    """
    lon1, lat1, lon2, lat2 = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (lon1, lat1, lon2, lat2))
    )
    if lon1.size == 0:
        return np.empty(lon1.shape)
    if _GEOD is not None:
        if lon1.size == 1:  # pyproj takes one-element arrays as scalars, which numpy 2 deprecates
            coordinates = (float(v.item()) for v in (lon1, lat1, lon2, lat2))
        else:
            coordinates = (v.ravel() for v in (lon1, lat1, lon2, lat2))
        if lon1.size < PARALLEL_FROM or _WORKERS < 2:
            return _pyproj_m(*coordinates).reshape(lon1.shape)
        return _pyproj_in_parallel(*coordinates).reshape(lon1.shape)
    return _distance_area_m(lon1, lat1, lon2, lat2)


# pyproj's Geod.inv releases the GIL: from this many pairs on, they are measured in _WORKERS
# threads (60,000 pairs on 2 cores: 33-36 ms against 59-60 ms in one).
PARALLEL_FROM = 16_384
_WORKERS = max(1, min(4, os.cpu_count() or 1))


def _pyproj_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    _azimuth, _back, distance = _GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(distance, dtype=np.float64)


def _pyproj_in_parallel(lon1, lat1, lon2, lat2) -> np.ndarray:
    bounds = np.linspace(0, lon1.size, _WORKERS + 1).astype(np.int64).tolist()
    with ThreadPoolExecutor(_WORKERS) as pool:
        parts = pool.map(
            lambda span: _pyproj_m(*(v[span[0] : span[1]] for v in (lon1, lat1, lon2, lat2))),
            zip(bounds[:-1], bounds[1:]),
        )
        return np.concatenate(list(parts))


def _distance_area_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    measure = QgsDistanceArea()
    measure.setSourceCrs(QgsCoordinateReferenceSystem(WGS84), QgsCoordinateTransformContext())
    # the overload taking the two semi-axes needs no ellipsoid database (it returns True)
    measure.setEllipsoid(WGS84_A, WGS84_B)  # noqa: QGS201
    out = np.fromiter(
        (
            measure.measureLine(QgsPointXY(a, b), QgsPointXY(c, d))
            for a, b, c, d in zip(
                lon1.ravel().tolist(),
                lat1.ravel().tolist(),
                lon2.ravel().tolist(),
                lat2.ravel().tolist(),
            )
        ),
        dtype=np.float64,
        count=lon1.size,
    )
    return out.reshape(lon1.shape)


def geodesic_backend() -> str:
    """Which library measures ellipsoidal distances here: "pyproj" or "QgsDistanceArea"."""
    return "pyproj" if _GEOD is not None else "QgsDistanceArea"
