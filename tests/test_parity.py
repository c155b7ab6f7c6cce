"""The parity comparison itself: it accepts what the rule allows and rejects everything else."""

import pytest
from qgis.core import QgsField, QgsGeometry

from georedis_plugin.core.compat import FieldType
from tests.layers import memory_layer
from tests.parity import assert_same_output, geometries_match

SQUARE = "Polygon ((0 0, 10 0, 10 10, 0 10, 0 0))"


def test_identical_layers_match(qgis_app):
    layer = memory_layer("Polygon", [SQUARE, None, "Polygon EMPTY"])
    assert_same_output(layer, memory_layer("Polygon", [SQUARE, None, "Polygon EMPTY"]))


def test_features_are_matched_as_sets(qgis_app):
    ours = memory_layer("Point", ["Point (0 0)", "Point (1 1)"])
    provider = ours.dataProvider()
    native = memory_layer("Point", [])
    features = list(ours.getFeatures())
    assert native.dataProvider().addFeatures(list(reversed(features)))
    assert provider.featureCount() == native.featureCount() == 2
    assert_same_output(ours, native)


def test_polygon_within_area_tolerance_matches(qgis_app):
    # moving one vertex by 1e-6 changes the area by 5e-6 of 100: within 1e-6 relative
    nearly = "Polygon ((0 0, 10 0, 10 10.000001, 0 10, 0 0))"
    assert geometries_match(QgsGeometry.fromWkt(nearly), QgsGeometry.fromWkt(SQUARE)) == ""


@pytest.mark.parametrize(
    "ours, native",
    [
        ("Polygon ((0 0, 10 0, 10 10.01, 0 10, 0 0))", SQUARE),
        ("LineString (0 0, 1 1.000001)", "LineString (0 0, 1 1)"),
        ("Point (0 0)", "Point (0 1e-6)"),
        ("Polygon EMPTY", SQUARE),
        ("MultiPolygon (((0 0, 10 0, 10 10, 0 10, 0 0)))", SQUARE),
    ],
)
def test_different_geometries_do_not_match(qgis_app, ours, native):
    assert geometries_match(QgsGeometry.fromWkt(ours), QgsGeometry.fromWkt(native)) != ""


def test_null_geometry_does_not_match_a_geometry(qgis_app):
    assert geometries_match(QgsGeometry(), QgsGeometry.fromWkt(SQUARE)) != ""


def test_lines_match_regardless_of_vertex_order(qgis_app):
    ours = QgsGeometry.fromWkt("LineString (1 1, 0 0)")
    assert geometries_match(ours, QgsGeometry.fromWkt("LineString (0 0, 1 1)")) == ""


@pytest.mark.parametrize(
    "change",
    ["count", "field name", "field type", "attribute", "geometry", "layer type"],
)
def test_layer_differences_are_reported(qgis_app, change):
    native = memory_layer("Polygon", [SQUARE, SQUARE])
    wkts = [SQUARE, SQUARE]
    geometry_type = "Polygon"
    if change == "count":
        wkts = [SQUARE]
    if change == "geometry":
        wkts = [SQUARE, "Polygon ((0 0, 5 0, 5 5, 0 0))"]
    if change == "layer type":
        geometry_type = "MultiPolygon"
    ours = memory_layer(geometry_type, wkts)
    if change in ("field name", "field type"):
        ours.dataProvider().deleteAttributes([1])
        name, kind = (
            ("other", FieldType.STRING) if change == "field name" else ("label", FieldType.INT)
        )
        ours.dataProvider().addAttributes([QgsField(name, kind)])
        ours.updateFields()
    if change == "attribute":
        feature = next(ours.getFeatures())
        ours.dataProvider().changeAttributeValues({feature.id(): {1: "changed"}})
    with pytest.raises(AssertionError):
        assert_same_output(ours, native)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid:RuntimeWarning")
def test_polygons_whose_area_overflows_are_compared_by_vertices(qgis_app):
    huge = "Polygon ((-1e300 -1e300, 1e300 -1e300, 1e300 1e300, -1e300 -1e300))"
    other = "Polygon ((-1e300 -1e300, 1e300 -1e300, 1e300 2e300, -1e300 -1e300))"
    assert geometries_match(QgsGeometry.fromWkt(huge), QgsGeometry.fromWkt(huge)) == ""
    assert geometries_match(QgsGeometry.fromWkt(other), QgsGeometry.fromWkt(huge)) != ""
