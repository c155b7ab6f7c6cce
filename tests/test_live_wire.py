"""The live wire format: what a producer writes with XADD, and what readers make of it.

Python's parser (readers, history) and the Lua fold (server state) apply the same rules; they
are checked against each other on generated entries, hostile ones included.
"""

import random
import subprocess

import pytest

from georedis_plugin.core.live import wire
from georedis_plugin.core.live.fold import fold
from georedis_plugin.core.live.keys import LiveKeys, stream_name
from tests.redis_server import server_binary

PREFIX = "georedis"


def keys(name="fleet"):
    return LiveKeys.for_name(PREFIX, name)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({b"lon": b"2", b"lat": b"48"}, wire.MISSING_ID),
        ({b"id": b"", b"lon": b"2", b"lat": b"48"}, wire.MISSING_ID),
        ({b"id": b"a", b"lon": b"east", b"lat": b"48"}, wire.BAD_COORDINATES),
        ({b"id": b"a", b"lon": b"2", b"lat": b"1e1"}, wire.BAD_COORDINATES),
        ({b"id": b"a", b"lon": b"2", b"lat": b"nan"}, wire.BAD_COORDINATES),
        ({b"id": b"a", b"lon": b"0x10", b"lat": b"4"}, wire.BAD_COORDINATES),
        ({b"id": b"a", b"lon": b"1_0", b"lat": b"4"}, wire.BAD_COORDINATES),
        ({b"id": b"a", b"lon": b" 2", b"lat": b"4"}, wire.BAD_COORDINATES),
        ({b"id": b"a", b"lat": b"4"}, wire.BAD_COORDINATES),
        ({b"id": b"a", b"lon": b"180.5", b"lat": b"4"}, wire.OUT_OF_RANGE),
        ({b"id": b"a", b"lon": b"2", b"lat": b"85.06"}, wire.OUT_OF_RANGE),
        ({b"id": b"a", b"lon": b"2", b"lat": b"4", b"ts": b"-5"}, wire.BAD_TS),
        ({b"id": b"a", b"lon": b"2", b"lat": b"4", b"ts": b"1.5"}, wire.BAD_TS),
        ({b"id": b"a", b"lon": b"2", b"lat": b"4", b"ts": b"9" * 16}, wire.BAD_TS),
        ({b"id": b"a" * 129, b"lon": b"2", b"lat": b"4"}, wire.OVERSIZED),
        ({b"id": b"a", b"lon": b"2", b"lat": b"4", b"note": b"x" * 9000}, wire.OVERSIZED),
    ],
)
def test_an_entry_breaking_a_rule_is_skipped_with_its_reason(fields, reason):
    assert wire.parse_entry("1700000000000-0", fields) == (None, reason)


def test_ts_defaults_to_the_entry_id_and_other_fields_are_attributes():
    position, reason = wire.parse_entry(
        b"1700000000123-4", {b"id": b"bus 7", b"lon": b"-.5", b"lat": b"48.", b"line": b"N1"}
    )
    assert reason is None
    assert position == wire.Position(
        "bus 7", -0.5, 48.0, 1700000000123, "1700000000123-4", {"line": "N1"}
    )


def test_encoded_coordinates_read_back_to_twelve_decimals():
    rng = random.Random(5)
    for _ in range(2000):
        lon, lat = rng.uniform(-180, 180), rng.uniform(-85, 85) * rng.choice([1, 1e-9, 1e-20])
        fields = {k.encode(): v.encode() for k, v in wire.encode_fields("x", lon, lat).items()}
        position, _ = wire.parse_entry("1-0", fields)
        assert (position.lon, position.lat) == (round(lon, 12), round(lat, 12))
        assert max(len(fields[b"lon"]), len(fields[b"lat"])) <= wire.MAX_NUMBER_BYTES


def test_stream_names_round_trip_through_their_keys():
    for name in ["fleet", "a{b}c", "100%", "bus:7"]:
        assert stream_name(PREFIX, keys(name).stream) == name
    assert stream_name(PREFIX, keys("x").events) == ""


def hostile_value(rng):
    return rng.choice(
        [
            b"",
            b"2.5",
            b"-0",
            b"181",
            b"85.05112878",
            b"-85.05112879",
            b"1e3",
            b"inf",
            b"12345678901234567890123456789012.5",
            b".5",
            b"5.",
            b"--1",
            b"1.2.3",
            bytes(rng.randrange(256) for _ in range(rng.randrange(1, 12))),
            str(rng.uniform(-200, 200)).encode(),
            str(rng.randrange(10**16)).encode(),
            b"x" * rng.choice([10, 3000, 9000]),
        ]
    )


def generated_entries(rng, count):
    for _ in range(count):
        fields = []
        for name in (b"id", b"lon", b"lat", b"ts"):
            if rng.random() < 0.9:
                fields += [name, hostile_value(rng) if rng.random() < 0.3 else None]
        pairs = []
        for name, value in zip(fields[0::2], fields[1::2]):
            if value is None:
                value = {
                    b"id": rng.choice([b"a", b"b", b"c", b"\xff\xfe", b"d" * 130]),
                    b"lon": str(rng.uniform(-180, 180)).encode(),
                    b"lat": str(rng.uniform(-85, 85)).encode(),
                    b"ts": str(1_700_000_000_000 + rng.randrange(10**6)).encode(),
                }[name]
            pairs.append((name, value))
        for _ in range(rng.randrange(4)):
            pairs.append((rng.choice([b"speed", b"\x00bin", b"id", b"lon"]), hostile_value(rng)))
        if not pairs:
            pairs = [(b"junk", b"1")]
        yield pairs


def test_the_lua_fold_and_the_python_parser_agree_on_generated_entries(redis_client):
    rng = random.Random(14)
    k = keys()
    expected_skipped = dict.fromkeys(wire.REASONS, 0)
    latest = {}
    for pairs in generated_entries(rng, 3000):
        flat = [part for pair in pairs for part in pair]
        entry_id = redis_client.execute_command("XADD", k.stream, "*", *flat)
        position, reason = wire.parse_entry(entry_id, dict(pairs))
        if position is None:
            expected_skipped[reason] += 1
        elif position.id not in latest or latest[position.id].ts <= position.ts:
            latest[position.id] = position
    result = fold(redis_client, k, snapshot=True, retention_s=0)
    assert result.read == 3000
    meta = {
        key.decode(): int(v) for key, v in redis_client.hgetall(k.meta).items() if key != b"cursor"
    }
    assert meta.pop("folded") == 3000
    assert meta == {f"skipped:{r}": n for r, n in expected_skipped.items() if n}
    assert sum(expected_skipped.values()) > 500  # the generator does produce hostile entries
    assert {p.id: p for p in result.positions} == latest
    seen = {wire.ident(m): int(s) for m, s in redis_client.zrange(k.seen, 0, -1, withscores=True)}
    assert seen == {ident: p.ts for ident, p in latest.items()}
    assert redis_client.zcard(k.pos) == len(latest)


def test_redis_cli_producers_are_read(redis_server, redis_client):
    k = keys("cli fleet")
    cli = server_binary("cli")
    lines = [
        [
            k.stream,
            "MINID",
            "~",
            "0",
            "*",
            "id",
            "van 1",
            "lon",
            "4.35",
            "lat",
            "50.85",
            "ts",
            "1764633600000",
            "driver",
            "Ana",
        ],
        [k.stream, "MAXLEN", "~", "1000", "*", "id", "van 2", "lon", "-3.7", "lat", "40.42"],
        [k.stream, "*", "lon", "1", "lat", "2"],
    ]
    for args in lines:
        done = subprocess.run(
            [cli, "-p", str(redis_server.port), "XADD", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        assert "-" in done.stdout
    result = fold(redis_client, k, snapshot=True, retention_s=0)
    by_id = {p.id: p for p in result.positions}
    assert (result.read, result.applied, result.skipped) == (3, 2, 1)
    assert (by_id["van 1"].lon, by_id["van 1"].lat, by_id["van 1"].ts) == (
        4.35,
        50.85,
        1764633600000,
    )
    assert by_id["van 1"].attributes == {"driver": "Ana"}
    assert by_id["van 2"].ts == wire.entry_ms(by_id["van 2"].entry_id)
    lon, lat = redis_client.geopos(k.pos, "van 2")[0]
    assert abs(lon + 3.7) < 1e-5 and abs(lat - 40.42) < 1e-5
