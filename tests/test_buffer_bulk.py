"""Buffer results converted in bulk are byte for byte what QGIS's own conversion writes."""

import pytest
import shapely
from qgis.core import QgsGeometry

from georedis_plugin.core.buffer_ops import empty_buffer_wkb, multi_polygon_wkbs, to_qgis_multi_wkb
from georedis_plugin.core.geometry_io import wkb_geometry
from tests.layers import world_layer

SHAPES = [
    "Point (0 0)",
    "PointZ (0 0 5)",
    "LineString (0 0, 1 1, 2 0)",
    "LineStringZ (0 0 1, 1 1 2)",
    "PolygonZ ((0 0 1, 2 0 2, 2 2 3, 0 0 1))",
    "MultiPolygon (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
    "Polygon ((10 10, 11 10, 10.5 10.001, 10 10))",
]


@pytest.mark.parametrize("distance", [0.0, 0.3, -0.1])
def test_bulk_conversion_is_qgis_own(qgis_app, distance):
    wkbs = [bytes(QgsGeometry.fromWkt(w).asWkb()) for w in SHAPES]
    wkbs += [
        bytes(f.geometry().asWkb())
        for f in world_layer("states_provinces", limit=300).getFeatures()
    ]
    buffered = shapely.buffer(shapely.from_wkb(wkbs), distance)
    ours = multi_polygon_wkbs(buffered)
    for geometry, value in zip(buffered, ours):
        if shapely.is_empty(geometry):
            assert value == empty_buffer_wkb()
        else:
            qgis = to_qgis_multi_wkb(
                wkb_geometry(shapely.to_wkb(geometry, flavor="iso", output_dimension=3))
            )
            assert value == qgis
    assert not shapely.is_empty(buffered).all()
