"""Every GeoRedis algorithm and the shipped model from ``qgis_process.bin --json run``.

One profile (deployed with scripts/deploy.py, enabled), GEOREDIS_URL at the test's redis-server;
outputs are read back with QGIS and compared with native QGIS, Redis itself or brute force.
"""

import json
import math

import pytest
from qgis.core import (
    QgsCoordinateTransformContext,
    QgsGeometry,
    QgsPointXY,
    QgsVectorFileWriter,
    QgsVectorLayer,
)

from georedis_plugin.core import geoset
from georedis_plugin.core.wkb_cache import cache_pattern
from georedis_plugin.processing.provider import algorithm_classes
from scripts.deploy import deploy
from tests.algorithm_runs import run
from tests.layers import world_layer
from tests.parity import assert_same_output
from tests.qgis_process import qgis_process, run_json
from tests.test_geoset_core import PREFIX, random_points
from tests.test_shipped_model import MODEL_ID

EXTENT = (5, 45, 12, 50)  # the Alps: states and countries that overlap in interesting ways
REDIS_EARTH_RADIUS_M = 6372797.560856  # what GEOSEARCH's haversine uses
SET = "sample"

pytestmark = pytest.mark.usefixtures("qgis_processing")  # native algorithms, in this process


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    """A QGIS config folder with GeoRedis deployed and enabled in its default profile."""
    config = tmp_path_factory.mktemp("qgis-process")
    deploy(config / "profiles" / "default", enable=True)
    return config


def write_gpkg(layer, path) -> str:
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    error = QgsVectorFileWriter.writeAsVectorFormatV3(
        layer, str(path), QgsCoordinateTransformContext(), options
    )
    assert error[0] == QgsVectorFileWriter.WriterError.NoError, error
    return str(path)


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    return write_gpkg(world_layer("states_provinces", extent=EXTENT), folder / "states.gpkg")


@pytest.fixture(scope="module")
def countries(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    return write_gpkg(world_layer("countries", extent=EXTENT), folder / "countries.gpkg")


def layer(path) -> QgsVectorLayer:
    loaded = QgsVectorLayer(str(path), "out", "ogr")
    assert loaded.isValid(), path
    return loaded


def test_the_provider_lists_every_algorithm_and_the_model(config, redis_url):
    listed = qgis_process(["--json", "list"], config, redis_url)
    assert listed.returncode == 0, listed.stderr
    algorithms = json.loads(listed.stdout)["providers"]["georedis"]["algorithms"]
    expected = {f"georedis:{c().name()}" for c in algorithm_classes()} | {MODEL_ID}
    assert expected <= set(algorithms)


def test_buffer_matches_native_and_clearcache_deletes_exactly_its_entries(
    config, redis_url, redis_client, states, tmp_path
):
    ours = run_json(
        "georedis:buffer",
        {"INPUT": states, "DISTANCE": 0.05, "OUTPUT": tmp_path / "ours.gpkg"},
        config,
        redis_url,
    )
    native, _ = run(
        "native:buffer",
        {"INPUT": states, "DISTANCE": 0.05, "OUTPUT": str(tmp_path / "native.gpkg")},
    )
    assert_same_output(layer(ours["OUTPUT"]), native)
    assert (ours["CACHE_HITS"], ours["CACHE_MISSES"]) == (0, native.featureCount())
    entries = len(list(redis_client.scan_iter(match=cache_pattern(PREFIX))))
    assert entries >= native.featureCount()
    redis_client.set("unrelated:key", b"kept")
    cleared = run_json("georedis:clearcache", {}, config, redis_url)
    assert cleared["DELETED"] == entries
    assert not list(redis_client.scan_iter(match=cache_pattern(PREFIX)))
    assert redis_client.get("unrelated:key") == b"kept"


def test_intersection_matches_native(config, redis_url, states, countries, tmp_path):
    parameters = {"INPUT": states, "OVERLAY": countries}
    ours = run_json(
        "georedis:intersection",
        {**parameters, "OUTPUT": tmp_path / "ours.json"},  # GeoJSON: see the model test
        config,
        redis_url,
    )
    native, _ = run("native:intersection", {**parameters, "OUTPUT": str(tmp_path / "n.json")})
    assert_same_output(layer(ours["OUTPUT"]), native)
    assert ours["CACHE_MISSES"] > 0


def test_the_model_by_id_then_by_file_is_served_from_the_cache_the_second_time(
    config, redis_url, states, countries, tmp_path
):
    parameters = {"input": states, "overlay": countries, "distance": 0.05}
    # GeoJSON, not GeoPackage: a GeoPackage would renumber the 'fid' the inputs bring along
    cold = run_json(
        MODEL_ID, {**parameters, "intersection:result": tmp_path / "cold.json"}, config, redis_url
    )
    installed = config / "profiles" / "default" / "python" / "plugins" / "georedis_plugin"
    model_file = installed / "resources" / "models" / "buffer_then_intersect.model3"
    warm = run_json(
        model_file, {**parameters, "intersection:result": tmp_path / "warm.json"}, config, redis_url
    )
    for step in ("buffer", "intersection"):
        assert cold[f"{step}:CACHE_HITS"] == 0 and cold[f"{step}:CACHE_MISSES"] > 0
        assert warm[f"{step}:CACHE_HITS"] == cold[f"{step}:CACHE_MISSES"]
        assert warm[f"{step}:CACHE_MISSES"] == 0
    buffered, _ = run("native:buffer", {"INPUT": states, "DISTANCE": 0.05, "OUTPUT": "memory:"})
    native, _ = run(
        "native:intersection",
        {"INPUT": buffered, "OVERLAY": countries, "OUTPUT": str(tmp_path / "native.json")},
    )
    assert_same_output(layer(cold["intersection:result"]), native)
    assert_same_output(layer(warm["intersection:result"]), native)


# -- geo sets --------------------------------------------------------------------------------
CENTER = (4.9, 52.35)  # lon, lat


@pytest.fixture
def loaded_set(config, redis_url, redis_client, tmp_path):
    """A geo set of 2,000 random points around Amsterdam loaded through qgis_process; their
    positions as Redis stores them (GEOPOS), by member."""
    lons, lats = random_points(2000, seed=5, lon=(4.6, 5.2), lat=(52.1, 52.6))
    features = [
        {
            "type": "Feature",
            "properties": {"code": f"p{i}"},
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        }
        for i, (lon, lat) in enumerate(zip(lons, lats))
    ]
    points = tmp_path / "points.geojson"
    points.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    loaded = run_json(
        "georedis:loadgeoset",
        {"INPUT": points, "KEY": SET, "ID_FIELD": "code"},
        config,
        redis_url,
    )
    assert (loaded["LOADED"], loaded["SKIPPED"], loaded["DUPLICATES"]) == (2000, 0, 0)
    key = geoset.GeoSetKeys.for_name(PREFIX, SET).geo
    members = [f"p{i}" for i in range(len(lons))]
    stored = dict(zip(members, redis_client.geopos(key, *members)))
    for member, lon, lat in zip(members, lons, lats):
        assert stored[member] == pytest.approx((lon, lat), abs=1e-5)
    return key, stored


def haversine_km(a, b) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * REDIS_EARTH_RADIUS_M * math.asin(math.sqrt(h)) / 1000


def hits(path) -> dict:
    """member -> (distance, (lon, lat)) of a search output file."""
    out = layer(path)
    return {
        f["member"]: (f["distance"], (f.geometry().asPoint().x(), f.geometry().asPoint().y()))
        for f in out.getFeatures()
    }


def test_radius_search_finds_what_brute_force_haversine_finds(
    config, redis_url, loaded_set, tmp_path
):
    _, stored = loaded_set
    radius_km = 9.0
    result = run_json(
        "georedis:radiussearch",
        {
            "KEY": SET,
            "CENTER": f"{CENTER[0]},{CENTER[1]} [EPSG:4326]",
            "RADIUS": radius_km,
            "UNIT": 1,  # kilometers
            "DISTANCES": 1,  # Redis's sphere, as the brute force below measures
            "OUTPUT": tmp_path / "hits.gpkg",
        },
        config,
        redis_url,
    )
    found = hits(result["OUTPUT"])
    distances = {m: haversine_km(CENTER, xy) for m, xy in stored.items()}
    clear = {m for m, d in distances.items() if abs(d - radius_km) > 1e-3}  # not on the edge
    assert {m for m in found if m in clear} == {m for m in clear if distances[m] <= radius_km}
    assert result["HITS"] == len(found) > 100
    for member, (distance, xy) in found.items():
        assert distance == pytest.approx(distances[member], abs=1e-3)
        assert xy == pytest.approx(stored[member], abs=1e-6)


def test_box_search_finds_what_redis_geosearch_bybox_finds(
    config, redis_url, redis_client, loaded_set, tmp_path
):
    key, _ = loaded_set
    result = run_json(
        "georedis:boxsearch",
        {
            "KEY": SET,
            "CENTER": f"{CENTER[0]},{CENTER[1]} [EPSG:4326]",
            "WIDTH": 20.0,
            "HEIGHT": 12.0,
            "UNIT": 1,
            "OUTPUT": tmp_path / "hits.gpkg",
        },
        config,
        redis_url,
    )
    expected = redis_client.geosearch(
        key, longitude=CENTER[0], latitude=CENTER[1], width=20.0, height=12.0, unit="km"
    )
    assert set(hits(result["OUTPUT"])) == {m.decode() for m in expected}
    assert result["HITS"] == len(expected) > 100


def test_polygon_search_finds_the_points_inside_the_polygon(
    config, redis_url, loaded_set, tmp_path
):
    _, stored = loaded_set
    ring = [[4.7, 52.2], [5.1, 52.25], [4.95, 52.55], [4.7, 52.2]]
    polygon = {
        "type": "Feature",
        "properties": {},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }
    polygons = tmp_path / "polygon.geojson"
    polygons.write_text(json.dumps({"type": "FeatureCollection", "features": [polygon]}))
    result = run_json(
        "georedis:polygonsearch",
        {"KEY": SET, "INPUT": polygons, "OUTPUT": tmp_path / "hits.gpkg"},
        config,
        redis_url,
    )
    shape = QgsGeometry.fromPolygonXY([[QgsPointXY(*xy) for xy in ring]])
    inside = {
        m for m, xy in stored.items() if shape.intersects(QgsGeometry.fromPointXY(QgsPointXY(*xy)))
    }
    assert set(hits(result["OUTPUT"])) == inside
    assert result["HITS"] == len(inside) > 100
