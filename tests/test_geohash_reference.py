"""The hand-written geohash (core/geoset/geohash.py) against the server's own GEOADD / GEOPOS.

For generated points, random and on the edges (the poles' limit +-85.05112878, the
antimeridian, 0 and -0, the last doubles inside the limits and the first outside), the score
the loader computes is the one GEOADD stores, the ZADD the loader sends stores that same score,
``valid_mask`` accepts exactly the points GEOADD accepts, and the decoded positions are the
ones GEOPOS reports.
"""

import math

import numpy as np
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from georedis_plugin.core.geoset.geohash import (
    LAT_LIMIT,
    LON_LIMIT,
    decode_scores,
    geohash_scores,
    valid_mask,
)
from georedis_plugin.core.geoset.resp import encode_zadd

BOUNDED = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def edges(limit: float) -> list:
    inside = math.nextafter(limit, 0.0)
    return [
        limit, -limit, inside, -inside, 0.0, -0.0, 5e-324, -5e-324, 1e-9, -1e-9,
        limit - 1e-7, -limit + 1e-7, limit / 2, -limit / 2,
    ]  # fmt: skip


LONS = st.one_of(
    st.sampled_from(edges(LON_LIMIT)), st.floats(-LON_LIMIT, LON_LIMIT, allow_subnormal=True)
)
LATS = st.one_of(
    st.sampled_from(edges(LAT_LIMIT)), st.floats(-LAT_LIMIT, LAT_LIMIT, allow_subnormal=True)
)
POINTS = st.lists(st.tuples(LONS, LATS), min_size=1, max_size=60)


def outside(limit: float) -> list:
    return [math.nextafter(limit, math.inf), -math.nextafter(limit, math.inf), limit + 1e-7]


# Anywhere, often just outside a limit, sometimes not a number at all.
ANY_LON = st.one_of(LONS, st.sampled_from([*outside(LON_LIMIT), math.nan, 360.0]), st.floats())
ANY_LAT = st.one_of(
    LATS, st.sampled_from([*outside(LAT_LIMIT), math.nan, 90.0, -90.0]), st.floats()
)


def geoadd(client, key: str, points: list) -> list:
    """GEOADD each point as member i; the scores the server stored (doubles)."""
    client.delete(key, f"{key}:ours")
    client.geoadd(key, [v for i, (lon, lat) in enumerate(points) for v in (lon, lat, i)])
    return client.zmscore(key, list(range(len(points))))


@BOUNDED
@given(POINTS)
def test_scores_are_the_ones_geoadd_stores(redis_client, points):
    lon, lat = (np.array(values, dtype=np.float64) for values in zip(*points))
    expected = geoadd(redis_client, "reference", points)
    # A sorted-set score is a double: past 2^53 (a point on +180 or the upper latitude limit,
    # see encode_zadd) the integer is rounded to the nearest double, by GEOADD as by ZADD.
    assert [float(score) for score in geohash_scores(lon, lat).tolist()] == expected


@BOUNDED
@given(POINTS)
def test_the_loaders_zadd_stores_the_scores_geoadd_stores(redis_client, points):
    lon, lat = (np.array(values, dtype=np.float64) for values in zip(*points))
    geoadd(redis_client, "reference", points)
    members = np.arange(len(points), dtype=np.int64)
    command = encode_zadd(b"reference:ours", geohash_scores(lon, lat), members)
    redis_client.execute_command(*_split(command))
    ids = list(range(len(points)))
    assert redis_client.zmscore("reference:ours", ids) == redis_client.zmscore("reference", ids)


def _split(command: bytes) -> list:
    """The arguments of one RESP command (to send it again through redis-py)."""
    parts = command.split(b"\r\n")
    return parts[2:-1:2]


@BOUNDED
@given(st.lists(st.tuples(ANY_LON, ANY_LAT), min_size=1, max_size=40))
def test_valid_points_are_exactly_the_ones_geoadd_accepts(redis_client, points):
    redis_client.delete("reference")
    with redis_client.pipeline(transaction=False) as pipe:
        for index, (lon, lat) in enumerate(points):
            pipe.geoadd("reference", [lon, lat, index])
        replies = pipe.execute(raise_on_error=False)
    accepted = [not isinstance(reply, redis.ResponseError) for reply in replies]
    lon, lat = (np.array(values, dtype=np.float64) for values in zip(*points))
    assert valid_mask(lon, lat).tolist() == accepted


@BOUNDED
@given(POINTS)
def test_decoded_scores_are_the_positions_geopos_reports(redis_client, points):
    scores = geoadd(redis_client, "reference", points)
    lon, lat = decode_scores(np.array([int(score) for score in scores], dtype=np.uint64))
    reported = redis_client.geopos("reference", *range(len(points)))
    # Redis 7 prints 17 decimals, Redis 8 and Valkey the shortest text reading back as the
    # same double: ours are the server's doubles, exactly or as the server printed them
    for ours, theirs in ((lon, [p[0] for p in reported]), (lat, [p[1] for p in reported])):
        assert [v if v == r else float(f"{v:.17f}") for v, r in zip(ours, theirs)] == theirs
