"""Search shapes: what a search covers, shared by the panel and the Processing algorithms.

A shape knows the GEOSEARCH it sends and what it keeps of Redis's candidates; a new search
kind is one shape here, one thin algorithm and one panel control. Centres are a point
(``LonLat``) or a member of the set (``Member``). Distances are geodesic on the WGS 84
ellipsoid (as QgsDistanceArea measures them) unless the search asks for Redis's sphere.
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
from .cells import nearest_from_afar
from .distances import (
    EARTH_RADIUS_M,
    ELLIPSOID_PER_SPHERE_MIN,
    SPHERE,
    SPHERE_HALF_TURN_M,
    UNIT_METERS,
    WGS84,
    check_size,
    geodesic_m,
    haversine_m,
)
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

    def resolve(self, geo_set) -> "LonLat":
        return self


@dataclass(frozen=True)
class Member:
    """A centre at a member of the searched set (Redis's FROMMEMBER)."""

    name: str

    def args(self) -> list:
        return ["FROMMEMBER", self.name]

    def label(self) -> str:
        return self.name

    def resolve(self, geo_set) -> LonLat:
        """The member's position (as GEOPOS reports it, where FROMMEMBER searches from)."""
        return LonLat(*geo_set.position(self.name))


def _by_distance(
    candidates, lon: float, lat: float, keep, unit: str, count: int, label: str, distances=None
):
    """``candidates`` where ``keep`` (a mask, or None for all), by geodesic distance from
    (lon, lat), at most ``count``, distances in ``unit``. ``distances``: the candidates'
    geodesic distances in metres, when the caller has measured them already."""
    index = np.arange(len(candidates)) if keep is None else np.flatnonzero(keep)
    if distances is None:  # only those kept
        measured = geodesic_m(lon, lat, candidates.lon[index], candidates.lat[index])
    else:
        measured = distances[index]
    ranks = np.argsort(measured, kind="stable")
    if count and count > 0:
        ranks = ranks[:count]
    return candidates.select(index[ranks], measured[ranks] / UNIT_METERS[unit], unit, label)


@dataclass(frozen=True)
class Radius:
    """The members within ``radius`` (in the search unit) of ``center``.

    On the ellipsoid, Redis searches the sphere's circle that holds the ellipsoid's (its
    radius divided by ELLIPSOID_PER_SPHERE_MIN) and the geodesic distances keep the exact
    hits; with a ``count``, the search is the nearest ``count`` within the radius.
    """

    center: object
    radius: float

    def search(self, geo_set, unit: str, count: int, distances: str):
        check_size(self.radius, tr("radius"))
        label = self.label(unit)
        if distances == SPHERE:
            return geo_set.geosearch(
                self.center.args(), ["BYRADIUS", float(self.radius)], unit, count, label
            )
        radius_m = self.radius * UNIT_METERS[unit]
        if count and count > 0:
            return nearest(geo_set, self.center, count, radius_m, unit, distances, label)
        center = self.center.resolve(geo_set)
        candidates = geo_set.geosearch(
            center.args(), ["BYRADIUS", radius_m / ELLIPSOID_PER_SPHERE_MIN], "m", 0, label
        )
        geodesic = geodesic_m(center.lon, center.lat, candidates.lon, candidates.lat)
        return _by_distance(
            candidates, center.lon, center.lat, geodesic <= radius_m, unit, 0, label, geodesic
        )

    def label(self, unit: str) -> str:
        return tr("{radius:g} {unit} around {center}").format(
            radius=self.radius, unit=unit, center=self.center.label()
        )

    def outline(self, geo_set=None):
        """(centre as LonLat, radius) of the circle, for drawing; needs the set for a member."""
        return self.center.resolve(geo_set), self.radius


@dataclass(frozen=True)
class Nearest:
    """The ``count`` members nearest ``center``, within ``max_distance`` (0 = anywhere)."""

    center: object
    max_distance: float = 0.0

    def search(self, geo_set, unit: str, count: int, distances: str):
        check_size(self.max_distance, tr("maximum distance"))
        return nearest(
            geo_set,
            self.center,
            max(int(count or 0), 1),
            self.max_distance * UNIT_METERS[unit],
            unit,
            distances,
            self.label(unit, count),
        )

    def label(self, unit: str, count: int = 1) -> str:
        return tr("{count} nearest {center}").format(
            count=max(int(count or 0), 1), center=self.center.label()
        )


def nearest(geo_set, center, count: int, limit_m: float, unit: str, distances: str, label: str):
    """The ``count`` members nearest ``center`` within ``limit_m`` metres (0 = no limit).

    From outside the members' extent, the cells recorded at load lead to the answer
    (``cells.nearest_from_afar``), when the set still matches them. Otherwise GEOSEARCH
    needs a radius: start from the one that would hold twice what is asked were
    the members spread evenly over their extent, and grow it until the reply proves the
    answer. On the sphere a reply with ``count`` hits is Redis's own nearest ``count``. On
    the ellipsoid Redis ranks by the sphere, so ask for more (2 ``count`` + 16): every member
    not returned is at least ELLIPSOID_PER_SPHERE_MIN times the last sphere distance away on
    the ellipsoid (or the radius, when the reply holds fewer than asked), and the answer is
    proven once the ``count``-th geodesic distance is within that bound.
    """
    sphere = distances == SPHERE
    ratio = 1.0 if sphere else ELLIPSOID_PER_SPHERE_MIN
    if not sphere:
        center = center.resolve(geo_set)
    if isinstance(center, LonLat) and geo_set.outside_extent(center.lon, center.lat):
        # from afar, GEOSEARCH's circle would span the set: the recorded cells instead
        found = nearest_from_afar(geo_set, center.lon, center.lat, count, limit_m, ratio)
        if found is not None:
            members, lon, lat, metres = found
            in_unit = metres / UNIT_METERS[unit]
            if sphere:  # Redis's figures, which it prints with 4 decimals
                in_unit = np.array([float("%.4f" % v) for v in in_unit.tolist()])
            result = geo_set.members_result(members, lon, lat, in_unit, unit, label)
            if result is not None:
                return result
    limit_s = min(limit_m / ratio, SPHERE_HALF_TURN_M) if limit_m > 0 else SPHERE_HALF_TURN_M
    want = count if sphere else 2 * count + 16
    size, area = geo_set.spread()
    # the circle that holds about twice ``want`` members, were they spread evenly
    radius = min(limit_s, math.sqrt(2 * want * area / (math.pi * max(size, 1))))
    # on the sphere Redis's own figures in ``unit``; on the ellipsoid metres, to bound with
    query_unit = unit if sphere else "m"
    while True:
        candidates = geo_set.geosearch(
            center.args(),
            ["BYRADIUS", radius / UNIT_METERS[query_unit]],
            query_unit,
            want,
            label,
        )
        full = want > 0 and len(candidates) >= want
        complete = not full and radius >= limit_s  # every member within the limit is here
        if sphere:
            if full or complete:
                return candidates.select(np.arange(min(len(candidates), count)), None, unit, label)
        else:
            geodesic = geodesic_m(center.lon, center.lat, candidates.lon, candidates.lat)
            ranked = np.sort(geodesic)
            # how far on the ellipsoid every member missing from this reply is, at least
            known = ratio * (float(candidates.distances[-1]) - 1e-4) if full else ratio * radius
            # Python floats: numpy 2 writes np.float64 as "np.float64(…)", not a number
            needed = float(ranked[count - 1]) if len(ranked) >= count else math.inf
            if limit_m > 0:
                needed = min(needed, limit_m)
            if complete or needed <= known:
                inside = geodesic <= limit_m if limit_m > 0 else None
                return _by_distance(
                    candidates, center.lon, center.lat, inside, unit, count, label, geodesic
                )
            if full:
                # Not proven (far from the set, many members at nearly the same distance):
                # the count-th geodesic distance found bounds the answer, so every member
                # of it lies within that distance / ratio on the sphere. One search of that
                # circle, without COUNT, holds the whole answer.
                limit_s = min(needed / ratio, SPHERE_HALF_TURN_M)
                radius, want = limit_s, 0
                continue
        if full:
            want *= 4
        else:
            growth = max(2.0, 1.5 * math.sqrt(want / max(len(candidates), 1)))
            radius = min(limit_s, radius * growth)


@dataclass(frozen=True)
class Box:
    """The members in a ``width`` x ``height`` box (in the search unit) centred on ``center``.

    As in Redis, a point is inside when its north-south distance to the centre's parallel is
    at most half the height and its east-west distance to the centre's meridian, along its
    own parallel, at most half the width; on the ellipsoid both are geodesic distances.
    """

    center: object
    width: float
    height: float

    def search(self, geo_set, unit: str, count: int, distances: str):
        check_size(self.width, tr("width"))
        check_size(self.height, tr("height"))
        label = self.label(unit)
        if distances == SPHERE:
            return geo_set.geosearch(
                self.center.args(),
                ["BYBOX", float(self.width), float(self.height)],
                unit,
                count,
                label,
            )
        center = self.center.resolve(geo_set)
        half_w = self.width * UNIT_METERS[unit] / 2
        half_h = self.height * UNIT_METERS[unit] / 2
        grow = 2 / ELLIPSOID_PER_SPHERE_MIN
        candidates = geo_set.geosearch(
            center.args(), ["BYBOX", half_w * grow, half_h * grow], "m", 0, label
        )
        lon, lat = candidates.lon, candidates.lat
        north_south = geodesic_m(lon, center.lat, lon, lat)
        east_west = geodesic_m(center.lon, lat, lon, lat)
        inside = (north_south <= half_h) & (east_west <= half_w)
        return _by_distance(candidates, center.lon, center.lat, inside, unit, count, label)

    def label(self, unit: str) -> str:
        return tr("{width:g}x{height:g} {unit} box at {center}").format(
            width=self.width, height=self.height, unit=unit, center=self.center.label()
        )


def box_side_offsets(lon: float, lats, half_width_m: float, distances: str) -> list:
    """Longitude offsets of a box's sides from its centre meridian ``lon`` at each of ``lats``:
    where the east-west distance Box measures reaches ``half_width_m`` (for drawing it)."""
    lats = np.asarray(lats, dtype=np.float64)
    low, high = np.zeros(len(lats)), np.full(len(lats), 180.0)
    for _ in range(50):  # bisection to ~1e-13 degree
        middle = (low + high) / 2
        if distances == SPHERE:
            reached = haversine_m(lon, lats, lon + middle, lats) >= half_width_m
        else:
            reached = geodesic_m(lon, lats, lon + middle, lats) >= half_width_m
        high = np.where(reached, middle, high)
        low = np.where(reached, low, middle)
    return high.tolist()


@dataclass(frozen=True)
class Polygon:
    """The members inside or on a (multi)polygon given in WGS 84, nearest its box centre first.

    Redis 7 has no polygon search: a BYBOX query returns the candidates of the polygon's
    bounding box, then a prepared shapely geometry keeps the points inside or on it.
    """

    geometry: QgsGeometry

    def search(self, geo_set, unit: str, count: int, distances: str):
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
        label = self.label(unit)
        if distances != SPHERE:
            return _by_distance(candidates, cx, cy, inside, unit, count, label)
        if count and count > 0:
            inside &= np.cumsum(inside) <= count
        return candidates.select(np.flatnonzero(inside), None, unit, label)

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
