"""Nearest searches from far outside a set, through the cells recorded at load, against a
brute force over every member (pyproj's geodesic on WGS 84, Redis's haversine on the sphere).

The set lies over Europe (lon -5..20, lat 40..56): uniform points plus a few tight clusters,
so that cells hold very different numbers of members. Centres are on other continents, at
the antipodes, near the poles and across the antimeridian, where GEOSEARCH alone would have
to span the set. The set is also changed behind the summary's back (a raw GEOADD, ZREM), and
searched without a summary (a set loaded before it) and within a MAX_DISTANCE.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qgis.core import QgsField, QgsFields

from georedis_plugin.core import geoset
from georedis_plugin.core.compat import FieldType
from georedis_plugin.core.geoset import cells
from georedis_plugin.core.geoset import search as search_module

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pyproj warns when it finds no proj.db; Geod needs none
    from pyproj import Geod

PREFIX = "georedis"
GEOD = Geod(ellps="WGS84")
CENTRES = {
    "Sydney": (151.2, -33.9),
    "Buenos Aires": (-58.4, -34.6),
    "antipode of Lyon": (-175.2, -45.8),
    "antipode of Warsaw": (-159.0, -52.2),
    "85°N": (-100.0, 85.0),
    "85°S": (60.0, -85.0),
    "Fiji, west of the antimeridian": (179.9, -17.7),
    "Samoa, east of the antimeridian": (-179.9, -13.8),
    "Dakar": (-17.4, 14.7),
    "Reykjavik": (-21.9, 64.1),
}


def europe(size=60_000, seed=3):
    rng = np.random.default_rng(seed)
    uniform = size * 4 // 5
    lon = rng.uniform(-5.0, 20.0, uniform)
    lat = rng.uniform(40.0, 56.0, uniform)
    centres = rng.uniform([-5.0, 40.0], [20.0, 56.0], (8, 2))
    picks = rng.integers(0, 8, size - uniform)
    lon = np.concatenate([lon, centres[picks, 0] + rng.normal(0, 0.05, len(picks))])
    lat = np.concatenate([lat, centres[picks, 1] + rng.normal(0, 0.05, len(picks))])
    return lon, lat


def fields():
    out = QgsFields()
    out.append(QgsField("id", FieldType.INT))
    out.append(QgsField("name", FieldType.STRING))
    return out


@pytest.fixture(scope="module")
def client(redis_server):
    import redis

    connection = redis.Redis.from_url(redis_server.url)
    yield connection
    connection.close()


def load(client, name, lon, lat, attributes=False):
    members = np.arange(len(lon), dtype=np.int64)
    rows = [geoset.encode_row([i, f"p{i}"]) for i in range(len(lon))] if attributes else None
    data = geoset.PointData(lon, lat, members, rows, fields() if attributes else None)
    geoset.load_points(client, PREFIX, name, data)
    return geoset.decode_scores(geoset.geohash_scores(lon, lat))


@pytest.fixture(scope="module")
def far_set(client):
    lon, lat = europe()
    stored = load(client, "far", lon, lat, attributes=True)
    yield stored
    geoset.delete_geoset(client, PREFIX, "far")


def expected(centre, lon, lat, count, distances, limit_m=0.0):
    if distances == geoset.SPHERE:
        measured = geoset.haversine_m(*centre, lon, lat)
    else:
        measured = np.asarray(GEOD.inv(np.full(len(lon), centre[0]), np.full(len(lon), centre[1]),
                                       lon, lat)[2])  # fmt: skip
    order = np.argsort(measured, kind="stable")
    if limit_m:
        order = order[measured[order] <= limit_m]
    return order[:count], measured


class Counting:
    """Counts the searches that read the recorded cells and those that ran GEOSEARCH."""

    def __init__(self, monkeypatch):
        self.cells = self.geosearch = 0
        read, search = search_module.GeoSet.read_score_ranges, search_module.GeoSet.geosearch

        def counted_read(gs, *args):
            self.cells += 1
            return read(gs, *args)

        def counted_search(gs, *args):
            self.geosearch += 1
            return search(gs, *args)

        monkeypatch.setattr(search_module.GeoSet, "read_score_ranges", counted_read)
        monkeypatch.setattr(search_module.GeoSet, "geosearch", counted_search)


def ids(hits):
    return [int(m) for m in hits.members]


@pytest.mark.parametrize("distances", [geoset.ELLIPSOID, geoset.SPHERE])
@pytest.mark.parametrize("count", [1, 10, 100])
@pytest.mark.parametrize("place", CENTRES)
def test_nearest_from_afar_are_the_brute_force_nearest(
    client, far_set, monkeypatch, place, count, distances
):
    lon, lat = far_set
    centre = CENTRES[place]
    calls = Counting(monkeypatch)
    hits = geoset.GeoSet(client, PREFIX, "far").nearest(*centre, count, 0, "km", distances)
    want, measured = expected(centre, lon, lat, count, distances)
    assert ids(hits) == want.tolist()
    assert calls.cells > 0 and calls.geosearch == 0  # the cells answered, no GEOSEARCH
    tolerance = 5e-5 if distances == geoset.SPHERE else 1e-9  # Redis prints 4 decimals
    assert np.allclose(hits.distances, measured[want] / 1000, rtol=0, atol=tolerance)
    assert np.allclose(hits.lon, lon[want], rtol=0, atol=0)
    assert np.allclose(hits.lat, lat[want], rtol=0, atol=0)
    assert hits.rows == [geoset.encode_row([i, f"p{i}"]) for i in want.tolist()]
    assert hits.fields.names() == ["id", "name"]


@pytest.mark.parametrize("distances", [geoset.ELLIPSOID, geoset.SPHERE])
def test_the_sphere_from_afar_gives_redis_own_figures(client, far_set, distances):
    centre = CENTRES["Sydney"]
    gs = geoset.GeoSet(client, PREFIX, "far")
    raw = client.execute_command(
        "GEOSEARCH", gs.keys.geo, "FROMLONLAT", *centre, "BYRADIUS", 20_100, "km", "ASC",
        "COUNT", 10, "WITHDIST",
    )  # fmt: skip
    hits = gs.nearest(*centre, 10, 0, "km", geoset.SPHERE)
    assert hits.members == [m.decode() for m, _ in raw]
    assert hits.distances.tolist() == [float(d) for _, d in raw]


@pytest.mark.parametrize("distances", [geoset.ELLIPSOID, geoset.SPHERE])
def test_nearest_from_afar_within_a_maximum_distance_stops_there(
    client, far_set, monkeypatch, distances
):
    lon, lat = far_set
    centre = CENTRES["Dakar"]
    _, measured = expected(centre, lon, lat, 1, distances)
    third, fourth = np.sort(measured)[2:4]
    limit_km = float(third + fourth) / 2000  # three members within reach
    gs = geoset.GeoSet(client, PREFIX, "far")
    calls = Counting(monkeypatch)
    hits = gs.nearest(*centre, 10, limit_km, "km", distances)
    assert ids(hits) == np.argsort(measured, kind="stable")[:3].tolist()
    assert len(gs.nearest(*centre, 10, 100, "km", distances)) == 0
    assert calls.cells >= 2 and calls.geosearch == 0


@pytest.mark.parametrize("change", ["GEOADD far away", "GEOADD into a cell", "ZREM"])
def test_a_set_changed_after_its_load_still_gives_the_brute_force_nearest(
    client, monkeypatch, change
):
    lon, lat = europe(20_000, seed=5)
    lon, lat = load(client, "changed", lon, lat)
    keys = geoset.GeoSetKeys.for_name(PREFIX, "changed")
    centre = CENTRES["Sydney"]
    try:
        # in Australia, where the summary records nothing; or inside a recorded cell
        added = (150.0, -30.0) if change == "GEOADD far away" else (19.9, 40.1)
        if change.startswith("GEOADD"):
            client.geoadd(keys.geo, [*added, "added"])
            member_lon, member_lat = geoset.decode_scores(geoset.geohash_scores(
                np.array([added[0]]), np.array([added[1]])))  # fmt: skip
            lon, lat = np.append(lon, member_lon), np.append(lat, member_lat)
            names = [*map(str, range(len(lon) - 1)), "added"]
        else:
            want, _ = expected(centre, lon, lat, 5, geoset.ELLIPSOID)
            client.zrem(keys.geo, *want.tolist())  # the five nearest are gone
            keep = np.ones(len(lon), dtype=bool)
            keep[want] = False
            names = [str(i) for i in np.flatnonzero(keep).tolist()]
            lon, lat = lon[keep], lat[keep]
        calls = Counting(monkeypatch)
        for distances in (geoset.ELLIPSOID, geoset.SPHERE):
            hits = geoset.GeoSet(client, PREFIX, "changed").nearest(*centre, 10, 0, "km", distances)
            want, _ = expected(centre, lon, lat, 10, distances)
            assert hits.members == [names[i] for i in want.tolist()]
        if change == "GEOADD far away":
            assert calls.geosearch > 0  # the summary was refuted: GEOSEARCH answered
        else:
            assert calls.geosearch == 0  # still proven: the cells answered
    finally:
        geoset.delete_geoset(client, PREFIX, "changed")


def test_a_set_loaded_without_a_summary_searches_as_before(client, monkeypatch):
    lon, lat = europe(20_000, seed=6)
    lon, lat = load(client, "old", lon, lat)
    keys = geoset.GeoSetKeys.for_name(PREFIX, "old")
    client.hdel(keys.meta, "cells")
    try:
        calls = Counting(monkeypatch)
        for place in ("Sydney", "85°S"):
            hits = geoset.GeoSet(client, PREFIX, "old").nearest(*CENTRES[place], 10)
            assert ids(hits) == expected(CENTRES[place], lon, lat, 10, geoset.ELLIPSOID)[0].tolist()
        assert calls.cells == 0 and calls.geosearch > 0
        info = geoset.geoset_info(client, PREFIX, "old")
        assert "cells" not in info.meta
    finally:
        geoset.delete_geoset(client, PREFIX, "old")


def test_the_summary_records_every_member_in_at_most_max_cells(client, far_set):
    lon, lat = europe()
    scores = geoset.geohash_scores(lon, lat)
    level, cell_ids, counts = geoset.GeoSet(client, PREFIX, "far").summary()
    assert len(cell_ids) <= cells.MAX_CELLS and counts.sum() == len(lon)
    shift = np.uint64(52 - 2 * level)
    recorded, recorded_counts = np.unique(scores >> shift, return_counts=True)
    assert cell_ids.tolist() == recorded.tolist() and counts.tolist() == recorded_counts.tolist()
    assert "cells" not in geoset.geoset_info(client, PREFIX, "far").meta  # binary, not shown


def test_the_cell_bounds_are_never_above_the_distance_of_a_point_in_the_cell():
    rng = np.random.default_rng(9)
    for level in (3, 8, 12):
        cell_ids = rng.integers(0, 1 << (2 * level), 200).astype(np.uint64)
        first, end = cells.score_range(level, cell_ids)
        for _ in range(5):
            lon0, lat0 = rng.uniform(-180, 180), rng.uniform(-85, 85)
            bounds = cells.sphere_lower_bounds(level, cell_ids, lon0, lat0)
            # many points in each cell, including its corners and edges
            offsets = rng.integers(0, (end - first)[0], (len(cell_ids), 64), dtype=np.uint64)
            offsets[:, 0] = 0
            offsets[:, 1] = (end - first)[0] - np.uint64(1)
            points = first[:, None] + offsets
            plon, plat = geoset.decode_scores(points.ravel())
            distance = geoset.haversine_m(lon0, lat0, plon, plat).reshape(points.shape)
            assert np.all(bounds <= distance.min(axis=1))


def test_no_geodesic_to_a_cell_is_shorter_than_its_ratio_times_the_sphere_distance():
    rng = np.random.default_rng(10)
    for level in (4, 8, 12):
        cell_ids = rng.integers(0, 1 << (2 * level), 400).astype(np.uint64)
        first, end = cells.score_range(level, cell_ids)
        for lat0 in (-80.0, -30.0, -0.5, 0.5, 20.0, 45.0, 84.0):
            lon0 = rng.uniform(-180, 180)
            ratios = cells.ellipsoid_ratios(level, cell_ids, lat0)
            assert np.all(ratios >= geoset.distances.ELLIPSOID_PER_SPHERE_MIN)
            offsets = rng.integers(0, (end - first)[0], (len(cell_ids), 16), dtype=np.uint64)
            offsets[:, 0] = 0  # the cell's equatorward-west corner region too
            plon, plat = geoset.decode_scores((first[:, None] + offsets).ravel())
            sphere = geoset.haversine_m(lon0, lat0, plon, plat).reshape(offsets.shape)
            _, _, geodesic = GEOD.inv(np.full(plon.size, lon0), np.full(plon.size, lat0),
                                      plon, plat)  # fmt: skip
            geodesic = np.asarray(geodesic).reshape(offsets.shape)
            assert np.all(geodesic >= ratios[:, None] * sphere - 1e-6)


def _points_of_cell(level, cell, fractions):
    """Points of one cell at (lon, lat) fractions of its rectangle, corners included."""
    south, north, west, east = (float(v[0]) for v in cells.cell_boxes(level, cell))
    fractions = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0), *fractions]
    lon = np.array([west + (east - west) * f for f, _ in fractions])
    lat = np.array([south + (north - south) * g for _, g in fractions])
    return lon, lat


@st.composite
def cells_and_centres(draw):
    level = draw(st.integers(1, 20))
    side = 1 << level
    lat_index, lon_index = draw(st.integers(0, side - 1)), draw(st.integers(0, side - 1))
    # interleave the indexes as the geohash does: latitude bits at even positions
    cell = 0
    for bit in range(level):
        cell |= ((lat_index >> bit) & 1) << (2 * bit)
        cell |= ((lon_index >> bit) & 1) << (2 * bit + 1)
    centre = (draw(st.floats(-180, 180)), draw(st.floats(-85.05, 85.05)))
    unit = st.floats(0, 1)
    fractions = draw(st.lists(st.tuples(unit, unit), min_size=1, max_size=60))
    return level, np.array([cell], dtype=np.uint64), centre, fractions


@settings(max_examples=400, deadline=None)
@given(cells_and_centres())
def test_every_geodesic_to_a_cell_is_within_its_ellipsoid_bounds(case):
    level, cell, (lon0, lat0), fractions = case
    plon, plat = _points_of_cell(level, cell, fractions)
    _, _, geodesic = GEOD.inv(np.full(plon.size, lon0), np.full(plon.size, lat0), plon, plat)
    sphere = cells.sphere_lower_bounds(level, cell, lon0, lat0)
    lower, upper = cells.ellipsoid_bounds(level, cell, lon0, lat0, sphere)
    assert lower[0] <= np.min(geodesic) and np.max(geodesic) <= upper[0]


@settings(max_examples=400, deadline=None)
@given(cells_and_centres())
def test_every_distance_to_a_cell_on_the_sphere_is_within_its_upper_bound(case):
    level, cell, (lon0, lat0), fractions = case
    plon, plat = _points_of_cell(level, cell, fractions)
    upper = cells.sphere_upper_bounds(level, cell, lon0, lat0)
    assert np.max(geoset.haversine_m(lon0, lat0, plon, plat)) <= upper[0]


@settings(max_examples=400, deadline=None)
@given(cells_and_centres())
def test_no_point_of_a_cell_is_farther_from_its_centre_than_its_radius(case):
    level, cell, _centre, fractions = case
    plon, plat = _points_of_cell(level, cell, fractions)
    centre_lon, centre_lat, on_sphere, on_ellipsoid = cells.cell_radii(level, cell)
    _, _, geodesic = GEOD.inv(np.full(plon.size, centre_lon[0]),
                              np.full(plon.size, centre_lat[0]), plon, plat)  # fmt: skip
    assert np.max(geodesic) <= on_ellipsoid[0]
    sphere = geoset.haversine_m(centre_lon[0], centre_lat[0], plon, plat)
    assert np.max(sphere) <= on_sphere[0]
