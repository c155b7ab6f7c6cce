"""The outline of the area a geo-set search covers, drawn on the map canvas.

Circles and boxes are drawn as the search measures them (geodesic on the WGS 84 ellipsoid, or
on Redis's sphere), so the outline passes exactly where the hits stop.
"""

import math

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCsException,
    QgsDistanceArea,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsWkbTypes,
)
from qgis.gui import QgsRubberBand
from qgis.PyQt.QtGui import QColor

from ..core import geoset

CIRCLE_VERTICES = 96


def _measure(distances: str) -> QgsDistanceArea:
    measure = QgsDistanceArea()
    # the overload taking the two semi-axes cannot fail (it returns True)
    if distances == geoset.SPHERE:
        measure.setEllipsoid(geoset.EARTH_RADIUS_M, geoset.EARTH_RADIUS_M)  # noqa: QGS201
    else:
        measure.setEllipsoid(geoset.WGS84_A, geoset.WGS84_B)  # noqa: QGS201
    return measure


class SearchOutline:
    """One outline at a time on ``canvas``: a new one replaces the one before."""

    def __init__(self, canvas):
        self.canvas = canvas
        self.rubber_band = None

    def _new_band(self) -> QgsRubberBand:
        self.clear()
        band = QgsRubberBand(self.canvas, QgsWkbTypes.GeometryType.PolygonGeometry)
        band.setStrokeColor(QColor(255, 90, 0, 220))
        band.setFillColor(QColor(255, 90, 0, 30))
        band.setWidth(2)
        self.rubber_band = band
        return band

    def _through(self, points_wgs84: list) -> None:
        """A closed outline through ``points_wgs84``, in the map CRS."""
        to_map = QgsCoordinateTransform(
            QgsCoordinateReferenceSystem(geoset.WGS84),
            self.canvas.mapSettings().destinationCrs(),
            QgsProject.instance().transformContext(),
        )
        band = self._new_band()
        last = len(points_wgs84) - 1
        for index, point in enumerate(points_wgs84):
            try:
                band.addPoint(to_map.transform(point), index == last)
            except QgsCsException:
                continue  # a vertex outside the map CRS's domain: leave it out

    def polygon(self, polygon: QgsGeometry) -> None:
        """A polygon given in the map CRS (one drawn on the map)."""
        self._new_band().setToGeometry(polygon, None)

    def circle(self, center_wgs84, radius_m: float, distances: str = "") -> None:
        """The searched circle: each vertex ``radius_m`` from the centre as the search
        measures (geodesic on the WGS 84 ellipsoid, or on Redis's sphere)."""
        measure = _measure(distances or geoset.ELLIPSOID)
        center = QgsPointXY(center_wgs84.lon, center_wgs84.lat)
        self._through(
            [
                measure.computeSpheroidProject(
                    center, radius_m, 2 * math.pi * step / CIRCLE_VERTICES
                )
                for step in range(CIRCLE_VERTICES)
            ]
        )

    def box(self, center_wgs84, half_width_m, half_height_m, distances: str = "") -> None:
        """The searched box: its north and south edges are parallels, its sides the points
        whose distance along their parallel to the centre's meridian is half the width."""
        measure = _measure(distances or geoset.ELLIPSOID)
        center = QgsPointXY(center_wgs84.lon, center_wgs84.lat)
        north = measure.computeSpheroidProject(center, half_height_m, 0.0).y()
        south = measure.computeSpheroidProject(center, half_height_m, math.pi).y()
        steps = CIRCLE_VERTICES // 4
        lats = [south + (north - south) * i / steps for i in range(steps + 1)]
        offsets = geoset.box_side_offsets(center.x(), lats, half_width_m, distances)
        east = [QgsPointXY(center.x() + d, lat) for d, lat in zip(offsets, lats)]
        west = [QgsPointXY(center.x() - d, lat) for d, lat in zip(offsets, lats)]
        self._through(east + west[::-1])

    def clear(self) -> None:
        if self.rubber_band is not None:
            self.canvas.scene().removeItem(self.rubber_band)
            self.rubber_band = None
