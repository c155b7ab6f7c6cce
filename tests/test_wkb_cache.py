"""The WKB cache: key derivation, validation of hostile values, clearing only our entries."""

import os
import socket
import struct
import threading

import pytest
import redis
from qgis.core import QgsGeometry

from georedis_plugin.core.clients import get_client
from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.wkb_cache import (
    MULTIPOLYGON,
    POINT,
    WkbCache,
    _read_ok_replies,
    cache_key,
    cache_statistics,
    clear_cache,
    key_function,
    wkb_base_type,
)


def wkb(wkt):
    return bytes(QgsGeometry.fromWkt(wkt).asWkb())


def test_keys_depend_on_operation_version_parameters_and_geometry():
    a, b = wkb("Point (0 0)"), wkb("Point (0 1)")
    base = cache_key("georedis", "buffer", 1, {"d": 1}, a)
    assert base.startswith("georedis:cache:buffer:") and len(base.split(":")[-1]) == 64
    assert base == key_function("georedis", "buffer", 1, {"d": 1})(a)
    assert base != cache_key("georedis", "buffer", 2, {"d": 1}, a)
    assert base != cache_key("georedis", "buffer", 1, {"d": 2}, a)
    assert base != cache_key("georedis", "buffer", 1, {"d": 1}, b)
    assert cache_key("p", "x", 1, {}, b"ab", b"c") != cache_key("p", "x", 1, {}, b"a", b"bc")


@pytest.mark.parametrize(
    "wkt, base",
    [
        ("Point (1 2)", POINT),
        ("PointZM (1 2 3 4)", POINT),
        ("MultiPolygon (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))", MULTIPOLYGON),
        ("MultiPolygon EMPTY", MULTIPOLYGON),
        ("GeometryCollection (Point (1 1), LineString (0 0, 1 1))", 7),
    ],
)
def test_sound_wkb_is_accepted(wkt, base):
    assert wkb_base_type(wkb(wkt)) == base


def test_hostile_values_are_rejected_quickly():
    good = wkb("MultiPolygon (((0 0, 1 0, 1 1, 0 0)))")
    billions = b"\x01" + struct.pack("<I", 2) + struct.pack("<I", 4_000_000_000) + b"\0" * 32
    huge_rings = b"\x01" + struct.pack("<II", 3, 2_000_000_000) + b"\0" * 16
    cases = [
        b"",
        os.urandom(1000),
        good[:-7],
        good + b"\0",
        billions,
        huge_rings,
        b"\x05" + good[1:],  # bad byte order marker
        b"\x01" + struct.pack("<I", 17) + b"\0" * 16,  # unknown type
    ]
    for value in cases:
        assert wkb_base_type(value) is None, value[:16]


def test_damaged_values_are_misses(redis_url, redis_client):
    cache = WkbCache(ConnectionConfig.from_settings(), ttl_seconds=0)
    keys = [cache.key("t", 1, {}, bytes([i])) for i in range(4)]
    redis_client.set(keys[0], wkb("MultiPolygon (((0 0, 1 0, 1 1, 0 0)))"))
    redis_client.set(keys[1], os.urandom(64))
    redis_client.set(keys[2], wkb("Point (0 0)"))
    values = cache.get_many(keys, {MULTIPOLYGON})
    assert values[0] is not None and values[1:] == [None, None, None]
    assert (cache.hits, cache.misses, cache.rejected) == (1, 3, 2)


def test_clear_cache_leaves_foreign_keys_alone(redis_url, redis_client):
    client = get_client(ConnectionConfig.from_settings())
    for i in range(2500):
        redis_client.set(f"georedis:cache:buffer:{i:064x}", b"x")
    redis_client.set("georedis:geo:{cities}", b"not a cache entry")
    redis_client.set("other-app:cache:buffer:1", b"foreign")
    redis_client.set("georedis-other:cache:x", b"foreign too")
    assert cache_statistics(client, "georedis")["entries"] == 2500
    assert clear_cache(client, "georedis") == 2500
    assert sorted(redis_client.keys("*")) == [
        b"georedis-other:cache:x",
        b"georedis:geo:{cities}",
        b"other-app:cache:buffer:1",
    ]


def test_prefix_with_glob_characters_is_matched_literally(redis_url, redis_client):
    client = get_client(ConnectionConfig.from_settings())
    redis_client.set("team[1]:cache:buffer:" + "a" * 64, b"x")
    redis_client.set("team1:cache:buffer:" + "a" * 64, b"y")
    assert clear_cache(client, "team[1]") == 1
    assert redis_client.get("team1:cache:buffer:" + "a" * 64) == b"y"


def test_a_sub_second_lifetime_still_expires_instead_of_failing(redis_url, redis_client):
    cache = WkbCache(ConnectionConfig.from_settings(), ttl_seconds=0.4)
    key = cache.key("t", 1, {}, b"x")
    cache.set_many([(key, wkb("Point (0 0)"))])
    assert cache.enabled and not cache.warning
    assert redis_client.ttl(key) == 1


def test_a_background_store_is_read_back_by_the_next_lookup(redis_url, redis_client):
    cache = WkbCache(ConnectionConfig.from_settings(), ttl_seconds=60)
    items = [(cache.key("t", 1, {}, b"%d" % n), wkb(f"Point ({n} 0)")) for n in range(1200)]
    cache.set_many(items, background=True)
    values = cache.get_checked([key for key, _ in items], lambda found: [True] * len(found))
    assert values == [value for _, value in items]
    assert cache.enabled and not cache.warning and cache.hits == 1200


def test_a_background_store_failure_is_the_runs_warning_once_flushed(redis_url, redis_client):
    cache = WkbCache(ConnectionConfig.from_settings(), ttl_seconds=60)
    redis_client.config_set("maxmemory", "1")
    try:
        cache.set_many([(cache.key("t", 1, {}, b"x"), wkb("Point (0 0)"))], background=True)
        cache.flush()
    finally:
        redis_client.config_set("maxmemory", "0")
    assert not cache.enabled
    assert "is full" in cache.warning and "SET (command 1 of a pipeline)" in cache.warning


class _Connection:
    """What ``_read_ok_replies`` reads through: redis-py's socket attribute and its parser."""

    def __init__(self, sock):
        self._sock = sock
        self._parser = redis.connection.DefaultParser(socket_read_size=65536)


@pytest.mark.parametrize("split", [1, 3, 5, 7, 4096])
def test_set_replies_are_read_in_bulk_and_an_error_named_by_its_number(split):
    replies = b"+OK\r\n" * 700 + b"-READONLY You can't write against a read only replica.\r\n"
    replies += b"+OK\r\n" * 299
    ours, server = socket.socketpair()
    with ours, server:
        server.sendall(b"+OK\r\n" * 1000)
        _read_ok_replies(_Connection(ours), 1000, 0)
        # a line end may straddle two reads; sent beside the reading, as a server does
        pieces = [replies[start : start + split] for start in range(0, len(replies), split)]
        sender = threading.Thread(target=lambda: [server.sendall(p) for p in pieces])
        sender.start()
        with pytest.raises(redis.ReadOnlyError) as raised:
            _read_ok_replies(_Connection(ours), 1000, 500)
        sender.join()
        assert "Command # 1201 (SET)" in str(raised.value)


def test_a_reply_that_is_not_a_set_reply_is_a_protocol_error():
    ours, server = socket.socketpair()
    with ours, server:
        server.sendall(b"+OK\r\n$3\r\nabc\r\n")
        with pytest.raises(redis.InvalidResponse):
            _read_ok_replies(_Connection(ours), 3, 0)
