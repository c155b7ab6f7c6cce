"""The server-side latest state: folded atomically by any reader, from plain-XADD producers."""

import threading
import time

import pytest
import redis

from georedis_plugin.core.clients import get_client
from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.errors import GeoRedisError
from georedis_plugin.core.live.fold import fold
from georedis_plugin.core.live.keys import LiveKeys
from georedis_plugin.core.live.publish import publish
from tests.redis_server import RedisServer

PREFIX = "georedis"


def produce(client, k, count, ids=50, start=0):
    pipe = client.pipeline(transaction=False)
    for n in range(start, start + count):
        pipe.xadd(
            k.stream, {"id": f"v{n % ids}", "lon": f"{n % 360 - 180}", "lat": "10", "n": str(n)}
        )
    pipe.execute()


def test_two_readers_folding_at_once_apply_each_entry_once(redis_url, redis_client):
    k = LiveKeys.for_name(PREFIX, "race")
    done = threading.Event()
    totals = []

    def folder():
        client = redis.Redis.from_url(redis_url)  # a connection of its own, as another QGIS
        read = 0
        while not done.is_set():
            read += fold(client, k, batch=300, retention_s=0).read
        read += fold(client, k, retention_s=0).read
        totals.append(read)

    threads = [threading.Thread(target=folder) for _ in range(2)]
    for thread in threads:
        thread.start()
    for chunk in range(20):
        produce(redis_client, k, 1000, start=chunk * 1000)
    done.set()
    for thread in threads:
        thread.join()
    assert sum(totals) == 20000 and min(totals) > 0  # both folded, together each entry once
    assert int(redis_client.hget(k.meta, "folded")) == 20000
    state = fold(redis_client, k, snapshot=True, retention_s=0).positions
    assert {p.id: p.attributes["n"] for p in state} == {f"v{i}": str(19950 + i) for i in range(50)}


def test_a_late_reader_starts_from_the_state_without_replaying_history(redis_client):
    k = LiveKeys.for_name(PREFIX, "late")
    produce(redis_client, k, 5000, ids=100)
    fold(redis_client, k, retention_s=0)  # someone kept the state up to date
    produce(redis_client, k, 10, ids=100, start=5000)
    result = fold(redis_client, k, snapshot=True, retention_s=0)
    assert result.read == 10  # only what came after the cursor
    assert len(result.positions) == 100
    assert result.cursor == redis_client.xinfo_stream(k.stream)["last-generated-id"].decode()


def test_a_state_far_behind_catches_up_on_the_window_only(redis_client):
    k = LiveKeys.for_name(PREFIX, "behind")
    old = int(time.time() * 1000) - 600_000
    for n in range(100):
        redis_client.xadd(k.stream, {"id": f"old{n}", "lon": "1", "lat": "1"}, id=f"{old + n}-0")
    produce(redis_client, k, 30, ids=30)
    result = fold(redis_client, k, snapshot=True, window_s=60, retention_s=0)
    assert result.read == 30
    assert {p.id for p in result.positions} == {f"v{i}" for i in range(30)}


def test_an_older_ts_never_replaces_a_newer_position(redis_client):
    k = LiveKeys.for_name(PREFIX, "order")
    redis_client.xadd(k.stream, {"id": "a", "lon": "1", "lat": "1", "ts": "2000"})
    redis_client.xadd(k.stream, {"id": "a", "lon": "2", "lat": "2", "ts": "1000"})
    result = fold(redis_client, k, snapshot=True, retention_s=0)
    assert (result.read, result.applied) == (2, 1)
    assert [(p.lon, p.ts) for p in result.positions] == [(1.0, 2000)]


def test_retention_trims_the_stream_by_arrival_and_keeps_one_state_per_id(redis_client):
    k = LiveKeys.for_name(PREFIX, "retention")
    now = int(time.time() * 1000)
    for n in range(3000):  # arrived an hour ago, one entry a second: beyond 10 minutes
        redis_client.xadd(
            k.stream,
            {"id": f"old{n % 10}", "lon": "1", "lat": "1"},
            id=f"{now - 3_600_000 + n * 1000}-0",
        )
    produce(redis_client, k, 5, ids=5)
    fold(redis_client, k, retention_s=600)
    # XTRIM ~ removes whole nodes of the stream (100 entries each): at most one node is left
    assert redis_client.xlen(k.stream) <= 5 + 100
    assert redis_client.zcard(k.seen) == redis_client.zcard(k.pos) == 15
    assert redis_client.hlen(k.state) == 15
    recent = fold(redis_client, k, snapshot=True, ttl_s=60).positions
    assert {p.id for p in recent} == {f"v{n}" for n in range(5)}


def test_publish_trims_by_age_and_folds(redis_client):
    k = LiveKeys.for_name(PREFIX, "published")
    rows = [(f"p{n}", n / 100, n / 200, None, {"speed": n}) for n in range(5000)]
    assert publish(redis_client, k, rows, retention_s=3600) == 5000
    assert redis_client.xlen(k.stream) == 5000
    assert int(redis_client.hget(k.meta, "folded")) == 5000
    assert redis_client.hlen(k.state) == 5000


def test_a_server_refusing_scripts_says_what_to_allow(tmp_path):
    server = RedisServer(tmp_path).start()
    try:
        admin = redis.Redis(port=server.port)
        admin.execute_command(
            "ACL", "SETUSER", "noscripts", ">pw", "on", "~*", "+@all", "-@scripting"
        )
        client = redis.Redis(port=server.port, username="noscripts", password="pw")
        client.xadd("georedis:live:{x}", {"id": "a", "lon": "1", "lat": "1"})
        with pytest.raises(GeoRedisError, match="@scripting"):
            fold(client, LiveKeys.for_name(PREFIX, "x"))
    finally:
        server.stop()


def test_a_key_of_another_type_is_named(redis_client):
    redis_client.set("georedis:live:{x}", "not a stream")
    with pytest.raises(GeoRedisError, match="another type"):
        fold(redis_client, LiveKeys.for_name(PREFIX, "x"))


def test_the_fold_runs_on_a_redis_cluster(cluster_url):
    client = get_client(ConnectionConfig(url=cluster_url))
    for name in ("north", "south", "east", "west"):  # names on different slots
        k = LiveKeys.for_name(PREFIX, name)
        for n in range(20):
            client.xadd(k.stream, {"id": f"{name}{n % 4}", "lon": "3", "lat": "4"})
        result = fold(client, k, snapshot=True)
        assert (result.read, len(result.positions)) == (20, 4)
