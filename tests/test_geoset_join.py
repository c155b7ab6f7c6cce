"""georedis:joinbynearest against a brute-force geodesic and against native:joinbynearest."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qgis.core import (
    NULL,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProject,
    QgsVectorLayer,
)

from georedis_plugin.core import geoset
from georedis_plugin.core.compat import FieldType
from tests.test_geoset_core import PREFIX, point_layer, random_points


def run(parameters, feedback=None):
    from qgis import processing

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    result = processing.run(
        "georedis:joinbynearest",
        {"OUTPUT": "memory:", **parameters},
        context=context,
        feedback=feedback or QgsProcessingFeedback(),
    )
    output = result["OUTPUT"]
    if isinstance(output, str):
        output = context.takeResultLayer(output)
    return output, result


@pytest.fixture
def stops(redis_client):
    """A geo set of 20,000 stops over the Netherlands with two stored attributes."""
    lons, lats = random_points(20_000, seed=41, lon=(3.5, 7.0), lat=(50.8, 53.5))
    layer = point_layer(
        lons,
        lats,
        fields=[QgsField("name", FieldType.STRING), QgsField("rank", FieldType.INT)],
        values=[[f"stop {i}", i % 97] for i in range(len(lons))],
    )
    geoset.load_layer(redis_client, PREFIX, "stops", layer, store_attributes=True)
    key = geoset.GeoSetKeys.for_name(PREFIX, "stops").geo
    members = [m.decode() for m in redis_client.zrange(key, 0, -1)]
    positions = np.array(redis_client.geopos(key, *members))
    by_member = {str(f.id()): f.attributes() for f in layer.getFeatures()}
    return layer, np.array(members), positions[:, 0], positions[:, 1], by_member


def inputs(n, seed, crs="EPSG:28992", spread=((3.0, 7.5), (50.5, 53.8))):
    lons, lats = random_points(n, seed=seed, lon=spread[0], lat=spread[1])
    layer = point_layer(
        lons, lats, crs=crs, fields=[QgsField("id", FieldType.INT)], values=[[i] for i in range(n)]
    )
    return layer, lons, lats


def wgs84_of(layer):
    to_wgs84 = QgsCoordinateTransform(
        layer.crs(), QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance()
    )
    points = {}
    for feature in layer.getFeatures():
        point = to_wgs84.transform(feature.geometry().asPoint())
        points[feature["id"]] = (point.x(), point.y())
    return points


@pytest.mark.parametrize("neighbors", [1, 3])
def test_each_point_joins_its_geodesic_nearest_members_with_their_attributes(
    provider, redis_url, stops, neighbors
):
    _, members, lon, lat, by_member = stops
    layer, _, _ = inputs(400, seed=42)
    joined, result = run(
        {"INPUT": layer, "KEY": "stops", "NEIGHBORS": neighbors, "PREFIX": "stop_", "UNIT": 1}
    )
    assert result["JOINED_COUNT"] == 400 and result["UNJOINABLE_COUNT"] == 0
    assert joined.fields().names() == [
        "id", "stop_member", "stop_name", "stop_rank",
        "n", "distance", "feature_x", "feature_y", "nearest_x", "nearest_y",
    ]  # fmt: skip
    assert joined.featureCount() == 400 * neighbors
    assert joined.crs() == layer.crs()
    centres = wgs84_of(layer)
    got = {}
    for feature in joined.getFeatures():
        got.setdefault(feature["id"], []).append(feature)
    to_input = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:4326"), layer.crs(), QgsProject.instance()
    )
    for point_id, features in got.items():
        distance = geoset.geodesic_m(*centres[point_id], lon, lat)
        nearest = np.argsort(distance)[:neighbors]
        assert [f["stop_member"] for f in features] == members[nearest].tolist()
        assert [f["n"] for f in features] == list(range(1, neighbors + 1))
        for feature, index in zip(features, nearest):
            assert feature["distance"] == pytest.approx(distance[index] / 1000, abs=1e-9)
            assert [feature["stop_name"], feature["stop_rank"]] == by_member[members[index]]
            near = to_input.transform(QgsPointXY(lon[index], lat[index]))
            assert feature["nearest_x"] == pytest.approx(near.x(), abs=1e-6)
            assert feature["nearest_y"] == pytest.approx(near.y(), abs=1e-6)
            point = feature.geometry().asPoint()
            assert (feature["feature_x"], feature["feature_y"]) == (point.x(), point.y())


def test_the_output_is_shaped_as_native_joinbynearest(provider, redis_url, stops):
    """Same fields and the same matches as native:joinbynearest on a layer of the members,
    except where planar (EPSG:28992) and geodesic distances rank the members differently."""
    from qgis import processing

    stops_layer, members, lon, lat, by_member = stops
    layer, _, _ = inputs(2000, seed=43)
    ours, _ = run({"INPUT": layer, "KEY": "stops", "NEIGHBORS": 2, "PREFIX": "j_"})
    stored = QgsVectorLayer("Point?crs=EPSG:4326", "members", "memory")
    fields = [QgsField("member", FieldType.STRING), *stops_layer.fields()]
    assert stored.dataProvider().addAttributes(fields)
    stored.updateFields()
    features = []
    for member, x, y in zip(members.tolist(), lon.tolist(), lat.tolist()):
        feature = QgsFeature(stored.fields())
        feature.setAttributes([member, *by_member[member]])
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        features.append(feature)
    assert stored.dataProvider().addFeatures(features)[0]
    native = processing.run(
        "native:joinbynearest",
        {"INPUT": layer, "INPUT_2": stored, "NEIGHBORS": 2, "PREFIX": "j_", "OUTPUT": "memory:"},
    )["OUTPUT"]
    assert ours.fields().names() == native.fields().names()
    for got, expected in zip(ours.fields(), native.fields()):
        assert got.type() == expected.type(), got.name()
    pairs = lambda layer_: sorted((f["id"], f["n"], f["j_member"]) for f in layer_.getFeatures())  # noqa: E731
    ours_pairs, native_pairs = pairs(ours), pairs(native)
    assert len(ours_pairs) == len(native_pairs) == 4000
    differ = sum(a != b for a, b in zip(ours_pairs, native_pairs))
    assert differ < 40  # the planar-versus-geodesic ranking cases (about 0.2% here)


def test_points_beyond_the_maximum_distance_are_unjoinable(provider, redis_url, stops):
    _, _, lon, lat, _ = stops
    far = [(-30.0, 40.0), (60.0, 10.0)]  # in the Atlantic and the Arabian Sea
    extra = point_layer(*zip(*far), crs="EPSG:4326", fields=[QgsField("id", FieldType.INT)],
                        values=[[1000], [1001]])  # fmt: skip
    combined = QgsVectorLayer("Point?crs=EPSG:4326", "mixed", "memory")
    assert combined.dataProvider().addAttributes([QgsField("id", FieldType.INT)])
    combined.updateFields()
    assert combined.dataProvider().addFeatures(
        [*extra.getFeatures(), QgsFeature(combined.fields())]  # one without geometry
    )[0]
    joined, result = run({"INPUT": combined, "KEY": "stops", "MAX_DISTANCE": 500, "UNIT": 1})
    assert (result["JOINED_COUNT"], result["UNJOINABLE_COUNT"]) == (0, 3)
    assert joined.featureCount() == 3
    for feature in joined.getFeatures():
        assert all(v == NULL for v in feature.attributes()[1:])
    discarded, result = run(
        {"INPUT": combined, "KEY": "stops", "MAX_DISTANCE": 500, "UNIT": 1,
         "DISCARD_NONMATCHING": True}
    )  # fmt: skip
    assert discarded.featureCount() == 0 and result["UNJOINABLE_COUNT"] == 3
    # without a limit, the far points join their geodesic nearest, thousands of km away
    anywhere, result = run({"INPUT": combined, "KEY": "stops", "UNIT": 1})
    assert (result["JOINED_COUNT"], result["UNJOINABLE_COUNT"]) == (2, 1)
    for feature in anywhere.getFeatures():
        if feature.hasGeometry():
            point = feature.geometry().asPoint()
            distance = geoset.geodesic_m(point.x(), point.y(), lon, lat)
            assert feature["distance"] == pytest.approx(distance.min() / 1000, abs=1e-9)
            assert feature["distance"] > 1000


def test_a_polygon_layer_gets_a_clear_message(provider, redis_url, stops):
    zones = QgsVectorLayer("Polygon?crs=EPSG:4326", "zones", "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromWkt("Polygon ((4 52, 5 52, 5 53, 4 52))"))
    assert zones.dataProvider().addFeatures([feature])[0]
    with pytest.raises(QgsProcessingException, match="'zones' is not a point layer"):
        run({"INPUT": zones, "KEY": "stops"})


def test_an_unknown_set_says_what_to_do(provider, redis_url):
    layer, _, _ = inputs(5, seed=45)
    with pytest.raises(QgsProcessingException, match="There is no geo set 'nothing here'"):
        run({"INPUT": layer, "KEY": "nothing here"})


def test_the_join_reports_progress_and_stops_when_canceled(provider, redis_url, stops):
    layer, _, _ = inputs(9000, seed=46)

    class Cancelling(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.seen = []

        def setProgress(self, progress):
            self.seen.append(progress)
            super().setProgress(progress)
            if progress >= 40:
                self.cancel()

    feedback = Cancelling()
    joined, _ = run({"INPUT": layer, "KEY": "stops"}, feedback)
    assert feedback.seen and feedback.seen[0] < 40 <= feedback.seen[-1] < 100
    assert 0 < joined.featureCount() < 9000


def test_the_algorithm_is_registered_with_help(provider):
    definition = QgsApplication.processingRegistry().algorithmById("georedis:joinbynearest")
    assert definition.group() == "Geo sets" and definition.shortHelpString()
    assert all(p.help() for p in definition.parameterDefinitions())
    native = QgsApplication.processingRegistry().algorithmById("native:joinbynearest")
    assert [o.name() for o in definition.outputDefinitions()] == [
        o.name() for o in native.outputDefinitions()
    ]


def test_replies_read_by_redis_py_where_hiredis_is_missing_join_the_same(
    provider, redis_url, stops, monkeypatch
):
    from georedis_plugin.core.geoset import many

    layer, _, _ = inputs(1500, seed=47)
    parameters = {"INPUT": layer, "KEY": "stops", "NEIGHBORS": 2}
    with_hiredis, _ = run(parameters)
    monkeypatch.setattr(many, "hiredis", None)
    without, _ = run(parameters)
    rows = lambda out: [(f["id"], f["n"], f["member"], f["distance"]) for f in out.getFeatures()]  # noqa: E731
    assert rows(with_hiredis) == rows(without) and len(rows(without)) == 3000


def test_unjoinable_features_go_to_non_matching_as_they_are(provider, redis_url, stops):
    from qgis import processing

    layer = QgsVectorLayer("Point?crs=EPSG:4326&field=id:integer", "mixed", "memory")
    features = []
    for number, wkt in enumerate(["Point (-30 40)", "Point (5 52)", None, "Point (60 10)"]):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([number])
        if wkt:
            feature.setGeometry(QgsGeometry.fromWkt(wkt))
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]
    parameters = {"INPUT": layer, "KEY": "stops", "MAX_DISTANCE": 500, "UNIT": 1}
    for discard in (False, True):
        result = processing.run(
            "georedis:joinbynearest",
            {**parameters, "DISCARD_NONMATCHING": discard, "OUTPUT": "memory:",
             "NON_MATCHING": "memory:"},
        )  # fmt: skip
        unjoined = result["NON_MATCHING"]
        assert unjoined.fields().names() == ["id"]
        assert unjoined.wkbType() == layer.wkbType()
        assert sorted(f["id"] for f in unjoined.getFeatures()) == [0, 2, 3]
        by_id = {f["id"]: f.geometry().asWkt() for f in unjoined.getFeatures()}
        assert by_id[0] == "Point (-30 40)" and by_id[2] == ""
        assert result["OUTPUT"].featureCount() == (1 if discard else 4)
    # only the unjoinable features asked for, as native allows
    result = processing.run(
        "georedis:joinbynearest", {**parameters, "OUTPUT": None, "NON_MATCHING": "memory:"}
    )
    assert "OUTPUT" not in result and result["NON_MATCHING"].featureCount() == 3
    assert (result["JOINED_COUNT"], result["UNJOINABLE_COUNT"]) == (1, 3)


def test_a_multipoint_joins_the_members_nearest_any_of_its_points(provider, redis_url, stops):
    """As native:joinbynearest: distances from the nearest part, feature_x/y on that part,
    the multipoint itself as geometry; several parts are joinable, not skipped."""
    _, members, lon, lat, _ = stops
    layer = QgsVectorLayer("MultiPoint?crs=EPSG:4326&field=id:integer", "multi", "memory")
    rng = np.random.default_rng(47)
    features, parts_of = [], {}
    for number in range(60):
        count = int(rng.integers(1, 5))
        parts = list(
            zip(rng.uniform(3.5, 7.0, count).tolist(), rng.uniform(50.8, 53.5, count).tolist())
        )
        parts_of[number] = parts
        feature = QgsFeature(layer.fields())
        feature.setAttributes([number])
        wkt = ", ".join(f"({x!r} {y!r})" for x, y in parts)
        feature.setGeometry(QgsGeometry.fromWkt(f"MultiPoint ({wkt})"))
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]
    joined, result = run({"INPUT": layer, "KEY": "stops", "NEIGHBORS": 3, "PREFIX": "stop_"})
    assert (result["JOINED_COUNT"], result["UNJOINABLE_COUNT"]) == (60, 0)
    assert joined.wkbType() == layer.wkbType()
    got = {}
    for feature in joined.getFeatures():
        got.setdefault(feature["id"], []).append(feature)
    for number, parts in parts_of.items():
        by_part = np.array([geoset.geodesic_m(x, y, lon, lat) for x, y in parts])
        nearest = np.argsort(by_part.min(axis=0), kind="stable")[:3]
        rows = sorted(got[number], key=lambda f: f["n"])
        assert [f["stop_member"] for f in rows] == members[nearest].tolist()
        assert [f["n"] for f in rows] == [1, 2, 3]
        for feature, index in zip(rows, nearest):
            part = int(np.argmin(by_part[:, index]))
            assert (feature["feature_x"], feature["feature_y"]) == parts[part]
            assert feature["distance"] == pytest.approx(by_part[part, index], abs=1e-6)
            assert feature.geometry().constGet().numGeometries() == len(parts)


POINT_WKTS = st.one_of(
    st.builds(
        lambda x, y, z, m, kind: {
            "xy": f"Point ({x!r} {y!r})",
            "z": f"PointZ ({x!r} {y!r} {z!r})",
            "m": f"PointM ({x!r} {y!r} {m!r})",
            "zm": f"PointZM ({x!r} {y!r} {z!r} {m!r})",
        }[kind],
        *[st.floats(-1e7, 1e7, allow_nan=False)] * 4,
        st.sampled_from(["xy", "z", "m", "zm"]),
    ),
    st.sampled_from(["Point EMPTY", "PointZ EMPTY", None, "MultiPoint ((1 2), (3 4))"]),
)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(POINT_WKTS, max_size=40))
def test_points_read_from_their_wkb_are_the_points_read_one_by_one(wkts):
    """The join's bulk read of a batch's points (``_single_points``) against the per-feature
    read: the same parts, or None (then the per-feature read) where the batch is not all
    single points of one dimension."""
    from georedis_plugin.processing.algorithms.join_by_nearest import (
        _parts_one_by_one,
        _single_points,
    )

    batch = []
    for wkt in wkts:
        feature = QgsFeature()
        if wkt is not None:
            feature.setGeometry(QgsGeometry.fromWkt(wkt))
        batch.append(feature)
    bulk = _single_points(batch)
    reference = _parts_one_by_one(batch)
    if bulk is None:
        assert (
            any(w and w.startswith("Multi") for w in wkts)
            or len({len(QgsGeometry.fromWkt(w).asWkb()) for w in wkts if w}) > 1
        )
        return
    for got, expected in zip(bulk, reference):
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
