"""Hostile values in a shared cache (issue 6, item 3), at the level of whole algorithm runs.

A colleague's bad data (or an attacker with write access) replaces every entry a warm run would
read: random bytes, truncated WKB, a geometry of the wrong type, a value of tens of megabytes,
WKB declaring billions of points, the wrong Redis type. The run must not crash, hang or blow up
in memory; every such entry is a miss, recomputed and overwritten, and the output is native's.
"""

import os
import resource
import struct
import time

import pytest
from qgis.core import QgsGeometry

from tests.algorithm_runs import RecordingFeedback, run
from tests.layers import world_layer
from tests.parity import assert_same_output

EXTENT = (0, 40, 20, 55)
HUGE = 24 * 1024 * 1024


def hostile_values():
    """Each kind of bad value (the huge one is used for a few keys only)."""
    good = bytes(QgsGeometry.fromWkt("Polygon ((0 0, 1 0, 1 1, 0 0))").asWkb())
    return {
        "random bytes": os.urandom(200),
        "truncated WKB": good[: len(good) // 2],
        "wrong geometry type": bytes(QgsGeometry.fromWkt("LineString (0 0, 1 1)").asWkb()),
        # a polygon claiming 4 billion rings, then a linestring claiming 2^32-1 points
        "billions of rings": b"\x01" + struct.pack("<II", 3, 0xFFFFFFFF),
        "billions of points": b"\x01" + struct.pack("<II", 2, 0xFFFFFFFF) + b"\x00" * 32,
        "empty value": b"",
        "text": b"not a geometry",
    }


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def parameters(algorithm):
    states = world_layer("states_provinces", extent=EXTENT)
    if algorithm == "georedis:buffer":
        return {"INPUT": states, "DISTANCE": 0.1, "OUTPUT": "memory:"}
    return {
        "INPUT": states,
        "OVERLAY": world_layer("countries", extent=EXTENT),
        "OUTPUT": "memory:",
    }


@pytest.mark.parametrize("algorithm", ["georedis:buffer", "georedis:intersection"])
def test_every_entry_poisoned_still_gives_native_output(
    provider, redis_url, redis_client, algorithm
):
    params = parameters(algorithm)
    run(algorithm, params)  # fills the cache
    keys = sorted(redis_client.scan_iter("georedis:cache:*"))
    assert len(keys) > 50
    values = list(hostile_values().values())
    pipe = redis_client.pipeline(transaction=False)
    for index, key in enumerate(keys):
        if index < 3:
            pipe.set(key, os.urandom(64) * (HUGE // 64))  # tens of megabytes
        elif index % 9 == 8:
            pipe.delete(key)
            pipe.rpush(key, "a list where a string belongs")  # the wrong Redis type
        else:
            pipe.set(key, values[index % len(values)])
    pipe.execute()

    before = peak_rss_mb()
    feedback = RecordingFeedback()
    started = time.monotonic()
    ours, result = run(algorithm, params, feedback=feedback)
    elapsed = time.monotonic() - started
    native, _ = run(algorithm.replace("georedis:", "native:"), params)
    assert_same_output(ours, native)
    assert result["CACHE_HITS"] == 0 and result["CACHE_MISSES"] > 0
    assert feedback.errors == []  # bad values are misses, not Redis failures
    # bounded: no value is ever expanded beyond its own size (3 x 24 MB were read)
    assert peak_rss_mb() - before < 400
    assert elapsed < 60
    # the bad entries were overwritten: the next run reads everything back
    again, result = run(algorithm, params)
    assert result["CACHE_MISSES"] == 0
    assert_same_output(again, native)
