"""Geo sets never lose data without a word (issue 13, items 1, 2, 3, 10): eviction during a
load, a vanished attribute hash, map-typed attributes, dates before year 1, a foreign key of
another type, polygons wider than 360°, names with spaces."""

import json
import tracemalloc

import numpy as np
import pytest
from qgis import processing
from qgis.core import (
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingException,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QTime

from georedis_plugin.core import geoset
from georedis_plugin.core.compat import FieldType
from georedis_plugin.core.errors import GeoRedisError
from tests.red_team import admin, servers
from tests.test_geoset_core import point_layer, random_points

CENTER = "0,45 [EPSG:4326]"


@pytest.fixture
def red_server(tmp_path, clean_settings, monkeypatch):
    yield from servers(tmp_path, monkeypatch)


def search(key="fleet", center=CENTER, radius=2000, output="memory:"):
    return processing.run(
        "georedis:radiussearch",
        {"KEY": key, "CENTER": center, "RADIUS": radius, "UNIT": 1, "OUTPUT": output},
    )


def test_a_load_on_an_evicting_server_never_reports_what_it_does_not_hold(provider, red_server):
    server = red_server()
    with admin(server) as root:
        root.config_set("maxmemory", root.info("memory")["used_memory"] + 6_000_000)
        root.config_set("maxmemory-policy", "allkeys-lru")
    layer = point_layer(*random_points(150_000, seed=3))
    with pytest.raises(QgsProcessingException) as caught:
        processing.run("georedis:loadgeoset", {"INPUT": layer, "KEY": "fleet"})
    message = str(caught.value)
    # Redis evicts the temporary key between batches; Valkey may refuse a batch outright
    evicted = "dropped part of the geo set 'fleet'" in message and "noeviction" in message
    assert evicted or "is full and refused a write" in message, message
    with admin(server) as root:
        assert "fleet" not in [i.name for i in geoset.list_geosets(root, "georedis")]
        assert not evicted or root.info("stats")["evicted_keys"] > 0


def test_a_vanished_attribute_hash_is_named_instead_of_nulls(provider, red_server):
    server = red_server()
    layer = point_layer(
        *random_points(100), fields=[QgsField("n", FieldType.INT)], values=[[i] for i in range(100)]
    )
    processing.run(
        "georedis:loadgeoset", {"INPUT": layer, "KEY": "fleet", "STORE_ATTRIBUTES": True}
    )
    assert search()["HITS"] == 100
    with admin(server) as root:
        assert root.delete(geoset.GeoSetKeys.for_name("georedis", "fleet").attrs) == 1
    with pytest.raises(QgsProcessingException) as caught:
        search()
    assert "attributes of the geo set 'fleet' are gone" in str(caught.value)


def json_layer(tmp_path) -> str:
    """A GeoJSON file whose 'props' is an object per feature (QGIS: a map field)."""
    path = tmp_path / "objects.geojson"
    features = [
        {"type": "Feature", "properties": {"name": f"p{i}", "props": {"k": i}},
         "geometry": {"type": "Point", "coordinates": [0.1 * i, 45]}}
        for i in range(3)
    ]  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    layer = QgsVectorLayer(str(path), "objects", "ogr")
    assert layer.isValid()
    assert layer.fields().field("props").typeName() == "JSON"
    # the algorithms open the file themselves: an OGR layer kept alive past QGIS's exit (in
    # a traceback, say) is closed after GDAL and crashes the interpreter
    del layer
    return str(path)


def test_a_map_attribute_is_refused_at_load_with_the_field_named(provider, red_server, tmp_path):
    server = red_server()
    layer = json_layer(tmp_path)
    with pytest.raises(QgsProcessingException) as caught:
        processing.run(
            "georedis:loadgeoset", {"INPUT": layer, "KEY": "fleet", "STORE_ATTRIBUTES": True}
        )
    assert "'props'" in str(caught.value) and "to_json" in str(caught.value)
    assert list(admin(server).scan_iter("georedis:*")) == []
    # without the attributes the same layer loads
    loaded = processing.run("georedis:loadgeoset", {"INPUT": layer, "KEY": "fleet"})
    assert loaded["LOADED"] == 3


def test_dates_before_year_one_and_after_9999_round_trip(provider, red_server):
    red_server()
    dates = [QDate(-44, 3, 15), QDate(1, 1, 1), QDate(2026, 12, 2), QDate(12000, 1, 1)]
    times = [QDateTime(d, QTime(12, 30, 15, 250)) for d in dates]
    layer = QgsVectorLayer("Point?crs=EPSG:4326", "dated", "memory")
    assert layer.dataProvider().addAttributes(
        [QgsField("d", FieldType.DATE), QgsField("t", FieldType.DATE_TIME)]
    )
    layer.updateFields()
    features = []
    for i, (d, t) in enumerate(zip(dates, times)):
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(0.01 * i, 45)))
        feature.setAttributes([d, t])
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)
    processing.run(
        "georedis:loadgeoset", {"INPUT": layer, "KEY": "dated", "STORE_ATTRIBUTES": True}
    )
    out = search("dated")["OUTPUT"]
    got = sorted((f["member"], f["d"], f["t"]) for f in out.getFeatures())
    assert [g[1] for g in got] == dates
    assert [g[2] for g in got] == times


def test_a_foreign_key_of_another_type_is_skipped_in_the_set_list(provider, red_server):
    server = red_server()
    processing.run("georedis:loadgeoset", {"INPUT": point_layer(*random_points(20)), "KEY": "ok"})
    with admin(server) as root:
        # someone else's keys shaped like a set's: metadata hash, but a string as the set
        root.hset("georedis:geo:{foreign}:meta", "name", "foreign")
        root.set("georedis:geo:{foreign}", "not a sorted set")
        listed = [(i.name, i.count) for i in geoset.list_geosets(root, "georedis")]
    assert listed == [("ok", 20)]


def test_a_polygon_wider_than_360_degrees_finds_every_point_it_covers(provider, red_server):
    server = red_server()
    lons, lats = random_points(3000, seed=5, lon=(-180, 180), lat=(30, 60))
    with admin(server) as root:
        geoset.load_layer(root, "georedis", "world", point_layer(lons, lats))
        band = QgsGeometry.fromWkt("POLYGON((-200 40, 200 40, 200 50, -200 50, -200 40))")
        hits = geoset.GeoSet(root, "georedis", "world").polygon(band)
    expected = np.count_nonzero((lats >= 40) & (lats <= 50))
    assert len(hits) == expected > 500
    assert np.all((hits.lat >= 40 - 1e-5) & (hits.lat <= 50 + 1e-5))


def test_searches_strip_spaces_around_the_set_name_as_loads_do(provider, red_server):
    red_server()
    loaded = processing.run(
        "georedis:loadgeoset", {"INPUT": point_layer(*random_points(30)), "KEY": "  fleet "}
    )
    assert loaded["KEY"] == "fleet"
    assert search(key="  fleet ")["HITS"] == 30


def peak_bytes(work):
    """(result, peak of Python and numpy allocations) while ``work()`` runs."""
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_one_long_member_name_costs_its_own_size_not_every_name_padded_to_it(red_server):
    """2,000 points, one id of 100 KB: padded to it, the names would take 200 MB."""
    server = red_server()
    names = [f"p{i}" for i in range(1999)] + ["x" * 100_000]
    layer = point_layer(
        *random_points(2000), fields=[QgsField("id", FieldType.STRING)], values=[[n] for n in names]
    )
    with admin(server) as root:
        loaded, peak = peak_bytes(lambda: geoset.load_layer(root, "georedis", "long", layer, "id"))
        assert loaded.loaded == 2000
        assert peak < 40_000_000, peak
        assert root.zscore(geoset.GeoSetKeys.for_name("georedis", "long").geo, "x" * 100_000)


def test_one_long_text_attribute_costs_its_own_size_at_search_time(provider, red_server):
    server = red_server()
    texts = ["short"] * 1999 + ["y" * 100_000]
    layer = point_layer(
        *random_points(2000), fields=[QgsField("t", FieldType.STRING)], values=[[t] for t in texts]
    )
    with admin(server) as root:
        geoset.load_layer(root, "georedis", "texts", layer, store_attributes=True)
        result = geoset.GeoSet(root, "georedis", "texts").radius(0, 45, 5000, "km")
    out, peak = peak_bytes(lambda: geoset.hit_layer(result))
    assert peak < 40_000_000, peak
    assert sorted((f["t"] for f in out.getFeatures()), key=len)[-1] == "y" * 100_000


def _generations(count: int):
    lons, lats = random_points(count, seed=9, lon=(0.0, 1.0), lat=(45.0, 46.0))
    fields = [QgsField("code", FieldType.STRING)]
    return [
        point_layer(lons, lats, fields=fields, values=[[f"{gen}-{i}"] for i in range(count)])
        for gen in ("old", "new")
    ]


def test_a_load_between_the_hits_and_their_rows_makes_the_search_read_both_again(
    redis_client, monkeypatch
):
    from georedis_plugin.core.geoset import search as search_module

    old, new = _generations(500)
    geoset.load_layer(redis_client, "georedis", "swap", old, id_field="code", store_attributes=True)
    sent, real_send = [], search_module._send

    def send_then_reload(connection, commands):
        replies = real_send(connection, commands)
        sent.append(commands[0])
        if len(sent) == 1:  # the hits are read: a load replaces the set before the rows
            geoset.load_layer(
                redis_client, "georedis", "swap", new, id_field="code", store_attributes=True
            )
        return replies

    monkeypatch.setattr(search_module, "_send", send_then_reload)
    hits = geoset.GeoSet(redis_client, "georedis", "swap").radius(0.5, 45.5, 500, "km")
    assert [c[0] for c in sent] == ["WATCH", "MULTI", "WATCH", "MULTI"]  # read again once
    rows = geoset.decode_rows(hits.fields, hits.rows)
    assert len(hits) == 500 and {m.split("-")[0] for m in hits.members} == {"new"}
    assert [values[0] for values in rows] == hits.members


def test_a_set_replaced_at_every_attempt_fails_with_advice(redis_client, monkeypatch):
    from georedis_plugin.core.geoset import search as search_module

    layers = _generations(50)
    geoset.load_layer(
        redis_client, "georedis", "busy", layers[0], id_field="code", store_attributes=True
    )
    real_send, loads = search_module._send, []

    def send_then_reload(connection, commands):
        replies = real_send(connection, commands)
        if commands[0][0] == "WATCH":
            loads.append(1)
            geoset.load_layer(
                redis_client,
                "georedis",
                "busy",
                layers[len(loads) % 2],
                id_field="code",
                store_attributes=True,
            )
        return replies

    monkeypatch.setattr(search_module, "_send", send_then_reload)
    with pytest.raises(GeoRedisError, match="replaced 5 times while it was being searched"):
        geoset.GeoSet(redis_client, "georedis", "busy").radius(0.5, 45.5, 500, "km")
    assert len(loads) == search_module.SEARCH_ATTEMPTS
