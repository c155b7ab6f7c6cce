"""Search shapes: what a search covers, shared by the panel and the Processing algorithms.

A shape knows the GEOSEARCH it sends and what it keeps of Redis's candidates; a new search
kind is one shape here, one thin algorithm and one panel control. Centres are a point
(``LonLat``) or a member of the set (``Member``).
"""

import math
from dataclasses import dataclass

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsCsException,
    QgsGeometry,
    QgsPointXY,
    QgsWkbTypes,
)

from ...i18n import tr
from ..errors import GeoRedisError
from .distances import EARTH_RADIUS_M, UNIT_METERS, WGS84, check_size, haversine_m
from .geohash import LAT_LIMIT


@dataclass(frozen=True)
class LonLat:
    """A centre given in WGS 84."""

    lon: float
    lat: float

    def args(self) -> list:
        return ["FROMLONLAT", float(self.lon), float(self.lat)]

    def label(self) -> str:
        return f"{self.lon:.5f}, {self.lat:.5f}"


@dataclass(frozen=True)
class Member:
    """A centre at a member of the searched set (Redis's FROMMEMBER)."""

    name: str

    def args(self) -> list:
        return ["FROMMEMBER", self.name]

    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Radius:
    """The members within ``radius`` (in the search unit) of ``center``."""

    center: object
    radius: float

    def search(self, geo_set, unit: str, count: int):
        check_size(self.radius, tr("radius"))
        return geo_set.geosearch(
            self.center.args(), ["BYRADIUS", float(self.radius)], unit, count, self.label(unit)
        )

    def label(self, unit: str) -> str:
        return tr("{radius:g} {unit} around {center}").format(
            radius=self.radius, unit=unit, center=self.center.label()
        )


@dataclass(frozen=True)
class Box:
    """The members in a ``width`` x ``height`` box (in the search unit) centred on ``center``.

    As in Redis, a point is inside when its north-south distance to the centre's parallel is
    at most half the height and its east-west distance along its own parallel at most half
    the width.
    """

    center: object
    width: float
    height: float

    def search(self, geo_set, unit: str, count: int):
        check_size(self.width, tr("width"))
        check_size(self.height, tr("height"))
        return geo_set.geosearch(
            self.center.args(),
            ["BYBOX", float(self.width), float(self.height)],
            unit,
            count,
            self.label(unit),
        )

    def label(self, unit: str) -> str:
        return tr("{width:g}x{height:g} {unit} box at {center}").format(
            width=self.width, height=self.height, unit=unit, center=self.center.label()
        )


@dataclass(frozen=True)
class Polygon:
    """The members inside or on a (multi)polygon given in WGS 84, nearest its box centre first.

    Redis 7 has no polygon search: a BYBOX query returns the candidates of the polygon's
    bounding box, then a prepared shapely geometry keeps the points inside or on it.
    """

    geometry: QgsGeometry

    def search(self, geo_set, unit: str, count: int):
        import shapely

        polygon = self.geometry
        if polygon.isNull() or polygon.isEmpty():
            raise GeoRedisError(tr("The polygon is empty. Select or draw a polygon."))
        if polygon.type() != QgsWkbTypes.GeometryType.PolygonGeometry:
            raise GeoRedisError(tr("Polygon search needs a polygon geometry."))
        box = polygon.boundingBox()
        min_lat = max(box.yMinimum(), -LAT_LIMIT)
        max_lat = min(box.yMaximum(), LAT_LIMIT)
        cx, cy = (box.xMinimum() + box.xMaximum()) / 2, (min_lat + max_lat) / 2
        # A polygon across the antimeridian is often written with longitudes beyond ±180
        # (170..190): search around the same centre within ±180, and match the candidates
        # against the polygon shifted by whole turns as well.
        # Every whole turn the polygon's longitudes reach (one or more for a polygon wider
        # than 360°).
        first = math.floor((box.xMinimum() + 180.0) / 360.0)
        last = math.ceil((box.xMaximum() - 180.0) / 360.0)
        turns = [360.0 * k for k in range(first, last + 1)]
        cx = (cx + 180.0) % 360.0 - 180.0
        half_lon = (box.xMaximum() - box.xMinimum()) / 2
        # Redis measures a point's east-west offset along its own parallel: the widest parallel
        # of the box is the one nearest the equator.
        widest = 0.0 if min_lat <= 0 <= max_lat else min(abs(min_lat), abs(max_lat))
        width_m = 2 * float(haversine_m(0.0, widest, half_lon, widest))
        height_m = 2 * float(haversine_m(0.0, cy, 0.0, max(max_lat - cy, 0.0) + cy))
        margin = 1.0 + 1e-9 * EARTH_RADIUS_M
        scale = UNIT_METERS[unit]
        if half_lon >= 180.0:
            # every longitude: a box that wide would wrap, a radius of half a turn does not
            area = ["BYRADIUS", (math.pi * EARTH_RADIUS_M + margin) / scale]
        else:
            area = ["BYBOX", (width_m + 2 * margin) / scale, (height_m + 2 * margin) / scale]
        candidates = geo_set.geosearch(["FROMLONLAT", cx, cy], area, unit, 0, "")
        shape = shapely.from_wkb(bytes(polygon.asWkb()))
        shapely.prepare(shape)
        inside = np.zeros(len(candidates), dtype=bool)
        if len(candidates):
            for turn in turns:
                inside |= shapely.intersects_xy(shape, candidates.lon + turn, candidates.lat)
        if count and count > 0:
            inside &= np.cumsum(inside) <= count
        return candidates.subset(inside, self.label(unit))

    def label(self, unit: str) -> str:
        return tr("within polygon")


def to_wgs84(point: QgsPointXY, crs: QgsCoordinateReferenceSystem, context=None) -> QgsPointXY:
    """A point given in ``crs`` as WGS84 lon/lat (raises GeoRedisError if it cannot be)."""
    target = QgsCoordinateReferenceSystem(WGS84)
    if not crs.isValid() or crs == target:
        return QgsPointXY(point)
    transform = QgsCoordinateTransform(crs, target, context or QgsCoordinateTransformContext())
    try:
        return transform.transform(QgsPointXY(point))
    except QgsCsException as exc:
        raise GeoRedisError(
            tr(
                "The point cannot be expressed in WGS 84 ({error}). Pick a point on the map."
            ).format(error=exc)
        ) from exc


def polygons_to_wgs84(geometries, crs: QgsCoordinateReferenceSystem, context=None):
    """The union of ``geometries`` (polygons in ``crs``) in WGS 84, for a ``Polygon`` search.

    Null and empty geometries are left out; raises GeoRedisError when none is left or one
    cannot be transformed.
    """
    transform = QgsCoordinateTransform(
        crs, QgsCoordinateReferenceSystem(WGS84), context or QgsCoordinateTransformContext()
    )
    parts = []
    for geometry in geometries:
        if geometry.isNull() or geometry.isEmpty():
            continue
        geometry = QgsGeometry(geometry)
        try:
            # a non-null geometry either transforms (Success) or raises
            geometry.transform(transform)  # noqa: QGS201
        except QgsCsException as exc:
            raise GeoRedisError(
                tr(
                    "A polygon cannot be expressed in WGS 84 ({error}). Use polygons within "
                    "the valid area of their layer's CRS."
                ).format(error=exc)
            ) from exc
        parts.append(geometry)
    if not parts:
        raise GeoRedisError(
            tr("There is no polygon to search in (no feature with a geometry). Select or draw one.")
        )
    return QgsGeometry.unaryUnion(parts) if len(parts) > 1 else parts[0]
