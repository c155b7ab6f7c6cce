"""Bad input (issue 6, item 2): each case has a defined outcome, documented in the README.

Either native QGIS's behaviour (the cached algorithms must do what native:buffer and
native:intersection do, compared here on the same input), or a clear error that says what to
do, or correct handling with counts. Cases already covered elsewhere are listed in the README's
"Bad input" table with their tests; this file holds the rest.
"""

import math

import pytest
from qgis import processing
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsVectorLayer,
)
from redis.crc import key_slot

from georedis_plugin.core import geoset
from georedis_plugin.core.compat import FieldType
from georedis_plugin.core.connection import GeoRedisError
from tests.algorithm_runs import run
from tests.layers import memory_layer
from tests.parity import assert_same_output
from tests.test_geoset_core import PREFIX, point_layer, random_points

SQUARE = "Polygon ((0 0, 2 0, 2 2, 0 2, 0 0))"
BOWTIE = "Polygon ((0 0, 2 2, 2 0, 0 2, 0 0))"


def outcome(algorithm, parameters, context_setting=None):
    """('ok', layer) or ('error', message), for ours and native alike."""
    context = QgsProcessingContext()
    if context_setting is not None:
        context.setInvalidGeometryCheck(context_setting)
    try:
        layer, _ = run(algorithm, parameters, context=context)
        return "ok", layer
    except QgsProcessingException as exc:
        return "error", str(exc)


def assert_same_outcome(algorithm, parameters, context_setting=None):
    ours = outcome(algorithm, parameters, context_setting)
    native = outcome(algorithm.replace("georedis:", "native:"), parameters, context_setting)
    assert ours[0] == native[0], (ours, native)
    if ours[0] == "ok":
        assert_same_output(ours[1], native[1])
    return ours


# -- cached algorithms: what native QGIS does ----------------------------------------------


@pytest.mark.parametrize(
    "setting",
    [
        QgsFeatureRequest.InvalidGeometryCheck.GeometryNoCheck,
        QgsFeatureRequest.InvalidGeometryCheck.GeometrySkipInvalid,
        QgsFeatureRequest.InvalidGeometryCheck.GeometryAbortOnInvalid,
    ],
)
@pytest.mark.parametrize("algorithm", ["georedis:buffer", "georedis:intersection"])
def test_self_intersecting_polygons_under_each_validity_setting(
    provider, redis_url, algorithm, setting
):
    layer = memory_layer("Polygon", [SQUARE, BOWTIE])
    parameters = {"INPUT": layer, "OUTPUT": "memory:"}
    if algorithm == "georedis:buffer":
        parameters["DISTANCE"] = 0.2
    else:
        parameters["OVERLAY"] = memory_layer("Polygon", ["Polygon ((1 1, 3 1, 3 3, 1 3, 1 1))"])
    kind, result = assert_same_outcome(algorithm, parameters, setting)
    if (
        setting == QgsFeatureRequest.InvalidGeometryCheck.GeometryAbortOnInvalid
        and algorithm == "georedis:intersection"
    ):
        assert kind == "error" and "invalid geometry" in result


@pytest.mark.parametrize("algorithm", ["georedis:buffer", "georedis:intersection"])
def test_mixed_single_and_multi_part_features(provider, redis_url, algorithm):
    layer = memory_layer(
        "MultiPolygon",
        [SQUARE, "MultiPolygon (((5 5, 6 5, 6 6, 5 5)), ((8 8, 9 8, 9 9, 8 8)))", SQUARE],
    )
    parameters = {"INPUT": layer, "OUTPUT": "memory:"}
    if algorithm == "georedis:buffer":
        parameters["DISTANCE"] = 0.5
    else:
        parameters["OVERLAY"] = memory_layer("Polygon", ["Polygon ((1 1, 8.5 1, 8.5 8.5, 1 1))"])
    assert assert_same_outcome(algorithm, parameters)[0] == "ok"


@pytest.mark.parametrize("distance", [0.0, 1e9, -1e9])
def test_zero_and_huge_distances(provider, redis_url, distance):
    layer = memory_layer("Polygon", [SQUARE, BOWTIE, None])
    kind, _ = assert_same_outcome(
        "georedis:buffer", {"INPUT": layer, "DISTANCE": distance, "OUTPUT": "memory:"}
    )
    assert kind == "ok"


def test_nan_distance_is_refused_where_native_qgis_crashes(provider, redis_url):
    # native:buffer with a NaN distance brings QGIS down (GEOS): not compared, obviously
    layer = memory_layer("Polygon", [SQUARE])
    with pytest.raises(QgsProcessingException, match="Give a finite distance"):
        run("georedis:buffer", {"INPUT": layer, "DISTANCE": math.nan, "OUTPUT": "memory:"})
    from qgis.core import QgsProperty

    # a data-defined distance read from a field holding NaN for the second feature
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326", "nan field", "memory")
    assert layer.dataProvider().addAttributes([QgsField("d", FieldType.DOUBLE)])
    layer.updateFields()
    features = []
    for value in (1.0, math.nan):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([value])
        feature.setGeometry(QgsGeometry.fromWkt(SQUARE))
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]
    with pytest.raises(QgsProcessingException, match="feature 2 is nan"):
        run(
            "georedis:buffer",
            {"INPUT": layer, "DISTANCE": QgsProperty.fromField("d"), "OUTPUT": "memory:"},
        )


@pytest.mark.parametrize("algorithm", ["georedis:buffer", "georedis:intersection"])
def test_layers_without_a_crs(provider, redis_url, algorithm):
    layer = QgsVectorLayer("Polygon", "no crs", "memory")
    layer.setCrs(QgsCoordinateReferenceSystem())
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromWkt(SQUARE))
    assert layer.dataProvider().addFeatures([feature])[0]
    assert not layer.crs().isValid()
    parameters = {"INPUT": layer, "OUTPUT": "memory:"}
    if algorithm == "georedis:buffer":
        parameters["DISTANCE"] = 1.0
    else:
        parameters["OVERLAY"] = layer
    assert assert_same_outcome(algorithm, parameters)[0] == "ok"


def test_projected_input_with_a_geographic_overlay(provider, redis_url):
    projected = memory_layer(
        "Polygon", ["Polygon ((0 0, 200000 0, 200000 200000, 0 200000, 0 0))"], crs="EPSG:3857"
    )
    geographic = memory_layer("Polygon", ["Polygon ((1 1, 3 1, 3 3, 1 3, 1 1))"])
    kind, layer = assert_same_outcome(
        "georedis:intersection", {"INPUT": projected, "OVERLAY": geographic, "OUTPUT": "memory:"}
    )
    assert kind == "ok" and layer.featureCount() == 1
    assert layer.crs() == QgsCoordinateReferenceSystem("EPSG:3857")  # the input's, as native


@pytest.mark.parametrize("algorithm", ["georedis:buffer", "georedis:intersection"])
def test_empty_layers(provider, redis_url, redis_client, algorithm):
    empty = memory_layer("Polygon", [])
    parameters = {"INPUT": empty, "OUTPUT": "memory:"}
    if algorithm == "georedis:buffer":
        parameters["DISTANCE"] = 1.0
    else:
        parameters["OVERLAY"] = memory_layer("Polygon", [SQUARE])
    kind, layer = assert_same_outcome(algorithm, parameters)
    assert kind == "ok" and layer.featureCount() == 0


# -- geo sets: clear errors, or correct handling with counts --------------------------------


def test_a_non_point_layer_is_refused_by_the_algorithm(provider, redis_url):
    lines = memory_layer("LineString", ["LineString (0 0, 1 1)"], name="roads")
    with pytest.raises(QgsProcessingException, match="'roads' is not a point layer"):
        processing.run("georedis:loadgeoset", {"INPUT": lines, "KEY": "roads"})


def test_unicode_and_very_long_member_names_round_trip(provider, redis_url, redis_client):
    names = ["Zürich Hbf 🚉", "東京駅", "x" * 10_000, "a b:c{d}e", "-1", " leading space"]
    lons, lats = random_points(len(names), seed=2)
    layer = point_layer(
        lons, lats, fields=[QgsField("name", FieldType.STRING)], values=[[n] for n in names]
    )
    result = processing.run(
        "georedis:loadgeoset",
        {"INPUT": layer, "KEY": "names", "ID_FIELD": "name", "STORE_ATTRIBUTES": True},
    )
    assert (result["LOADED"], result["SKIPPED"], result["DUPLICATES"]) == (len(names), 0, 0)
    hits = geoset.GeoSet(redis_client, PREFIX, "names").radius(0.0, 45.0, 20_000, "km")
    assert sorted(hits.members) == sorted(names)
    rows = geoset.decode_rows(hits.fields, hits.rows)
    assert sorted(row[0] for row in rows) == sorted(names)


@pytest.mark.parametrize("name", ["with spaces", "a:b:c", "{braces}", "x}{y", "{", "ünï {co:de}"])
def test_set_names_with_spaces_colons_and_braces(redis_url, redis_client, name):
    loaded = geoset.load_layer(
        redis_client, PREFIX, name, point_layer(*random_points(20)), store_attributes=True
    )
    assert loaded.loaded == 20
    keys = geoset.GeoSetKeys.for_name(PREFIX, name)
    temp = geoset.GeoSetKeys.for_name(PREFIX, name, ":tmp:x")
    # one hash slot for the set, its attributes, its metadata and its temporary keys
    slots = {key_slot(k.encode()) for k in (keys.geo, keys.attrs, keys.meta, temp.geo, temp.attrs)}
    assert len(slots) == 1
    assert [i.name for i in geoset.list_geosets(redis_client, PREFIX)] == [name]
    assert len(geoset.GeoSet(redis_client, PREFIX, name).radius(0, 45, 20_000, "km")) == 20
    geoset.delete_geoset(redis_client, PREFIX, name)
    assert list(redis_client.scan_iter("*")) == []


def test_an_empty_layer_loads_an_empty_set(provider, redis_url, redis_client):
    empty = QgsVectorLayer("Point?crs=EPSG:4326", "nothing yet", "memory")
    result = processing.run("georedis:loadgeoset", {"INPUT": empty, "KEY": "empty"})
    assert (result["LOADED"], result["SKIPPED"]) == (0, 0)
    assert [(i.name, i.count) for i in geoset.list_geosets(redis_client, PREFIX)] == [("empty", 0)]
    hits = processing.run(
        "georedis:radiussearch",
        {"KEY": "empty", "CENTER": "0,0 [EPSG:4326]", "RADIUS": 10, "UNIT": 1, "OUTPUT": "memory:"},
    )
    assert hits["HITS"] == 0 and hits["OUTPUT"].featureCount() == 0


@pytest.fixture
def hundred(redis_url, redis_client):
    lons, lats = random_points(100, seed=8)
    geoset.load_layer(redis_client, PREFIX, "hundred", point_layer(lons, lats))
    return geoset.GeoSet(redis_client, PREFIX, "hundred")


def test_radius_zero_finds_only_points_at_the_centre(hundred, redis_client):
    lon, lat = redis_client.geopos(hundred.keys.geo, "7")[0]
    hits = hundred.radius(lon, lat, 0, "m")
    assert hits.members == ["7"]
    assert len(hundred.radius(0.123, 45.456, 0, "m")) == 0


@pytest.mark.parametrize("radius", [-1.0, math.nan, math.inf])
def test_a_negative_or_non_finite_radius_is_refused(hundred, radius):
    with pytest.raises(GeoRedisError, match="give a number of zero or more"):
        hundred.radius(0, 45, radius, "km")
    with pytest.raises(GeoRedisError, match="give a number of zero or more"):
        hundred.box(0, 45, radius, 10, "km")


def test_a_radius_larger_than_the_earth_finds_every_point(hundred):
    assert len(hundred.radius(0, 45, 1e9, "km")) == 100


def test_count_zero_means_all_and_a_negative_count_too(hundred):
    assert len(hundred.radius(0, 45, 20_000, "km", 0)) == 100
    assert len(hundred.radius(0, 45, 20_000, "km", -5)) == 100
    assert len(hundred.radius(0, 45, 20_000, "km", 7)) == 7


@pytest.mark.parametrize(
    "parameter, value",
    [("RADIUS", -5), ("COUNT", -2), ("UNIT", 9), ("RADIUS", "not a number")],
)
def test_out_of_range_algorithm_parameters_name_the_parameter(provider, hundred, parameter, value):
    parameters = {
        "KEY": "hundred", "CENTER": "0,45 [EPSG:4326]", "RADIUS": 5, "UNIT": 1,
        "OUTPUT": "memory:", parameter: value,
    }  # fmt: skip
    with pytest.raises(QgsProcessingException, match=f"Incorrect parameter value for {parameter}"):
        processing.run("georedis:radiussearch", parameters)


def test_a_missing_id_field_is_named(provider, redis_url):
    with pytest.raises(QgsProcessingException, match="has no field 'nope'"):
        processing.run(
            "georedis:loadgeoset",
            {"INPUT": point_layer(*random_points(5)), "KEY": "k", "ID_FIELD": "nope"},
        )


def test_loading_over_a_key_of_another_type_is_refused_and_leaves_it(redis_url, redis_client):
    key = geoset.GeoSetKeys.for_name(PREFIX, "mine").geo
    redis_client.hset(key, "someone", "else's data")
    with pytest.raises(GeoRedisError, match="holds a hash, not a geo set"):
        geoset.load_layer(redis_client, PREFIX, "mine", point_layer(*random_points(5)))
    assert redis_client.hgetall(key) == {b"someone": b"else's data"}
    assert geoset.list_geosets(redis_client, PREFIX) == []


def test_selected_features_only_with_nothing_selected_loads_nothing(provider, redis_url):
    from qgis.core import QgsProject

    layer = point_layer(*random_points(10))
    assert QgsProject.instance().addMapLayer(layer) is not None
    try:
        result = processing.run(
            "georedis:loadgeoset",
            {"INPUT": QgsProcessingFeatureSourceDefinition(layer.id(), True), "KEY": "sel"},
        )
        assert result["LOADED"] == 0
    finally:
        QgsProject.instance().removeMapLayer(layer.id())


def test_points_beyond_what_redis_can_index_are_counted_per_algorithm(provider, redis_url):
    lons = [0.0, 181.0, -180.5, 10.0, 0.0, math.nan]
    lats = [86.0, 0.0, 0.0, 10.0, -85.05112878, 0.0]
    layer = QgsVectorLayer("Point?crs=EPSG:4326", "edge", "memory")
    features = []
    for x, y in zip(lons, lats):
        feature = QgsFeature()
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]
    result = processing.run("georedis:loadgeoset", {"INPUT": layer, "KEY": "edge"})
    assert (result["LOADED"], result["SKIPPED"]) == (2, 4)
