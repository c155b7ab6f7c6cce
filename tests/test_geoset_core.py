"""Geo sets in core: loading (CRS, skipped, duplicates, attributes, atomic reload) and searches.

Expected results come from Redis's own GEOADD/GEOPOS, a brute-force haversine on Redis's Earth
radius, and QGIS geometry predicates; nothing is hard-coded.
"""

import math
import threading

import numpy as np
import pytest
from qgis.core import (
    NULL,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPoint,
    QgsPointXY,
    QgsProject,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QDate
from redis.crc import key_slot

from georedis_plugin.core import geoset
from georedis_plugin.core.compat import FieldType
from georedis_plugin.core.errors import GeoRedisError

PREFIX = "georedis"
BOUNDARY_M = 1.0


def random_points(n, seed=7, lon=(-10.0, 10.0), lat=(40.0, 50.0)):
    rng = np.random.default_rng(seed)
    return rng.uniform(*lon, n), rng.uniform(*lat, n)


def point_layer(lons, lats, crs="EPSG:4326", fields=(), values=None, kind="Point"):
    """A memory layer with the given WGS84 points transformed to ``crs``."""
    layer = QgsVectorLayer(f"{kind}?crs={crs}", "points", "memory")
    if fields:
        assert layer.dataProvider().addAttributes(list(fields))
        layer.updateFields()
    transform = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:4326"),
        QgsCoordinateReferenceSystem(crs),
        QgsProject.instance(),
    )
    features = []
    for i, (x, y) in enumerate(zip(lons, lats)):
        feature = QgsFeature(layer.fields())
        if values is not None:
            feature.setAttributes(values[i])
        point = transform.transform(QgsPointXY(float(x), float(y)))
        feature.setGeometry(QgsGeometry.fromPointXY(point))
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)
    return layer


def load(client, name, source, **kwargs):
    return geoset.load_layer(client, PREFIX, name, source, **kwargs)


def positions(client, key, members):
    """member -> (lon, lat) as Redis decodes them (what GEOSEARCH measures from)."""
    raw = client.geopos(key, *members)
    return {m: p for m, p in zip(members, raw)}


def test_scores_equal_geoadd_member_by_member(redis_client):
    lons, lats = random_points(3000, seed=1, lon=(-180, 180), lat=(-85.05112878, 85.05112878))
    lons[:4] = [-180.0, 180.0, 0.0, 179.9999999]
    lats[:4] = [-85.05112878, 85.05112878, 0.0, -0.0000001]
    layer = point_layer(lons, lats)
    result = load(redis_client, "scores", layer)
    assert result.loaded == 3000
    ids = sorted(layer.allFeatureIds())
    redis_client.geoadd(
        "reference", [v for i, fid in enumerate(ids) for v in (float(lons[i]), float(lats[i]), fid)]
    )
    with redis_client.pipeline(transaction=False) as pipe:
        for fid in ids:
            pipe.zscore(result.key, fid)
            pipe.zscore("reference", fid)
        scores = pipe.execute()
    assert scores[0::2] == scores[1::2]
    assert redis_client.type(result.key) == b"zset"


def test_decoded_scores_are_the_coordinates_redis_reports(redis_client):
    lons, lats = random_points(3000, seed=2, lon=(-180, 180), lat=(-85.05112878, 85.05112878))
    lons[:4] = [-180.0, 180.0, 0.0, 179.9999999]
    lats[:4] = [-85.05112878, 85.05112878, 0.0, -0.0000001]
    redis_client.geoadd(
        "reference", [v for i in range(3000) for v in (float(lons[i]), float(lats[i]), i)]
    )
    members = list(range(3000))
    scores = np.array([int(s) for s in redis_client.zmscore("reference", members)], np.uint64)
    lon, lat = geoset.decode_scores(scores)
    expected = redis_client.geopos("reference", *members)
    # Redis 7 prints coordinates with 17 decimals, Redis 8 the shortest text that reads back
    # as the same double: ours equal what the server printed, exactly or printed the same way
    for ours, reported in ((lon, [p[0] for p in expected]), (lat, [p[1] for p in expected])):
        assert [v if v == r else float(f"{v:.17f}") for v, r in zip(ours, reported)] == reported
    assert np.abs(lon - [p[0] for p in expected]).max() < 1e-16


def test_member_names_are_feature_ids_or_the_id_field(redis_client):
    lons, lats = random_points(5)
    layer = point_layer(
        lons,
        lats,
        fields=[QgsField("code", FieldType.STRING)],
        values=[[f"c{i}"] for i in range(5)],
    )
    by_id = load(redis_client, "by_id", layer)
    by_code = load(redis_client, "by_code", layer, id_field="code")
    ids = {str(fid).encode() for fid in layer.allFeatureIds()}
    assert set(redis_client.zrange(by_id.key, 0, -1)) == ids
    assert set(redis_client.zrange(by_code.key, 0, -1)) == {f"c{i}".encode() for i in range(5)}


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:3857", "EPSG:2154"])
def test_points_in_any_crs_land_where_they_are_in_wgs84(redis_client, crs):
    lons, lats = random_points(200, seed=3, lon=(-4.0, 7.0), lat=(43.0, 50.0))
    layer = point_layer(lons, lats, crs=crs)
    result = load(redis_client, f"crs {crs}", layer)
    assert (result.loaded, result.skipped) == (200, 0)
    ids = sorted(layer.allFeatureIds())
    redis_client.geoadd(
        "reference", [v for i, f in enumerate(ids) for v in (float(lons[i]), float(lats[i]), f)]
    )
    stored = redis_client.geopos(result.key, *ids)
    expected = redis_client.geopos("reference", *ids)
    for (x1, y1), (x2, y2) in zip(stored, expected):
        assert geoset.haversine_m(x1, y1, x2, y2) < 0.01


def test_unindexable_points_are_skipped_and_counted(redis_client):
    layer = QgsVectorLayer("Point?crs=EPSG:4326", "bad", "memory")
    geometries = [
        QgsGeometry.fromPointXY(QgsPointXY(1, 2)),
        QgsGeometry.fromPointXY(QgsPointXY(1, 85.06)),
        QgsGeometry.fromPointXY(QgsPointXY(1, -86)),
        QgsGeometry.fromPointXY(QgsPointXY(180.5, 0)),
        QgsGeometry.fromPointXY(QgsPointXY(math.nan, 0)),
        QgsGeometry(),
        QgsGeometry(QgsPoint()),
        QgsGeometry.fromPointXY(QgsPointXY(-180, -85.05112878)),
    ]
    features = []
    for geometry in geometries:
        feature = QgsFeature()
        feature.setGeometry(geometry)
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]
    result = load(redis_client, "bad", layer)
    assert (result.loaded, result.skipped) == (2, 6)
    assert redis_client.zcard(result.key) == 2
    info = geoset.geoset_info(redis_client, PREFIX, "bad")
    assert info.meta["skipped"] == "6"


def test_duplicate_member_names_are_counted_and_the_last_feature_wins(redis_client):
    lons, lats = [1.0, 2.0, 3.0, 4.0], [45.0, 46.0, 47.0, 48.0]
    layer = point_layer(
        lons,
        lats,
        fields=[QgsField("code", FieldType.STRING)],
        values=[["a"], ["b"], ["a"], ["a"]],
    )
    result = load(redis_client, "dups", layer, id_field="code")
    assert (result.loaded, result.duplicates) == (2, 2)
    ((lon, lat),) = redis_client.geopos(result.key, "a")
    assert (round(lon, 4), round(lat, 4)) == (4.0, 48.0)


def test_features_without_a_member_name_are_skipped_and_counted(redis_client):
    layer = point_layer(
        [1.0, 2.0, 3.0, 4.0],
        [45.0, 46.0, 47.0, 48.0],
        fields=[QgsField("code", FieldType.STRING)],
        values=[["a"], [None], [""], ["d"]],
    )
    result = load(redis_client, "unnamed", layer, id_field="code")
    assert (result.loaded, result.skipped, result.duplicates) == (2, 2, 0)
    assert set(redis_client.zrange(result.key, 0, -1)) == {b"a", b"d"}


def test_multipoint_parts_become_numbered_members(redis_client):
    layer = QgsVectorLayer("MultiPoint?crs=EPSG:4326", "multi", "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromWkt("MultiPoint ((1 45), (2 46), (3 99))"))
    single = QgsFeature()
    single.setGeometry(QgsGeometry.fromWkt("MultiPoint ((5 45))"))
    assert layer.dataProvider().addFeatures([feature, single])[0]
    fid, single_fid = sorted(layer.allFeatureIds())
    result = load(redis_client, "multi", layer)
    assert (result.loaded, result.skipped) == (3, 1)
    members = set(redis_client.zrange(result.key, 0, -1))
    assert members == {f"{fid}#1".encode(), f"{fid}#2".encode(), f"{single_fid}#1".encode()}


def test_lines_are_refused_with_advice(redis_client):
    layer = QgsVectorLayer("LineString?crs=EPSG:4326", "lines", "memory")
    with pytest.raises(GeoRedisError, match="not a point layer"):
        load(redis_client, "lines", layer)


ATTRIBUTE_FIELDS = [
    QgsField("count", FieldType.INT),
    QgsField("value", FieldType.DOUBLE),
    QgsField("label", FieldType.STRING),
    QgsField("day", FieldType.DATE),
    QgsField("big", FieldType.LONG_LONG),
]
ATTRIBUTE_VALUES = [
    [1, 2.5, "Zürich — 東京 ✓", QDate(2024, 2, 29), 2**40],
    [None, None, None, None, None],
    [-7, -0.125, "", QDate(1900, 1, 1), -(2**40)],
]


def test_attributes_round_trip_with_their_types(redis_client):
    layer = point_layer(
        [1.0, 1.001, 1.002], [45.0, 45.0, 45.0], fields=ATTRIBUTE_FIELDS, values=ATTRIBUTE_VALUES
    )
    result = load(redis_client, "attrs", layer, store_attributes=True)
    assert redis_client.hlen(f"{result.key}:attrs") == 3
    hits = geoset.GeoSet(redis_client, PREFIX, "attrs").radius(1.0, 45.0, 10, "km")
    hit_layer = geoset.hit_layer(hits)
    fields = hit_layer.fields()
    assert fields.names() == ["member", "distance"] + [f.name() for f in ATTRIBUTE_FIELDS]
    for source_field in ATTRIBUTE_FIELDS:
        assert fields.field(source_field.name()).type() == source_field.type()
    source = {str(f.id()): f.attributes() for f in layer.getFeatures()}
    got = {f["member"]: f.attributes()[2:] for f in hit_layer.getFeatures()}
    assert got == source
    assert hit_layer.crs().authid() == "EPSG:4326"


BULK_FIELDS = [
    QgsField("count", FieldType.INT),
    QgsField("value", FieldType.DOUBLE, "double", 12, 3),
    QgsField("label", FieldType.STRING, "string", 40),
    QgsField("big", FieldType.LONG_LONG),
    QgsField("flag", FieldType.BOOL),
    QgsField("distance", FieldType.DOUBLE),  # clashes with the hit layer's own field
]
BULK_VALUES = [
    [1, 2.5, "Zürich — 東京 ✓", 2**40, True, 1.5],
    [None, None, None, None, None, None],
    [-7, -0.125, "", -(2**40), False, 0.0],
    [2**31 - 1, 1e300, 'a, "b"\nc', 0, None, None],
]


def test_attributes_of_plain_types_are_built_in_bulk_with_their_types(redis_client):
    lons = [1.0 + i * 0.001 for i in range(len(BULK_VALUES))]
    layer = point_layer(lons, [45.0] * len(lons), fields=BULK_FIELDS, values=BULK_VALUES)
    load(redis_client, "bulk", layer, store_attributes=True)
    result = geoset.GeoSet(redis_client, PREFIX, "bulk").radius(1.0, 45.0, 10, "km")
    table = geoset.HitTable(result)
    assert table.flatgeobuf() is not None  # not the per-feature fallback
    bulk = geoset.hit_layer(result)
    one_by_one = QgsVectorLayer("Point?crs=EPSG:4326", "slow", "memory")
    assert one_by_one.dataProvider().addAttributes(table.fields.toList())
    one_by_one.updateFields()
    assert one_by_one.dataProvider().addFeatures(list(table.features()))[0]
    assert bulk.fields().names() == one_by_one.fields().names()
    assert bulk.fields().names()[-1] == "distance_2"
    for got, expected in zip(bulk.fields(), one_by_one.fields()):
        assert got.type() == expected.type(), got.name()
    for source_field in BULK_FIELDS[:3]:
        got = bulk.fields().field(source_field.name())
        assert (got.length(), got.precision()) == (source_field.length(), source_field.precision())
    source = {str(f.id()): f.attributes() for f in layer.getFeatures()}
    got = {f["member"]: f.attributes()[2:] for f in bulk.getFeatures()}
    assert got == source
    assert [f.attributes() for f in bulk.getFeatures()] == [
        f.attributes() for f in one_by_one.getFeatures()
    ]


def test_searches_follow_a_reload_that_adds_or_drops_the_attributes(redis_client):
    layer = point_layer([1.0, 1.001], [45.0, 45.0], fields=BULK_FIELDS[:1], values=[[1], [2]])
    gs = geoset.GeoSet(redis_client, PREFIX, "toggle")
    for store in (True, False, True, False):
        load(redis_client, "toggle", layer, store_attributes=store)
        hits = gs.radius(1.0, 45.0, 1, "km")
        assert len(hits) == 2
        assert (hits.rows is not None) == store
        assert geoset.hit_layer(hits).fields().names()[2:] == (["count"] if store else [])
        with pytest.raises(GeoRedisError, match="not a member"):
            gs.around_member("nobody", 1, "km")
    geoset.delete_geoset(redis_client, PREFIX, "toggle")
    with pytest.raises(GeoRedisError, match="There is no geo set 'toggle'"):
        gs.radius(1.0, 45.0, 1, "km")


def test_attribute_values_json_cannot_hold_come_back_null(redis_client):
    layer = point_layer(
        [1.0, 1.001],
        [45.0, 45.0],
        fields=ATTRIBUTE_FIELDS[1:3],
        values=[[math.nan, "nan next door"], [math.inf, "inf"]],
    )
    result = load(redis_client, "nan", layer, store_attributes=True)
    assert result.loaded == 2
    hits = geoset.hit_layer(geoset.GeoSet(redis_client, PREFIX, "nan").radius(1.0, 45.0, 1, "km"))
    values = {f["label"]: f["value"] for f in hits.getFeatures()}
    assert set(values) == {"nan next door", "inf"}
    assert all(value is None or value == NULL for value in values.values())


def test_attributes_are_one_hash_on_the_same_slot_as_the_set(redis_client):
    layer = point_layer([1.0], [45.0], fields=ATTRIBUTE_FIELDS[:1], values=[[1]])
    name = "a name: with {braces}, spaces and % signs"
    load(redis_client, name, layer, store_attributes=True)
    keys = geoset.GeoSetKeys.for_name(PREFIX, name)
    assert {redis_client.type(k) for k in (keys.attrs, keys.meta)} == {b"hash"}
    assert len({key_slot(k.encode()) for k in (keys.geo, keys.attrs, keys.meta)}) == 1
    tag = keys.geo[keys.geo.index("{") + 1 : keys.geo.index("}")]
    assert geoset.decode_tag(tag) == name
    assert [info.name for info in geoset.list_geosets(redis_client, PREFIX)] == [name]


def test_reload_is_atomic_for_a_concurrent_reader(redis_client):
    lons, lats = random_points(20000, seed=5, lon=(0.0, 1.0), lat=(45.0, 46.0))
    fields = [QgsField("code", FieldType.STRING)]
    layers = [
        point_layer(lons, lats, fields=fields, values=[[f"{gen}-{i}"] for i in range(len(lons))])
        for gen in ("old", "new")
    ]
    load(redis_client, "atomic", layers[0], id_field="code")
    gs = geoset.GeoSet(redis_client, PREFIX, "atomic")
    seen, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            hits = gs.radius(0.5, 45.5, 500, "km")
            seen.append((len(hits), {m.split("-")[0] for m in hits.members}))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for round_number in range(6):
            load(redis_client, "atomic", layers[(round_number + 1) % 2], id_field="code")
    finally:
        stop.set()
        thread.join()
    assert len(seen) > 3
    for count, generations in seen:
        assert count == len(lons)
        assert len(generations) == 1
    assert not [k for k in redis_client.scan_iter("*tmp*")]


def test_hits_and_their_attributes_come_from_the_same_load(redis_client):
    lons, lats = random_points(3000, seed=6, lon=(0.0, 1.0), lat=(45.0, 46.0))
    fields = [QgsField("code", FieldType.STRING)]
    layers = [
        point_layer(lons, lats, fields=fields, values=[[f"{gen}-{i}"] for i in range(len(lons))])
        for gen in ("old", "new")
    ]
    load(redis_client, "paired", layers[0], id_field="code", store_attributes=True)
    gs = geoset.GeoSet(redis_client, PREFIX, "paired")
    mismatches, reads, stop = [], [], threading.Event()

    def reader():
        while not stop.is_set():
            hits = gs.radius(0.5, 45.5, 500, "km")
            reads.append(len(hits))
            decoded = geoset.decode_rows(hits.fields, hits.rows)
            for member, row, values in zip(hits.members, hits.rows, decoded):
                values = values if row else None
                if values is None or values[0] != member:
                    mismatches.append((member, values))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for round_number in range(8):
            load(
                redis_client,
                "paired",
                layers[(round_number + 1) % 2],
                id_field="code",
                store_attributes=True,
            )
    finally:
        stop.set()
        thread.join()
    assert len(reads) > 3 and set(reads) == {len(lons)}
    assert mismatches == []


@pytest.fixture
def loaded(redis_client):
    lons, lats = random_points(20000, seed=11, lon=(2.0, 3.0), lat=(48.5, 49.2))
    layer = point_layer(lons, lats)
    result = load(redis_client, "paris", layer)
    members = [str(f) for f in sorted(layer.allFeatureIds())]
    stored = redis_client.geopos(result.key, *members)
    lon = np.array([p[0] for p in stored])
    lat = np.array([p[1] for p in stored])
    return geoset.GeoSet(redis_client, PREFIX, "paris"), np.array(members), lon, lat


def assert_same_except_near_boundary(hits, members, inside, near):
    got = set(hits.members)
    assert got >= set(members[inside & ~near])
    assert not (got & set(members[~inside & ~near]))


def test_radius_hits_on_the_sphere_equal_brute_force_haversine(loaded):
    gs, members, lon, lat = loaded
    center = (2.35, 48.85)
    for radius_m in (500.0, 5_000.0, 20_000.0):
        hits = gs.radius(*center, radius_m, "m", distances=geoset.SPHERE)
        distance = geoset.haversine_m(center[0], center[1], lon, lat)
        inside = distance <= radius_m
        near = np.abs(distance - radius_m) <= BOUNDARY_M
        assert_same_except_near_boundary(hits, members, inside, near)
        assert list(hits.distances) == sorted(hits.distances)


MEMBER_NAMES = ["plain", 'Zürich, "quoted"', "東京 ✓", "a" * 300, "x", "with\nnewline", "0"]


def test_hit_layer_is_exactly_the_raw_geosearch_reply(redis_client):
    lons, lats = random_points(len(MEMBER_NAMES), seed=4, lon=(2.0, 2.01), lat=(48.0, 48.01))
    layer = point_layer(
        lons,
        lats,
        fields=[QgsField("name", FieldType.STRING)],
        values=[[n] for n in MEMBER_NAMES],
    )
    load(redis_client, "names", layer, id_field="name")
    key = geoset.GeoSetKeys.for_name(PREFIX, "names").geo
    for unit, radius in (("m", 5000), ("km", 5), ("mi", 3), ("ft", 10000)):
        raw = redis_client.execute_command(
            "GEOSEARCH", key, "FROMLONLAT", 2.005, 48.005, "BYRADIUS", radius, unit, "ASC",
            "WITHCOORD", "WITHDIST",
        )  # fmt: skip
        result = geoset.GeoSet(redis_client, PREFIX, "names").radius(
            2.005, 48.005, radius, unit, distances=geoset.SPHERE
        )
        hits = geoset.hit_layer(result)
        assert geoset.HitTable(result).flatgeobuf() is not None  # not the fallback
        assert hits.providerType() == "memory"
        assert hits.fields().names() == ["member", "distance"]
        got = [
            (
                f["member"],
                f["distance"],
                float(f"{f.geometry().asPoint().x():.17f}"),
                float(f"{f.geometry().asPoint().y():.17f}"),
            )
            for f in hits.getFeatures()
        ]
        expected = [
            (m.decode(), float(d), float(x), float(y)) for m, d, (x, y) in raw
        ]  # fmt: skip
        assert got == expected
        assert len(got) == len(MEMBER_NAMES)


def test_hit_layer_of_no_hits_is_an_empty_point_layer(redis_client):
    load(redis_client, "few", point_layer([1.0], [45.0]))
    hits = geoset.hit_layer(geoset.GeoSet(redis_client, PREFIX, "few").radius(50, 10, 1, "m"))
    assert hits.featureCount() == 0
    assert hits.fields().names() == ["member", "distance"]
    assert hits.crs().authid() == "EPSG:4326"
    assert hits.geometryType() == QgsWkbTypes.GeometryType.PointGeometry


@pytest.mark.parametrize("unit", ["km", "mi", "ft"])
def test_units_give_the_same_hits_with_converted_distances(loaded, unit):
    gs, *_ = loaded
    radius_m = 7_500.0
    in_m = gs.radius(2.4, 48.9, radius_m, "m")
    in_unit = gs.radius(2.4, 48.9, radius_m / geoset.UNIT_METERS[unit], unit)
    assert len(in_m) > 100
    difference = set(in_m.members) ^ set(in_unit.members)
    for member in difference:
        index = list(in_m.members).index(member) if member in in_m.members else None
        assert index is None or abs(in_m.distances[index] - radius_m) < BOUNDARY_M
    common = [m for m in in_unit.members if m in set(in_m.members)]
    by_member = dict(zip(in_m.members, in_m.distances))
    for member, distance in zip(in_unit.members, in_unit.distances):
        if member in common:
            assert distance * geoset.UNIT_METERS[unit] == pytest.approx(by_member[member], abs=1)


def test_count_keeps_the_nearest(loaded):
    gs, *_ = loaded
    everything = gs.radius(2.5, 48.8, 10, "km")
    first = gs.radius(2.5, 48.8, 10, "km", count=25)
    assert len(everything) > 25
    assert list(first.distances) == list(everything.distances[:25])


def test_box_hits_on_the_sphere_follow_redis_box_rule(loaded):
    gs, members, lon, lat = loaded
    center, width, height = (2.5, 48.85), 30_000.0, 12_000.0
    hits = gs.box(*center, width / 1000, height / 1000, "km", distances=geoset.SPHERE)
    dy = geoset.haversine_m(0, center[1], 0, lat)
    dx = geoset.haversine_m(center[0], lat, lon, lat)
    inside = (dy <= height / 2) & (dx <= width / 2)
    near = (np.abs(dy - height / 2) <= BOUNDARY_M) | (np.abs(dx - width / 2) <= BOUNDARY_M)
    assert_same_except_near_boundary(hits, members, inside, near)


def test_search_around_a_member_equals_search_around_its_position(loaded):
    gs, members, lon, lat = loaded
    member = members[1234]
    around = gs.around_member(member, 3, "km")
    at_position = gs.radius(lon[1234], lat[1234], 3, "km")
    assert around.members[0] == member
    assert set(around.members) == set(at_position.members)


def test_unknown_member_says_what_to_check(loaded):
    gs, *_ = loaded
    with pytest.raises(GeoRedisError, match="not a member"):
        gs.around_member("no such member", 1, "km")


def test_polygon_hits_equal_qgis_intersects(loaded):
    gs, members, lon, lat = loaded
    polygon = QgsGeometry.fromWkt(
        "Polygon ((2.1 48.6, 2.9 48.7, 2.6 49.1, 2.3 48.8, 2.15 49.0, 2.1 48.6),"
        " (2.4 48.7, 2.5 48.7, 2.5 48.75, 2.4 48.7))"
    )
    hits = gs.polygon(polygon, "km")
    expected = {
        m
        for m, x, y in zip(members, lon, lat)
        if polygon.intersects(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
    }
    assert len(expected) > 1000
    assert set(hits.members) == expected
    assert list(hits.distances) == sorted(hits.distances)


@pytest.mark.parametrize("shift", [0.0, -360.0])
def test_polygon_across_the_antimeridian(redis_client, shift):
    """Pacific polygons are written with longitudes past ±180 (170..190, or -190..-170)."""
    rng = np.random.default_rng(11)
    lons = rng.uniform(-180.0, 180.0, 20_000)
    lats = rng.uniform(-20.0, 20.0, 20_000)
    load(redis_client, "pacific", point_layer(lons, lats))
    west, east = 172.0 + shift, 187.0 + shift  # 172°E to 173°W
    polygon = QgsGeometry.fromWkt(
        f"Polygon (({west} -10, {east} -8, {east} 12, {west} 10, {west} -10))"
    )
    hits = geoset.GeoSet(redis_client, PREFIX, "pacific").polygon(polygon, "km")
    key = f"{PREFIX}:geo:{{pacific}}"
    members = [str(i + 1) for i in range(len(lons))]
    where = positions(redis_client, key, members)
    expected = set()
    for member in members:
        x, y = where[member]
        for turn in (0.0, 360.0, -360.0):
            if polygon.intersects(QgsGeometry.fromPointXY(QgsPointXY(x + turn, y))):
                expected.add(member)
    assert len(expected) > 100
    assert any(where[m][0] < 0 for m in expected) and any(where[m][0] > 0 for m in expected)
    assert set(hits.members) == expected


def test_unknown_set_and_wrong_key_type_say_what_to_do(redis_client):
    with pytest.raises(GeoRedisError, match="There is no geo set 'nothing'"):
        geoset.GeoSet(redis_client, PREFIX, "nothing").radius(0, 0, 1, "km")
    redis_client.set(f"{PREFIX}:geo:{{text}}", "a string")
    with pytest.raises(GeoRedisError, match="holds a string, not a geo set"):
        geoset.GeoSet(redis_client, PREFIX, "text").radius(0, 0, 1, "km")
    with pytest.raises(GeoRedisError, match="Unknown distance unit"):
        geoset.GeoSet(redis_client, PREFIX, "text").radius(0, 0, 1, "yards")


def test_a_centre_redis_cannot_index_says_which_range_works(loaded):
    gs, *_ = loaded
    with pytest.raises(GeoRedisError, match=r"latitudes up to ±85\.05112878°"):
        gs.radius(2.0, 89.0, 1, "km")


def test_list_and_delete_sets(redis_client):
    load(redis_client, "one", point_layer(*random_points(3)))
    load(redis_client, "two", point_layer(*random_points(5)))
    infos = geoset.list_geosets(redis_client, PREFIX)
    assert [(i.name, i.count) for i in infos] == [("one", 3), ("two", 5)]
    assert infos[0].meta["source"] == "points"
    assert infos[0].meta["crs"] == "EPSG:4326"
    assert geoset.delete_geoset(redis_client, PREFIX, "one") == 2
    assert [i.name for i in geoset.list_geosets(redis_client, PREFIX)] == ["two"]


def test_names_that_look_like_temporary_keys_are_listed(redis_client):
    for name in ("a:tmp:b", "x}:meta"):
        load(redis_client, name, point_layer(*random_points(2)))
    redis_client.hset(f"{PREFIX}:geo:{{other}}:tmp:1:meta", "count", 1)  # not one of ours
    assert [i.name for i in geoset.list_geosets(redis_client, PREFIX)] == ["a:tmp:b", "x}:meta"]


def test_bulk_and_per_feature_reads_agree_on_names_rows_and_counts(redis_client):
    values = [[*row, code] for row, code in zip(ATTRIBUTE_VALUES * 3, "aab" + "c" * 5 + "d")]
    values[4][-1] = None
    values[5][-1] = ""
    fields = [*ATTRIBUTE_FIELDS, QgsField("code", FieldType.STRING)]
    lons, lats = random_points(len(values), seed=8)
    lats[6] = 88.0  # not indexable
    layer = point_layer(lons, lats, crs="EPSG:3857", fields=fields, values=values)
    assert layer.dataProvider().changeGeometryValues(
        {sorted(layer.allFeatureIds())[7]: QgsGeometry.fromPointXY(QgsPointXY(0, 3e7))}
    )
    assert geoset.reads_in_bulk(layer)
    bulk = geoset.read_points(layer, "code", True)
    per_feature = geoset.read_points(geoset.LayerSnapshot(layer), "code", True)
    assert bulk.members == per_feature.members
    assert bulk.rows == per_feature.rows
    assert np.array_equal(bulk.lon, per_feature.lon) and np.array_equal(bulk.lat, per_feature.lat)
    assert (bulk.skipped, bulk.duplicates) == (per_feature.skipped, per_feature.duplicates)
    assert (bulk.skipped, bulk.duplicates) == (4, 1)


def test_snapshot_reads_like_the_layer(redis_client):
    lons, lats = random_points(50)
    layer = point_layer(lons, lats, crs="EPSG:3857")
    direct = geoset.read_points(layer)
    snapshot = geoset.read_points(geoset.LayerSnapshot(layer))
    assert [str(m) for m in snapshot.members] == [str(int(m)) for m in direct.members]
    assert np.array_equal(direct.lon, snapshot.lon) and np.array_equal(direct.lat, snapshot.lat)


def test_searches_pause_the_garbage_collector_only_while_they_run(redis_client):
    import gc

    lons, lats = random_points(2000, seed=5)
    geoset.load_layer(redis_client, PREFIX, "gc", point_layer(lons, lats))
    gs = geoset.GeoSet(redis_client, PREFIX, "gc")
    seen = []
    original = geoset.search.parse_hits

    def spy(raw):
        seen.append(gc.isenabled())
        return original(raw)

    geoset.search.parse_hits = spy
    try:
        assert gc.isenabled()
        hits = gs.radius(0.0, 0.0, 20_000, "km")
        assert len(hits) == 2000 and seen == [False]
        assert gc.isenabled()  # back on afterwards
        # threads searching at once: the collector comes back when the last one is done
        threads = [
            threading.Thread(target=gs.radius, args=(0.0, 0.0, 5_000, "km")) for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(seen) == 5 and not any(seen) and gc.isenabled()
        # an application that turned the collector off keeps it off
        gc.disable()
        try:
            gs.radius(0.0, 0.0, 100, "km")
            assert not gc.isenabled()
        finally:
            gc.enable()
        # a failing search does not leave it paused
        with pytest.raises(GeoRedisError):
            geoset.GeoSet(redis_client, PREFIX, "no such set").radius(0.0, 0.0, 1, "km")
        assert gc.isenabled()
    finally:
        geoset.search.parse_hits = original


def test_a_column_that_cannot_be_read_fails_the_load_and_changes_nothing(redis_client, monkeypatch):
    """The stored attributes are read on a thread while the points are stored: a column read
    short fails the load with the field named, and the set loaded before stays as it was."""
    from georedis_plugin.core.geoset import reading

    layer = point_layer(
        [1.0, 1.001, 1.002], [45.0, 45.0, 45.0], fields=ATTRIBUTE_FIELDS, values=ATTRIBUTE_VALUES
    )
    load(redis_client, "short", layer, store_attributes=True)

    def stored():
        hits = geoset.GeoSet(redis_client, PREFIX, "short").radius(1.0, 45.0, 10, "km")
        return {f["member"]: f.attributes()[2:] for f in geoset.hit_layer(hits).getFeatures()}

    before = stored()
    assert len(before) == 3
    monkeypatch.setattr(reading, "read_column", lambda layer, name: ([None], True))
    first = ATTRIBUTE_FIELDS[0].name()
    with pytest.raises(GeoRedisError, match=f"'{first}'.*1 of 3"):
        load(redis_client, "short", layer, store_attributes=True)
    assert stored() == before
    assert not list(redis_client.scan_iter(match="*tmp*"))
