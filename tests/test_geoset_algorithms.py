"""The geo-set Processing algorithms: load, radius/box/polygon search, and both in a model."""

import pytest
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingFeedback,
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterFeatureSource,
    QgsProject,
    QgsVectorLayer,
)

from georedis_plugin.core import geoset
from georedis_plugin.core.compat import FieldType
from tests.test_geoset_core import PREFIX, point_layer, random_points

GEOSET_ALGORITHMS = ["loadgeoset", "radiussearch", "boxsearch", "polygonsearch", "nearest"]


def run(algorithm_id, parameters):
    from qgis import processing

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    result = processing.run(
        algorithm_id, parameters, context=context, feedback=QgsProcessingFeedback()
    )
    output = result.get("OUTPUT")
    if isinstance(output, str):
        output = context.takeResultLayer(output) or QgsVectorLayer(output, "out", "ogr")
    return output, result


@pytest.fixture
def points():
    lons, lats = random_points(3000, seed=21, lon=(4.7, 5.1), lat=(52.2, 52.5))
    return point_layer(
        lons,
        lats,
        crs="EPSG:3857",
        fields=[QgsField("code", FieldType.STRING), QgsField("size", FieldType.INT)],
        values=[[f"p{i % 2990}", i] for i in range(len(lons))],
    )


@pytest.mark.parametrize("algorithm", GEOSET_ALGORITHMS)
def test_every_parameter_has_help(provider, algorithm):
    definition = QgsApplication.processingRegistry().algorithmById(f"georedis:{algorithm}")
    assert definition.shortHelpString()
    assert definition.group() == "Geo sets"
    for parameter in definition.parameterDefinitions():
        assert parameter.help(), parameter.name()


def test_load_reports_loaded_skipped_and_duplicates(provider, redis_url, redis_client, points):
    extra = QgsFeature(points.fields())
    extra.setAttributes(["beyond the pole", 0])
    extra.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(0, 3e7)))
    assert points.dataProvider().addFeatures([extra])[0]
    _, result = run(
        "georedis:loadgeoset",
        {"INPUT": points, "KEY": "amsterdam", "ID_FIELD": "code", "STORE_ATTRIBUTES": True},
    )
    assert result["KEY"] == "amsterdam"
    assert (result["LOADED"], result["SKIPPED"], result["DUPLICATES"]) == (2990, 1, 10)
    keys = geoset.GeoSetKeys.for_name(PREFIX, "amsterdam")
    assert redis_client.zcard(keys.geo) == 2990
    assert redis_client.hlen(keys.attrs) == 2990


def test_load_names_the_set_after_the_layer_by_default(provider, redis_url, redis_client):
    layer = point_layer(*random_points(4))
    layer.setName("Bus Stops (2024)")
    _, result = run("georedis:loadgeoset", {"INPUT": layer})
    assert result["KEY"] == "bus_stops_2024"
    assert result["LOADED"] == 4


def test_load_selected_features_only(provider, redis_url, redis_client, points):
    assert QgsProject.instance().addMapLayer(points) is not None
    try:
        points.selectByIds(sorted(points.allFeatureIds())[:7])
        _, result = run(
            "georedis:loadgeoset",
            {"INPUT": QgsProcessingFeatureSourceDefinition(points.id(), True), "KEY": "sel"},
        )
    finally:
        QgsProject.instance().removeMapLayer(points.id())
    assert result["LOADED"] == 7


def test_radius_search_takes_a_centre_in_any_crs(provider, redis_url, redis_client, points):
    run("georedis:loadgeoset", {"INPUT": points, "KEY": "ams", "STORE_ATTRIBUTES": True})
    center = QgsPointXY(4.9, 52.37)
    projected = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:4326"),
        QgsCoordinateReferenceSystem("EPSG:28992"),
        QgsProject.instance(),
    ).transform(center)
    hits, result = run(
        "georedis:radiussearch",
        {
            "KEY": "ams",
            "CENTER": f"{projected.x()},{projected.y()} [EPSG:28992]",
            "RADIUS": 3,
            "UNIT": 1,
            "OUTPUT": "memory:",
        },
    )
    expected = geoset.GeoSet(redis_client, PREFIX, "ams").radius(center.x(), center.y(), 3, "km")
    assert result["HITS"] == len(expected) > 50
    assert [f["member"] for f in hits.getFeatures()] == expected.members
    assert hits.fields().names() == ["member", "distance", "code", "size"]
    assert hits.crs().authid() == "EPSG:4326"
    by_id = {str(f.id()): f.attributes() for f in points.getFeatures()}
    for feature in hits.getFeatures():
        assert feature.attributes()[2:] == by_id[feature["member"]]


def test_radius_search_count_limits_to_the_nearest(provider, redis_url, redis_client, points):
    run("georedis:loadgeoset", {"INPUT": points, "KEY": "ams"})
    parameters = {"KEY": "ams", "CENTER": "4.9,52.37 [EPSG:4326]", "RADIUS": 5000}
    everything, _ = run("georedis:radiussearch", {**parameters, "OUTPUT": "memory:"})
    nearest, result = run("georedis:radiussearch", {**parameters, "COUNT": 9, "OUTPUT": "memory:"})
    assert result["HITS"] == 9
    all_members = [f["member"] for f in everything.getFeatures()]
    assert [f["member"] for f in nearest.getFeatures()] == all_members[:9]


def test_radius_search_keeps_redis_figures_with_distances_sphere(
    provider, redis_url, redis_client, points
):
    run("georedis:loadgeoset", {"INPUT": points, "KEY": "ams"})
    parameters = {"KEY": "ams", "CENTER": "4.9,52.37 [EPSG:4326]", "RADIUS": 4, "UNIT": 1}
    key = geoset.GeoSetKeys.for_name(PREFIX, "ams").geo
    raw = redis_client.execute_command(
        "GEOSEARCH", key, "FROMLONLAT", 4.9, 52.37, "BYRADIUS", 4, "km", "ASC", "WITHDIST"
    )  # fmt: skip
    sphere, _ = run("georedis:radiussearch", {**parameters, "DISTANCES": 1, "OUTPUT": "memory:"})
    assert [(f["member"], f["distance"]) for f in sphere.getFeatures()] == [
        (m.decode(), float(d)) for m, d in raw
    ]
    ellipsoid, _ = run("georedis:radiussearch", {**parameters, "OUTPUT": "memory:"})
    expected = geoset.GeoSet(redis_client, PREFIX, "ams").radius(4.9, 52.37, 4, "km")
    assert [(f["member"], f["distance"]) for f in ellipsoid.getFeatures()] == list(
        zip(expected.members, expected.distances.tolist())
    )
    assert expected.distances.tolist() != [float(d) for _, d in raw][: len(expected)]


def test_nearest_finds_the_count_nearest_with_their_attributes(
    provider, redis_url, redis_client, points
):
    run("georedis:loadgeoset", {"INPUT": points, "KEY": "ams", "STORE_ATTRIBUTES": True})
    hits, result = run(
        "georedis:nearest",
        {"KEY": "ams", "CENTER": "4.9,52.37 [EPSG:4326]", "COUNT": 12, "OUTPUT": "memory:"},
    )
    key = geoset.GeoSetKeys.for_name(PREFIX, "ams").geo
    members = [m.decode() for m in redis_client.zrange(key, 0, -1)]
    positions = redis_client.geopos(key, *members)
    distances = geoset.geodesic_m(4.9, 52.37, [p[0] for p in positions], [p[1] for p in positions])
    ranked = sorted(range(len(members)), key=distances.__getitem__)
    expected = [members[i] for i in ranked[:12]]
    assert result["HITS"] == 12
    assert [f["member"] for f in hits.getFeatures()] == expected
    assert hits.fields().names() == ["member", "distance", "code", "size"]
    by_id = {str(f.id()): f.attributes() for f in points.getFeatures()}
    assert all(f.attributes()[2:] == by_id[f["member"]] for f in hits.getFeatures())
    # with a maximum distance, only those within it
    limit_m = float(distances[ranked[4]] + distances[ranked[5]]) / 2
    within, result = run(
        "georedis:nearest",
        {
            "KEY": "ams",
            "CENTER": "4.9,52.37 [EPSG:4326]",
            "COUNT": 12,
            "MAX_DISTANCE": limit_m,
            "OUTPUT": "memory:",
        },
    )
    assert [f["member"] for f in within.getFeatures()] == expected[:5]
    assert result["HITS"] == 5


def test_box_search_matches_core(provider, redis_url, redis_client, points):
    run("georedis:loadgeoset", {"INPUT": points, "KEY": "ams"})
    hits, _ = run(
        "georedis:boxsearch",
        {
            "KEY": "ams",
            "CENTER": "4.9,52.35 [EPSG:4326]",
            "WIDTH": 4,
            "HEIGHT": 2,
            "UNIT": 2,
            "OUTPUT": "memory:",
        },
    )
    expected = geoset.GeoSet(redis_client, PREFIX, "ams").box(4.9, 52.35, 4, 2, "mi")
    assert [f["member"] for f in hits.getFeatures()] == expected.members
    assert len(expected) > 50


def test_polygon_search_equals_qgis_intersects(provider, redis_url, redis_client, points):
    run("georedis:loadgeoset", {"INPUT": points, "KEY": "ams"})
    wgs84_polygon = QgsGeometry.fromWkt("Polygon ((4.8 52.3, 5.0 52.3, 4.9 52.45, 4.8 52.3))")
    polygon = QgsGeometry(wgs84_polygon)
    to_2154 = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:4326"),
        QgsCoordinateReferenceSystem("EPSG:2154"),
        QgsProject.instance(),
    )
    assert polygon.transform(to_2154) == Qgis.GeometryOperationResult.Success
    polygons = QgsVectorLayer("Polygon?crs=EPSG:2154", "zone", "memory")
    feature = QgsFeature()
    feature.setGeometry(polygon)
    assert polygons.dataProvider().addFeatures([feature])[0]
    hits, _ = run("georedis:polygonsearch", {"KEY": "ams", "INPUT": polygons, "OUTPUT": "memory:"})
    key = geoset.GeoSetKeys.for_name(PREFIX, "ams").geo
    members = [m.decode() for m in redis_client.zrange(key, 0, -1)]
    back = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:2154"),
        QgsCoordinateReferenceSystem("EPSG:4326"),
        QgsProject.instance(),
    )
    exact = QgsGeometry(polygon)
    assert exact.transform(back) == Qgis.GeometryOperationResult.Success
    expected = {
        m
        for m, p in zip(members, redis_client.geopos(key, *members))
        if exact.intersects(QgsGeometry.fromPointXY(QgsPointXY(*p)))
    }
    assert len(expected) > 100
    assert {f["member"] for f in hits.getFeatures()} == expected


def test_polygon_search_with_selected_polygons_only(provider, redis_url, redis_client, points):
    run("georedis:loadgeoset", {"INPUT": points, "KEY": "ams"})
    polygons = QgsVectorLayer("Polygon?crs=EPSG:4326", "zones", "memory")
    shapes = [
        "Polygon ((4.80 52.30, 4.90 52.30, 4.90 52.40, 4.80 52.30))",
        "Polygon ((4.95 52.30, 5.05 52.30, 5.05 52.40, 4.95 52.30))",
    ]
    features = []
    for wkt in shapes:
        feature = QgsFeature()
        feature.setGeometry(QgsGeometry.fromWkt(wkt))
        features.append(feature)
    assert polygons.dataProvider().addFeatures(features)[0]
    assert QgsProject.instance().addMapLayer(polygons) is not None
    try:
        second = sorted(polygons.allFeatureIds())[1]
        polygons.selectByIds([second])
        selected, _ = run(
            "georedis:polygonsearch",
            {
                "KEY": "ams",
                "INPUT": QgsProcessingFeatureSourceDefinition(polygons.id(), True),
                "OUTPUT": "memory:",
            },
        )
        both, _ = run(
            "georedis:polygonsearch", {"KEY": "ams", "INPUT": polygons.id(), "OUTPUT": "memory:"}
        )
    finally:
        QgsProject.instance().removeMapLayer(polygons.id())
    expected = geoset.GeoSet(redis_client, PREFIX, "ams").polygon(
        QgsGeometry.fromWkt(shapes[1]), "m"
    )
    assert len(expected) > 20
    assert {f["member"] for f in selected.getFeatures()} == set(expected.members)
    assert both.featureCount() > selected.featureCount()


def test_unknown_set_fails_with_advice(provider, redis_url):
    with pytest.raises(QgsProcessingException, match="There is no geo set 'missing'"):
        run(
            "georedis:radiussearch",
            {"KEY": "missing", "CENTER": "0,0 [EPSG:4326]", "RADIUS": 1, "OUTPUT": "memory:"},
        )


def load_then_search_model():
    """INPUT -> georedis:loadgeoset -> its KEY output -> georedis:radiussearch -> hits."""
    model = QgsProcessingModelAlgorithm("load and search", "tests")
    model.addModelParameter(
        QgsProcessingParameterFeatureSource("INPUT", "points"),
        QgsProcessingModelParameter("INPUT"),
    )
    load = QgsProcessingModelChildAlgorithm("georedis:loadgeoset")
    load.setChildId("load")
    load.addParameterSources(
        "INPUT", [QgsProcessingModelChildParameterSource.fromModelParameter("INPUT")]
    )
    load.addParameterSources("KEY", [QgsProcessingModelChildParameterSource.fromStaticValue("m")])
    model.addChildAlgorithm(load)
    search = QgsProcessingModelChildAlgorithm("georedis:radiussearch")
    search.setChildId("search")
    search.addParameterSources(
        "KEY", [QgsProcessingModelChildParameterSource.fromChildOutput("load", "KEY")]
    )
    for name, value in (("CENTER", "4.9,52.37 [EPSG:4326]"), ("RADIUS", 2.0), ("UNIT", 1)):
        search.addParameterSources(
            name, [QgsProcessingModelChildParameterSource.fromStaticValue(value)]
        )
    output = QgsProcessingModelOutput("hits")
    output.setChildOutputName("OUTPUT")
    search.setModelOutputs({"hits": output})
    model.addChildAlgorithm(search)
    return model


def test_load_and_search_run_in_a_model(provider, redis_url, redis_client, points):
    model = load_then_search_model()
    context = QgsProcessingContext()
    result, ok = model.run(
        {"INPUT": points, "search:hits": "memory:"}, context, QgsProcessingFeedback()
    )
    assert ok
    hits = context.takeResultLayer(result["search:hits"])
    expected = geoset.GeoSet(redis_client, PREFIX, "m").radius(4.9, 52.37, 2, "km")
    assert len(expected) > 20
    assert [f["member"] for f in hits.getFeatures()] == expected.members


def test_a_geopackage_output_keeps_nearest_first_despite_a_stored_fid_field(
    provider, redis_url, redis_client, tmp_path
):
    from qgis import processing

    # points read from a GeoPackage carry a "fid" field; stored with the set, the hits have it
    # too, and a GeoPackage writer would use it as the row id (and order) unless regenerated
    lons, lats = random_points(500, seed=4, lon=(4.7, 5.1), lat=(52.2, 52.5))
    layer = point_layer(
        lons,
        lats,
        fields=[QgsField("fid", FieldType.LONG_LONG)],
        values=[[1000 - i] for i in range(len(lons))],  # ids against the distance order
    )
    processing.run(
        "georedis:loadgeoset", {"INPUT": layer, "KEY": "with fid", "STORE_ATTRIBUTES": True}
    )
    target = tmp_path / "hits.gpkg"
    processing.run(
        "georedis:radiussearch",
        {"KEY": "with fid", "CENTER": "4.9,52.37 [EPSG:4326]", "RADIUS": 50, "UNIT": 1,
         "OUTPUT": str(target)},
    )  # fmt: skip
    hits = QgsVectorLayer(str(target), "hits", "ogr")
    expected = geoset.GeoSet(redis_client, PREFIX, "with fid").radius(4.9, 52.37, 50, "km")
    assert [str(f["member"]) for f in hits.getFeatures()] == expected.members
    assert len(expected) == 500
