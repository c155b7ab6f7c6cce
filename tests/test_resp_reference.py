"""The hand-written RESP encoders (core/geoset/resp.py) against hiredis's packer.

``hiredis.pack_command`` is the reference: the C packer redis-py uses when hiredis is installed
(Debian 12's 3.x, Debian 13's and sid's 2.3.2 all have it). Every command the encoders build
for generated keys, members, scores and rows must be byte for byte the one hiredis packs from
the same arguments; a ZADD score is the argument ``%017d`` of the score (17 zero-padded
digits, which the server parses to the same double); a join's GEOSEARCH is hiredis's of the
same key, floats and count. One test runs the encoded commands on the real server and reads the
members back, byte for byte. The bulk reader of replies (``read_replies``) is checked against
redis-py's own reading of the same replies from the real server.
"""

import hiredis
import numpy as np
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from georedis_plugin.core.clients import pooled_connection
from georedis_plugin.core.geoset import GeoSet
from georedis_plugin.core.geoset.distances import ELLIPSOID
from georedis_plugin.core.geoset.many import NearestMany, _geosearch
from georedis_plugin.core.geoset.resp import (
    encode_command,
    encode_hset,
    encode_score_range_commands,
    encode_zadd,
    member_bytes,
    read_replies,
)

# Bounded and reproducible: the same examples on every run, no example database on disk.
BOUNDED = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# The scores GEOADD can store: 0 to 2^54 (52 bits, plus the one of a point on +180 or the
# upper latitude limit, see encode_zadd).
SCORES = st.integers(min_value=0, max_value=1 << 54)
# Member names as the loader has them: any text, NUL bytes and astral characters included.
NAMES = st.text(st.characters(codec="utf-8"), max_size=40)
KEYS = st.binary(min_size=1, max_size=60)


def zadd_reference(key: bytes, scores, members) -> bytes:
    args = ["ZADD", key]
    for score, member in zip(scores, members):
        args += [b"%017d" % score, member]
    return hiredis.pack_command(tuple(args))


@BOUNDED
@given(KEYS, st.lists(st.tuples(SCORES, NAMES), min_size=1, max_size=30))
def test_zadd_of_member_names_is_hiredis_zadd(key, pairs):
    scores = np.array([score for score, _ in pairs], dtype=np.uint64)
    names = [name for _, name in pairs]
    encoded = encode_zadd(key, scores, member_bytes(names))
    assert encoded == zadd_reference(key, scores.tolist(), [n.encode("utf-8") for n in names])


@BOUNDED
@given(
    KEYS,
    st.lists(
        st.tuples(SCORES, st.integers(min_value=0, max_value=(1 << 63) - 1)),
        min_size=1,
        max_size=30,
    ),
)
def test_zadd_of_feature_ids_is_hiredis_zadd_of_their_decimals(key, pairs):
    scores = np.array([score for score, _ in pairs], dtype=np.uint64)
    ids = np.array([fid for _, fid in pairs], dtype=np.int64)
    encoded = encode_zadd(key, scores, ids)
    assert encoded == zadd_reference(key, scores.tolist(), [b"%d" % fid for fid in ids.tolist()])


@BOUNDED
@given(KEYS, st.lists(st.tuples(st.binary(max_size=50), st.binary(max_size=200)), max_size=30))
def test_hset_is_hiredis_hset(key, pairs):
    members = [member for member, _ in pairs]
    rows = [row for _, row in pairs]
    reference = hiredis.pack_command(("HSET", key, *[part for pair in pairs for part in pair]))
    assert encode_hset(key, members, rows) == reference


@BOUNDED
@given(
    KEYS,
    st.lists(st.tuples(NAMES, st.binary(max_size=200)), min_size=1, max_size=30),
    st.sampled_from(["names", "feature ids", "negative ids"]),
)
def test_hset_of_member_arrays_is_hiredis_hset(key, pairs, kind):
    """The loader's members as ``member_bytes`` gives them (``S`` names, an object array of
    names with NULs, feature ids), rows with NULs, trailing ones too, or empty."""
    rows = [row for _, row in pairs]
    if kind == "names":
        members = member_bytes([name for name, _ in pairs])
        expected = [name.encode("utf-8") for name, _ in pairs]
    else:
        sign = -1 if kind == "negative ids" else 1
        members = np.arange(len(pairs), dtype=np.int64) * sign * 7919
        expected = [b"%d" % m for m in members.tolist()]
    parts = [part for pair in zip(expected, rows) for part in pair]
    assert encode_hset(key, members, rows) == hiredis.pack_command(("HSET", key, *parts))


@BOUNDED
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=12))
def test_any_command_is_hiredis_pack_command(args):
    assert encode_command(*args) == hiredis.pack_command(tuple(args))


@BOUNDED
@given(st.lists(st.binary(max_size=30), min_size=0, max_size=3000))
def test_a_command_of_thousands_of_arguments_is_hiredis_pack_command(members):
    args = [b"HMGET", b"key", *members]
    assert encode_command(*args) == hiredis.pack_command(tuple(args))


def test_a_long_member_and_a_long_row_are_framed_as_hiredis_frames_them():
    member = "é" * 70_000  # 140,000 bytes: a six-digit length
    row = b"x" * 1_000_001
    zadd = encode_zadd(b"k", np.array([1, 2], np.uint64), member_bytes([member, "b"]))
    assert zadd == zadd_reference(b"k", [1, 2], [member.encode(), b"b"])
    assert encode_hset(b"k", [member.encode()], [row]) == hiredis.pack_command(
        ("HSET", b"k", member.encode(), row)
    )
    assert encode_command(b"HMGET", b"k", member.encode(), row) == hiredis.pack_command(
        ("HMGET", b"k", member.encode(), row)
    )


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(NAMES, min_size=1, max_size=20, unique=True))
def test_the_server_stores_exactly_the_encoded_members(redis_client, names):
    redis_client.delete("reference:z", "reference:h")
    scores = np.arange(len(names), dtype=np.uint64) * np.uint64(1 << 40)
    members = member_bytes(names)
    rows = [b"%d" % i for i in range(len(names))]
    with pooled_connection(redis_client) as connection:
        connection.send_packed_command(
            [
                encode_zadd(b"reference:z", scores, members),
                encode_hset(b"reference:h", members.tolist(), rows),
            ]
        )
        assert connection.read_response() == len(names)
        assert connection.read_response() == len(names)
    stored = redis_client.zrange("reference:z", 0, -1, withscores=True)
    assert stored == [(n.encode("utf-8"), float(s)) for n, s in zip(names, scores.tolist())]
    assert redis_client.hgetall("reference:h") == {
        n.encode("utf-8"): r for n, r in zip(names, rows)
    }


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=30),
    st.lists(
        st.tuples(
            st.floats(-180, 180),
            st.floats(-85.05112878, 85.05112878),
            st.floats(0, 2e7, exclude_min=True),
            st.integers(1, 10**9),
        ),
        min_size=1,
        max_size=5,
    ),
)
def test_join_searches_are_hiredis_geosearch(redis_client, name, searches):
    """georedis:joinbynearest writes its GEOSEARCHes from one template (core/geoset/many.py)."""
    searcher = NearestMany(GeoSet(redis_client, "georedis", name), 1, 0.0, ELLIPSOID)
    key = searcher.geo_set.keys.geo.encode("utf-8")
    for lon, lat, radius, count in searches:
        reference = hiredis.pack_command(
            ("GEOSEARCH", key, "FROMLONLAT", lon, lat, "BYRADIUS", radius, "m", "ASC", "COUNT",
             count, "WITHDIST", "WITHHASH")
        )  # fmt: skip
        assert _geosearch(searcher.head, lon, lat, radius, count) == reference


RANGES = st.lists(st.tuples(SCORES, SCORES), max_size=20)


@BOUNDED
@given(KEYS, RANGES, RANGES)
def test_score_range_commands_are_hiredis_zcount_and_zrange(key, counted, read):
    reference = [
        hiredis.pack_command(("ZCOUNT", key, b"%d" % a, b"(%d" % b)) for a, b in counted
    ] + [
        hiredis.pack_command(("ZRANGE", key, b"%d" % a, b"(%d" % b, "BYSCORE", "WITHSCORES"))
        for a, b in read
    ]
    assert encode_score_range_commands(key, counted, read) == reference


def _replies_both_ways(client, commands: list) -> tuple:
    """(read_replies's, redis-py's read_response's) replies to ``commands``, sent twice."""
    packed = b"".join(commands)
    with pooled_connection(client) as connection:
        connection.send_packed_command([packed])
        ours = read_replies(connection, len(commands))
        connection.send_packed_command([packed])
        theirs = []
        for _ in commands:
            try:
                theirs.append(connection.read_response())
            except redis.ResponseError as exc:
                theirs.append(exc)
    return ours, theirs


def _same(ours, theirs) -> bool:
    if isinstance(theirs, redis.ResponseError):
        return type(ours) is type(theirs) and str(ours) == str(theirs)
    if isinstance(theirs, list):
        return len(ours) == len(theirs) and all(map(_same, ours, theirs))
    return ours == theirs


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(st.tuples(SCORES, st.binary(max_size=40)), max_size=40),
    RANGES,
    RANGES,
)
def test_replies_read_in_bulk_are_redis_py_replies(redis_client, pairs, counted, read):
    """A MULTI/EXEC of ZCOUNTs and ZRANGEs as a nearest search sends it, members with any
    bytes (CR LF included), a wrong-type error inside EXEC and one refused at queueing."""
    redis_client.delete("reference:z", "reference:s")
    if pairs:
        redis_client.zadd("reference:z", {m: s for s, m in pairs})
    redis_client.set("reference:s", b"not a sorted set")
    commands = [
        encode_command(b"MULTI"),
        encode_command(b"HGET", b"reference:h", b"cells"),
        *encode_score_range_commands(b"reference:z", counted, read),
        *encode_score_range_commands(b"reference:s", counted[:1], []),
        encode_command(b"EXEC"),
        encode_command(b"ZCOUNT", b"reference:z"),  # wrong number of arguments
    ]
    ours, theirs = _replies_both_ways(redis_client, commands)
    assert _same(ours, theirs)


def test_replies_larger_than_one_socket_read_are_read_whole(redis_client):
    redis_client.delete("reference:big")
    members = {b"m%06d" % i + b"\r\n" * 20: i for i in range(20_000)}  # about 1 MB
    redis_client.zadd("reference:big", members)
    commands = [
        *encode_score_range_commands(b"reference:big", [(0, 20_000)], [(0, 20_000), (5, 7)]),
        encode_command(b"PING"),
    ]
    ours, theirs = _replies_both_ways(redis_client, commands)
    assert _same(ours, theirs) and len(ours[1]) == 40_000


def test_without_hiredis_redis_py_reads_the_same_replies(redis_client, monkeypatch):
    from georedis_plugin.core.geoset import resp

    redis_client.delete("reference:z")
    redis_client.zadd("reference:z", {b"a\r\nb": 5, b"c": 7, b"d": 1 << 40})
    commands = [
        encode_command(b"MULTI"),
        *encode_score_range_commands(b"reference:z", [(0, 6), (0, 1 << 41)], [(0, 1 << 41)]),
        encode_command(b"EXEC"),
        encode_command(b"ZCOUNT", b"reference:z"),
    ]
    with_hiredis, reference = _replies_both_ways(redis_client, commands)
    monkeypatch.setattr(resp, "_hiredis", None)
    without, _ = _replies_both_ways(redis_client, commands)
    assert _same(without, reference) and _same(with_hiredis, reference)
    assert reference[-2][:2] == [1, 3]
