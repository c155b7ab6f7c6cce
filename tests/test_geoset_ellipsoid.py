"""Searches measured on the WGS 84 ellipsoid, against a brute-force geodesic over every member.

The set is GeoNames-sized (150,000 points clustered around the world's state and province
centroids, plus points strewn near the antimeridian, the equator and ±85°). The expected hits
come from pyproj's Geod inverse over all members at their stored (GEOPOS) positions and from
QgsDistanceArea (ellipsoid WGS84); nothing is hard-coded. Ties and points within a millimetre
of a limit do not occur in these draws, so the comparisons are exact.
"""

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsDistanceArea,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsVectorLayer,
)

from georedis_plugin.core import geoset
from georedis_plugin.core.errors import GeoRedisError
from tests.conftest import WORLD_MAP
from tests.hidden_packages import hiding

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pyproj warns when it finds no proj.db; Geod needs none
    from pyproj import Geod

PREFIX = "georedis"
POINTS = 150_000
GEOD = Geod(ellps="WGS84")
REPO = Path(__file__).resolve().parents[1]
CENTRES = {
    "Berlin": (13.40, 52.52),
    "Quito, on the equator": (-78.47, -0.18),
    "Gulf of Guinea, 0°N 0°E": (0.0, 0.0),
    "Fiji, by the antimeridian": (179.95, -17.7),
    "Aleutians, over the antimeridian": (-179.9, 51.8),
    "Svalbard, 85°N": (15.0, 85.0),
    "Antarctica, 85°S": (-120.0, -85.0),
}


def clustered_points(world_map):
    """Cities-like points: clusters at the state centroids, plus strips along the hard places."""
    layer = QgsVectorLayer(f"{world_map}|layername=states_provinces", "states", "ogr")
    centroids = []
    for feature in layer.getFeatures():
        geometry = QgsGeometry(feature.geometry())
        point = geometry.centroid().asPoint()
        if abs(point.y()) < 85:
            centroids.append((point.x(), point.y()))
    centroids = np.array(centroids)
    del layer
    rng = np.random.default_rng(12)
    n_strips = POINTS // 5
    picks = rng.integers(0, len(centroids), POINTS - n_strips)
    spread = rng.exponential(0.6, len(picks))
    lon = centroids[picks, 0] + rng.normal(0, 1, len(picks)) * spread
    lat = centroids[picks, 1] + rng.normal(0, 1, len(picks)) * spread
    strips = [
        (rng.uniform(170, 190, n_strips // 4), rng.uniform(-60, 70, n_strips // 4)),
        (rng.uniform(-180, 180, n_strips // 4), rng.uniform(-3, 3, n_strips // 4)),
        (rng.uniform(-180, 180, n_strips // 4), rng.uniform(80, 85.05, n_strips // 4)),
        (rng.uniform(-180, 180, n_strips // 4), rng.uniform(-85.05, -80, n_strips // 4)),
    ]
    lon = np.concatenate([lon, *(s[0] for s in strips)])
    lat = np.concatenate([lat, *(s[1] for s in strips)])
    lon = (lon + 180.0) % 360.0 - 180.0
    keep = np.abs(lat) < 85.05
    return lon[keep], lat[keep]


@pytest.fixture(scope="module")
def world(redis_server):
    """(client, GeoSet, members, lon, lat): the set and every member's stored position."""
    import redis

    client = redis.Redis.from_url(redis_server.url)
    lon, lat = clustered_points(WORLD_MAP)
    members = np.arange(len(lon), dtype=np.int64)
    data = geoset.PointData(lon=lon, lat=lat, members=members)
    geoset.load_points(client, PREFIX, "world", data)
    stored_lon, stored_lat = geoset.decode_scores(geoset.geohash_scores(lon, lat))
    yield client, geoset.GeoSet(client, PREFIX, "world"), members, stored_lon, stored_lat
    geoset.delete_geoset(client, PREFIX, "world")
    client.close()


def brute_force(lon0, lat0, lon, lat):
    _, _, distance = GEOD.inv(np.full(len(lon), lon0), np.full(len(lon), lat0), lon, lat)
    return np.asarray(distance)


def distance_area():
    measure = QgsDistanceArea()
    measure.setSourceCrs(
        QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance().transformContext()
    )
    assert measure.setEllipsoid("WGS84")
    return measure


def hit_ids(hits):
    return np.array([int(m) for m in hits.members], dtype=np.int64)


def test_the_stored_positions_are_what_geopos_reports(world):
    client, gs, members, lon, lat = world
    sample = members[:: len(members) // 50]
    reported = client.geopos(gs.keys.geo, *sample.tolist())
    assert np.allclose([p[0] for p in reported], lon[sample], atol=1e-12)
    assert np.allclose([p[1] for p in reported], lat[sample], atol=1e-12)


@pytest.mark.parametrize("place", CENTRES)
@pytest.mark.parametrize("radius_km", [30, 300, 1000, 3000])
def test_radius_hits_are_exactly_the_members_within_the_geodesic_radius(world, place, radius_km):
    _, gs, members, lon, lat = world
    centre = CENTRES[place]
    hits = gs.radius(*centre, radius_km, "km")
    distance = brute_force(*centre, lon, lat)
    expected = members[distance <= radius_km * 1000]
    assert len(expected) > 0 or radius_km < 300
    assert sorted(hit_ids(hits)) == sorted(expected.tolist())
    # nearest first, each distance the geodesic one (in km)
    assert np.all(np.diff(hits.distances) >= 0)
    assert np.allclose(hits.distances * 1000, distance[hit_ids(hits)], rtol=0, atol=1e-6)


@pytest.mark.parametrize("place", ["Berlin", "Fiji, by the antimeridian", "Svalbard, 85°N"])
def test_distances_agree_with_qgs_distance_area_to_a_millimetre(world, place):
    _, gs, _, _, _ = world
    centre = CENTRES[place]
    hits = gs.radius(*centre, 2000, "km")
    measure = distance_area()
    step = max(1, len(hits) // 400)
    for member_lon, member_lat, distance_km in zip(
        hits.lon[::step], hits.lat[::step], hits.distances[::step]
    ):
        expected = measure.measureLine(QgsPointXY(*centre), QgsPointXY(member_lon, member_lat))
        assert abs(distance_km * 1000 - expected) < 1e-3


def test_the_sphere_keeps_redis_figures_and_differs_from_the_ellipsoid(world):
    client, gs, *_ = world
    centre = CENTRES["Berlin"]
    sphere = gs.radius(*centre, 1000, "km", distances=geoset.SPHERE)
    raw = client.execute_command(
        "GEOSEARCH", gs.keys.geo, "FROMLONLAT", *centre, "BYRADIUS", 1000, "km", "ASC", "WITHDIST"
    )  # fmt: skip
    assert sphere.members == [m.decode() for m, _ in raw]
    assert sphere.distances.tolist() == [float(d) for _, d in raw]
    ellipsoid = gs.radius(*centre, 1000, "km")
    assert set(sphere.members) != set(ellipsoid.members)  # the 884 m at 300 km


@pytest.mark.parametrize("place", CENTRES)
@pytest.mark.parametrize("count", [1, 10, 250])
def test_nearest_are_the_brute_force_nearest_whatever_the_density(world, place, count):
    _, gs, members, lon, lat = world
    centre = CENTRES[place]
    hits = gs.nearest(*centre, count)
    distance = brute_force(*centre, lon, lat)
    expected = members[np.argsort(distance, kind="stable")[:count]]
    assert hit_ids(hits).tolist() == expected.tolist()
    assert np.allclose(hits.distances, distance[expected], rtol=0, atol=1e-6)


def test_nearest_in_an_empty_ocean_grows_the_search_until_proven(world):
    _, gs, members, lon, lat = world
    centre = (-140.0, -45.0)  # South Pacific: the nearest members are thousands of km away
    distance = brute_force(*centre, lon, lat)
    for count in (1, 5):
        hits = gs.nearest(*centre, count, unit="km")
        assert hit_ids(hits).tolist() == members[np.argsort(distance)[:count]].tolist()
        assert hits.distances[0] > 1000


def test_nearest_within_a_maximum_distance_stops_there(world):
    _, gs, members, lon, lat = world
    centre = (-140.0, -45.0)
    distance = brute_force(*centre, lon, lat)
    third, fourth = np.sort(distance)[2:4]
    limit_km = float(third + fourth) / 2000  # three members within reach
    hits = gs.nearest(*centre, 10, max_distance=limit_km, unit="km")
    assert hit_ids(hits).tolist() == members[np.argsort(distance)[:3]].tolist()
    assert len(gs.nearest(*centre, 10, max_distance=1, unit="km")) == 0


@pytest.mark.parametrize("place", ["Berlin", "Fiji, by the antimeridian"])
def test_nearest_on_the_sphere_are_redis_nearest(world, place):
    client, gs, _, _, _ = world
    centre = CENTRES[place]
    hits = gs.nearest(*centre, 50, distances=geoset.SPHERE)
    raw = client.execute_command(
        "GEOSEARCH", gs.keys.geo, "FROMLONLAT", *centre, "BYRADIUS", 20_100_000, "m", "ASC",
        "COUNT", 50, "WITHDIST",
    )  # fmt: skip
    assert hits.members == [m.decode() for m, _ in raw]
    assert hits.distances.tolist() == [float(d) for _, d in raw]


def test_radius_with_a_count_keeps_the_geodesic_nearest(world):
    _, gs, _, lon, lat = world
    centre = CENTRES["Quito, on the equator"]
    hits = gs.radius(*centre, 1500, "km", count=40)
    distance = brute_force(*centre, lon, lat)
    order = np.argsort(distance)
    expected = [i for i in order[:40] if distance[i] <= 1_500_000]
    assert hit_ids(hits).tolist() == expected


BOX_PLACES = [
    "Berlin",
    "Quito, on the equator",
    "Aleutians, over the antimeridian",
    "Svalbard, 85°N",
]


@pytest.mark.parametrize("place", BOX_PLACES)
def test_box_hits_follow_redis_box_rule_with_geodesic_sides(world, place):
    _, gs, members, lon, lat = world
    centre = CENTRES[place]
    width_km, height_km = 900.0, 500.0
    hits = gs.box(*centre, width_km, height_km, "km")
    _, _, north_south = GEOD.inv(lon, np.full(len(lat), centre[1]), lon, lat)
    _, _, east_west = GEOD.inv(np.full(len(lon), centre[0]), lat, lon, lat)
    inside = (np.asarray(north_south) <= height_km * 500) & (
        np.asarray(east_west) <= width_km * 500
    )
    assert inside.sum() > 0
    assert sorted(hit_ids(hits)) == sorted(members[inside].tolist())
    distance = brute_force(*centre, lon, lat)
    assert np.allclose(hits.distances * 1000, distance[hit_ids(hits)], rtol=0, atol=1e-6)
    assert np.all(np.diff(hits.distances) >= 0)


def test_polygon_hits_are_measured_from_the_box_centre_on_the_ellipsoid(world):
    _, gs, members, lon, lat = world
    polygon = QgsGeometry.fromWkt("POLYGON((170 -25, 190 -25, 190 -10, 170 -10, 170 -25))")
    hits = gs.polygon(polygon, "km")
    shifted = np.where(lon < 0, lon + 360, lon)
    inside = (shifted >= 170) & (shifted <= 190) & (lat >= -25) & (lat <= -10)
    assert sorted(hit_ids(hits)) == sorted(members[inside].tolist())
    distance = brute_force(180.0, -17.5, lon, lat)
    assert np.allclose(hits.distances * 1000, distance[hit_ids(hits)], rtol=0, atol=1e-6)
    assert np.all(np.diff(hits.distances) >= 0)


@pytest.mark.parametrize("kind", ["radius", "box", "nearest"])
def test_every_search_kind_runs_around_a_member_as_around_its_position(world, kind):
    _, gs, members, lon, lat = world
    member = int(members[4321])
    around = geoset.Member(str(member))
    at = geoset.LonLat(float(lon[member]), float(lat[member]))
    shape = {
        "radius": lambda centre: geoset.Radius(centre, 400),
        "box": lambda centre: geoset.Box(centre, 600, 300),
        "nearest": lambda centre: geoset.Nearest(centre),
    }[kind]
    by_member = gs.search(shape(around), "km", 30 if kind == "nearest" else 0)
    by_position = gs.search(shape(at), "km", 30 if kind == "nearest" else 0)
    assert by_member.members == by_position.members and len(by_member) > 1
    assert by_member.members[0] == str(member)  # itself, at distance 0
    assert by_member.distances.tolist() == by_position.distances.tolist()
    with pytest.raises(GeoRedisError, match="not a member"):
        gs.search(shape(geoset.Member("nobody")), "km", 1)


WITHOUT_PYPROJ = """
import json, sys
import numpy as np
from qgis.core import QgsApplication
app = QgsApplication([], False)
app.initQgis()
import redis
from georedis_plugin.core import geoset
gs = geoset.GeoSet(redis.Redis.from_url(sys.argv[1]), sys.argv[2], "world")
out = {"backend": geoset.geodesic_backend()}
for name, (lon, lat) in json.loads(sys.argv[3]).items():
    radius = gs.radius(lon, lat, 500, "km")
    nearest = gs.nearest(lon, lat, 20)
    out[name] = [radius.members, radius.distances.tolist(), nearest.members,
                 nearest.distances.tolist()]
print(json.dumps(out))
"""


def test_without_pyproj_qgs_distance_area_measures_the_same(world, redis_server, tmp_path):
    _, gs, _, _, _ = world
    folder = hiding(tmp_path / "no-pyproj", {"pyproj"})
    env = {**os.environ, "PYTHONPATH": f"{folder}:{REPO}", "QT_QPA_PLATFORM": "offscreen"}
    assert subprocess.run([sys.executable, "-c", "import pyproj"], env=env).returncode != 0
    centres = {k: CENTRES[k] for k in ("Berlin", "Fiji, by the antimeridian", "Svalbard, 85°N")}
    run = subprocess.run(
        [sys.executable, "-c", WITHOUT_PYPROJ, redis_server.url, PREFIX, json.dumps(centres)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert geoset.geodesic_backend() == "pyproj" and got.pop("backend") == "QgsDistanceArea"
    for name, (lon, lat) in centres.items():
        radius = gs.radius(lon, lat, 500, "km")
        nearest = gs.nearest(lon, lat, 20)
        members, distances, near_members, near_distances = got[name]
        assert members == radius.members and len(members) > 0
        assert np.allclose(distances, radius.distances, rtol=0, atol=1e-9)
        assert near_members == nearest.members
        assert np.allclose(near_distances, nearest.distances, rtol=0, atol=1e-6)


@pytest.mark.parametrize("extent", ["recorded", "missing (loaded before it)", "foreign text"])
def test_nearest_sized_by_the_recorded_extent_or_without_it_are_the_brute_force_nearest(
    world, extent
):
    client = world[0]
    rng = np.random.default_rng(31)
    dense_lon, dense_lat = rng.uniform(2.0, 2.2, 20_000), rng.uniform(48.8, 48.9, 20_000)
    data = geoset.PointData(dense_lon, dense_lat, np.arange(20_000, dtype=np.int64))
    geoset.load_points(client, PREFIX, "dense", data)
    keys = geoset.GeoSetKeys.for_name(PREFIX, "dense")
    assert client.hget(keys.meta, "extent") is not None
    if extent.startswith("missing"):
        client.hdel(keys.meta, "extent")
    elif extent == "foreign text":
        client.hset(keys.meta, "extent", "somewhere")
    stored_lon, stored_lat = geoset.decode_scores(geoset.geohash_scores(dense_lon, dense_lat))
    try:
        for centre in [(2.1, 48.85), (2.0, 48.8), (-3.0, 40.0), (179.0, -80.0)]:
            dense = geoset.GeoSet(client, PREFIX, "dense")
            hits = dense.nearest(*centre, 10)
            distance = brute_force(*centre, stored_lon, stored_lat)
            assert hit_ids(hits).tolist() == np.argsort(distance, kind="stable")[:10].tolist()
    finally:
        geoset.delete_geoset(client, PREFIX, "dense")


def test_many_distances_measured_in_threads_are_those_of_one_call():
    """From PARALLEL_FROM pairs on, geodesic_m splits the work over threads: the figures are
    the very ones one Geod.inv call gives, in the same order, and QgsDistanceArea's."""
    from georedis_plugin.core.geoset import distances

    if distances.geodesic_backend() != "pyproj":
        pytest.skip("pyproj is not installed here")
    rng = np.random.default_rng(12)
    count = distances.PARALLEL_FROM * 2 + 7
    lon, lat = rng.uniform(-180, 180, count), rng.uniform(-89, 89, count)
    measured = distances.geodesic_m(8.0, 48.0, lon, lat)
    centre = np.full(count, 8.0), np.full(count, 48.0)
    assert np.array_equal(measured, distances._pyproj_m(*centre, lon, lat))
    sample = slice(0, None, 997)
    assert np.allclose(
        measured[sample],
        distances._distance_area_m(*(v[sample] for v in centre), lon[sample], lat[sample]),
        rtol=0,
        atol=1e-3,
    )
