"""The same end-to-end checks for every connection mode (cluster, Sentinel), against the
native algorithms or an independent computation; GEOREDIS_URL already points at the topology.
"""

import numpy as np
from qgis.core import QgsFeature, QgsField, QgsGeometry, QgsPointXY, QgsVectorLayer

from georedis_plugin.core import geoset
from georedis_plugin.core.clients import get_client
from georedis_plugin.core.compat import FieldType
from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.wkb_cache import cache_statistics
from tests.algorithm_runs import RecordingFeedback, run
from tests.layers import world_layer
from tests.parity import assert_same_output
from tests.test_geoset_core import BOUNDARY_M, point_layer, random_points

PREFIX = "georedis"
EUROPE = (5, 45, 16, 55)


def plugin_client():
    """The client the plugin itself uses for GEOREDIS_URL (a RedisCluster in cluster mode)."""
    return get_client(ConnectionConfig.from_settings())


def buffer_parameters(limit: int = 150) -> dict:
    layer = world_layer("states_provinces", limit=limit)
    return {"INPUT": layer, "DISTANCE": 0.1, "SEGMENTS": 5, "OUTPUT": "memory:"}


def check_buffer_cold_then_warm(parameters: dict) -> dict:
    """Cold run computes and stores, warm run reads everything back; both equal native."""
    native, _ = run("native:buffer", parameters)
    feedback = RecordingFeedback()
    cold_layer, cold = run("georedis:buffer", parameters, feedback=feedback)
    warm_layer, warm = run("georedis:buffer", parameters, feedback=feedback)
    assert feedback.errors == [], feedback.errors
    assert (cold["CACHE_HITS"], cold["CACHE_MISSES"]) == (0, native.featureCount())
    assert (warm["CACHE_HITS"], warm["CACHE_MISSES"]) == (native.featureCount(), 0)
    assert_same_output(cold_layer, native)
    assert_same_output(warm_layer, native)
    return cold


def check_intersection_cold_then_warm() -> None:
    states = world_layer("states_provinces", extent=EUROPE)
    countries = world_layer("countries", extent=EUROPE)
    parameters = {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}
    native, _ = run("native:intersection", parameters)
    feedback = RecordingFeedback()
    cold_layer, cold = run("georedis:intersection", parameters, feedback=feedback)
    warm_layer, warm = run("georedis:intersection", parameters, feedback=feedback)
    assert feedback.errors == [], feedback.errors
    assert cold["CACHE_MISSES"] > 50
    assert (warm["CACHE_HITS"], warm["CACHE_MISSES"]) == (cold["CACHE_MISSES"], 0)
    assert_same_output(cold_layer, native)
    assert_same_output(warm_layer, native)


def check_statistics_and_clear(client, other_key: str) -> None:
    """Statistics count every entry (on all primaries), clearing deletes them and only them."""
    cold = check_buffer_cold_then_warm(buffer_parameters(limit=80))
    stats = cache_statistics(client, PREFIX)
    assert stats["entries"] == cold["CACHE_MISSES"]
    assert stats["memory_bytes"] > 0
    assert [r["algorithm"] for r in stats["runs"][:2]] == ["georedis:buffer"] * 2
    client.set(other_key, "not ours")
    _, result = run("georedis:clearcache", {}, result_key="DELETED")
    assert result["DELETED"] == cold["CACHE_MISSES"]
    after = cache_statistics(client, PREFIX)
    assert (after["entries"], after["runs"]) == (0, [])
    assert client.get(other_key) == b"not ours"


def sample_points():
    lons, lats = random_points(4000, seed=5, lon=(4.7, 5.1), lat=(52.2, 52.5))
    return (
        lons,
        lats,
        point_layer(
            lons,
            lats,
            fields=[QgsField("code", FieldType.STRING), QgsField("size", FieldType.INT)],
            values=[[f"p{i}", i] for i in range(len(lons))],
        ),
    )


def stored_positions(client, name: str):
    """(members, lon, lat) as the server decodes them (GEOPOS), for brute-force checks."""
    key = geoset.GeoSetKeys.for_name(PREFIX, name).geo
    members = [m.decode() for m in client.zrange(key, 0, -1)]
    positions = client.geopos(key, *members)
    lon = np.array([p[0] for p in positions])
    lat = np.array([p[1] for p in positions])
    return np.array(members), lon, lat


def assert_same_except_near_boundary(hit_members, members, inside, near):
    got = set(hit_members)
    assert got >= set(members[inside & ~near])
    assert not (got & set(members[~inside & ~near]))


def check_geoset_load_and_searches(client, name: str = "amsterdam") -> None:
    """loadgeoset, then radius, box and polygon searches equal brute-force answers."""
    lons, _, layer = sample_points()
    _, loaded = run(
        "georedis:loadgeoset",
        {"INPUT": layer, "KEY": name, "ID_FIELD": "code", "STORE_ATTRIBUTES": True},
        result_key="KEY",
    )
    assert loaded["LOADED"] == len(lons)
    members, lon, lat = stored_positions(client, name)
    assert len(members) == len(lons)
    center = (4.9, 52.37)

    hits, result = run(
        "georedis:radiussearch",
        {
            "KEY": name,
            "CENTER": f"{center[0]},{center[1]} [EPSG:4326]",
            "RADIUS": 3000,
            "OUTPUT": "memory:",
        },
    )
    distance = geoset.geodesic_m(center[0], center[1], lon, lat)  # on WGS 84, as searched
    inside = distance <= 3000
    near = np.abs(distance - 3000) <= BOUNDARY_M
    hit_members = [f["member"] for f in hits.getFeatures()]
    assert result["HITS"] == len(hit_members) > 100
    assert_same_except_near_boundary(hit_members, members, inside, near)
    by_code = {f["code"]: f["size"] for f in layer.getFeatures()}
    assert all(by_code[f["member"]] == f["size"] for f in hits.getFeatures())

    width, height = 8000.0, 4000.0
    hits, _ = run(
        "georedis:boxsearch",
        {
            "KEY": name,
            "CENTER": f"{center[0]},{center[1]} [EPSG:4326]",
            "WIDTH": width,
            "HEIGHT": height,
            "OUTPUT": "memory:",
        },
    )
    dy = geoset.geodesic_m(lon, center[1], lon, lat)
    dx = geoset.geodesic_m(center[0], lat, lon, lat)
    inside = (dy <= height / 2) & (dx <= width / 2)
    near = (np.abs(dy - height / 2) <= BOUNDARY_M) | (np.abs(dx - width / 2) <= BOUNDARY_M)
    hit_members = [f["member"] for f in hits.getFeatures()]
    assert len(hit_members) > 100
    assert_same_except_near_boundary(hit_members, members, inside, near)

    polygon = QgsGeometry.fromWkt("Polygon ((4.8 52.3, 5.0 52.3, 4.9 52.45, 4.8 52.3))")
    zones = QgsVectorLayer("Polygon?crs=EPSG:4326", "zone", "memory")
    feature = QgsFeature()
    feature.setGeometry(polygon)
    assert zones.dataProvider().addFeatures([feature])[0]
    hits, _ = run("georedis:polygonsearch", {"KEY": name, "INPUT": zones, "OUTPUT": "memory:"})
    expected = {
        m
        for m, x, y in zip(members, lon, lat)
        if polygon.intersects(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
    }
    assert len(expected) > 100
    assert {f["member"] for f in hits.getFeatures()} == expected


def search_parameters(name: str) -> dict:
    return {"KEY": name, "CENTER": "4.9,52.37 [EPSG:4326]", "RADIUS": 3000, "OUTPUT": "memory:"}


def wait_for_key(client, pattern: str, timeout: float = 30.0):
    """The first key matching ``pattern`` once one exists (polling SCAN)."""
    from tests.redis_topologies import wait_until

    return wait_until(
        lambda: next(iter(client.scan_iter(match=pattern, count=1000)), None),
        timeout,
        f"a key {pattern}",
        0.002,
    )
