"""Following a live stream: latest positions, TTL, faults, two readers, geofence events."""

import threading
import time

import redis
from qgis.core import QgsGeometry

from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.errors import explain_error
from georedis_plugin.core.live import reader as live_reader
from georedis_plugin.core.live.fold import fold
from georedis_plugin.core.live.geofence import Fences, FenceTracker
from georedis_plugin.core.live.keys import LiveKeys
from tests.redis_server import RedisServer, free_port
from tests.redis_topologies import wait_until

PREFIX = "georedis"


def keys(name="fleet"):
    return LiveKeys.for_name(PREFIX, name)


class Recorder:
    """Everything a reader applied, from its worker thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entry_ids = []

    def __call__(self, positions):
        with self.lock:
            self.entry_ids.extend(p.entry_id for p in positions)


def start_reader(url, k, ttl=0, **options):
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1)
    reader = live_reader.LiveReader(lambda: client, k, ttl, **options)
    reader.start()
    return reader


def drain(reader, until, timeout=10.0, shown=None):
    """take() until ``until(shown, status)`` holds; the ids shown (id -> Position), kept in
    ``shown`` if given (what a layer shows across calls)."""
    shown = {} if shown is None else shown
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        changes = reader.take()
        shown.update(changes.updated)
        for ident in changes.removed:
            shown.pop(ident, None)
        if until(shown, changes.status):
            return shown, changes.status
        time.sleep(0.05)
    raise AssertionError(f"not reached within {timeout} s: {changes.status}")


def test_a_reader_shows_the_state_then_follows_the_stream(redis_url, redis_client):
    k = keys()
    for n in range(30):
        redis_client.xadd(k.stream, {"id": f"v{n}", "lon": "1", "lat": "2", "n": "0"})
    fold(redis_client, k)
    reader = start_reader(redis_url, k)
    try:
        shown, _ = drain(reader, lambda shown, s: len(shown) == 30)
        for n in range(10):
            redis_client.xadd(k.stream, {"id": f"v{n}", "lon": "3", "lat": "4", "n": "1"})
        shown, status = drain(reader, lambda v, s: s.applied == 10, shown=shown)
        assert {i for i, p in shown.items() if p.attributes["n"] == "1"} == {
            f"v{n}" for n in range(10)
        }
        assert (status.state, status.ids) == (live_reader.FOLLOWING, 30)
    finally:
        reader.stop()


def test_ids_not_seen_for_the_ttl_are_dropped(redis_url, redis_client):
    k = keys()
    now = int(time.time() * 1000)
    redis_client.xadd(k.stream, {"id": "old", "lon": "1", "lat": "2", "ts": str(now - 1500)})
    redis_client.xadd(k.stream, {"id": "fresh", "lon": "1", "lat": "2"})
    reader = start_reader(redis_url, k, ttl=2)
    try:
        shown, _ = drain(reader, lambda shown, s: set(shown) == {"old", "fresh"})
        _, status = drain(reader, lambda v, s: set(v) == {"fresh"}, timeout=5, shown=shown)
        assert status.ids == 1
    finally:
        reader.stop()


def test_hostile_entries_are_skipped_and_counted(redis_url, redis_client):
    k = keys()
    reader = start_reader(redis_url, k)
    try:
        drain(reader, lambda shown, s: s.state == live_reader.FOLLOWING)
        redis_client.xadd(k.stream, {"id": "big", "lon": "1", "lat": "2", "blob": b"x" * 2**20})
        redis_client.xadd(k.stream, {"id": b"\x00\xff", "lon": b"\xff", "lat": "2"})
        redis_client.xadd(k.stream, {"lon": "1", "lat": "2"})
        redis_client.xadd(k.stream, {"id": b"\x00\xff", "lon": "1", "lat": "2", "b": b"\x80"})
        shown, status = drain(reader, lambda shown, s: s.skipped + s.applied == 4)
        assert (status.skipped, status.applied) == (3, 1)
        assert shown["\x00\udcff"].attributes == {"b": "\ufffd"}
    finally:
        reader.stop()


def test_two_readers_following_one_stream_agree(redis_url, redis_client):
    k = keys()
    readers = [start_reader(redis_url, k) for _ in range(2)]
    try:
        for reader in readers:
            drain(reader, lambda shown, s: s.state == live_reader.FOLLOWING)
        pipe = redis_client.pipeline(transaction=False)
        for n in range(5000):
            pipe.xadd(k.stream, {"id": f"v{n % 300}", "lon": f"{n % 170}", "lat": "1", "n": str(n)})
        pipe.execute()
        views = [drain(r, lambda v, s: s.applied == 5000, shown={})[0] for r in readers]
        assert views[0] == views[1]
        assert {p.attributes["n"] for p in views[0].values()} == {str(n) for n in range(4700, 5000)}
        # the readers fold the server's state about once a second, each entry once in all
        wait_until(lambda: redis_client.hget(k.meta, "folded") == b"5000", 5, "the fold")
        time.sleep(1.5)
        assert redis_client.hget(k.meta, "folded") == b"5000"
    finally:
        for reader in readers:
            reader.stop()


def test_a_redis_restart_mid_stream_loses_and_repeats_no_entry(tmp_path):
    server = RedisServer(tmp_path, "--appendonly", "yes", "--appendfsync", "always").start()
    k = keys()
    recorder = Recorder()
    reader = start_reader(server.url, k, observer=recorder)
    stop = threading.Event()
    written = [0]

    def producer():
        client = redis.Redis.from_url(server.url, socket_timeout=1, socket_connect_timeout=0.5)
        n = 0
        while not stop.is_set():
            try:
                client.xadd(k.stream, {"id": f"v{n % 40}", "lon": "1", "lat": "1", "n": str(n)})
                n += 1
                written[0] = n
            except redis.RedisError:
                time.sleep(0.05)
            time.sleep(0.001)

    thread = threading.Thread(target=producer)
    try:
        drain(reader, lambda shown, s: s.state == live_reader.FOLLOWING)
        thread.start()
        wait_until(lambda: written[0] > 300, 10, "entries before the restart")
        server.stop()  # SIGTERM: the AOF has every acknowledged entry
        drain(reader, lambda shown, s: s.state == live_reader.DOWN)
        server.start()
        wait_until(lambda: written[0] > 1000, 20, "entries after the restart")
        stop.set()
        thread.join()
        client = redis.Redis.from_url(server.url)
        everything = [e.decode() for e, _ in client.xrange(k.stream)]
        drain(reader, lambda shown, s: s.applied == len(everything), timeout=20)
        with recorder.lock:
            assert recorder.entry_ids == everything  # each once, in order, none lost
    finally:
        stop.set()
        reader.stop()
        server.stop()


def test_redis_down_is_reported_with_backoff_and_take_never_waits(tmp_path):
    port = free_port()  # nothing listens there
    url = f"redis://127.0.0.1:{port}/0"
    config = ConnectionConfig(url=url)
    reader = start_reader(url, keys(), explain=lambda exc: explain_error(exc, config))
    try:
        _, status = drain(reader, lambda shown, s: s.state == live_reader.DOWN)
        assert "Nothing accepts connections" in status.message
        waits = set()
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            started = time.perf_counter()
            status = reader.take().status
            assert time.perf_counter() - started < 0.05
            waits.add(status.retry_in_s)
            time.sleep(0.05)
        assert {0.5, 1.0, 2.0} <= waits
        assert "retrying in" in live_reader.status_text(status)
    finally:
        reader.stop()


def test_the_reader_reports_fence_enters_and_exits_to_the_events_stream(redis_url, redis_client):
    k = keys()
    fence = QgsGeometry.fromWkt("POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))")
    tracker = FenceTracker(Fences([("depot", fence)]))
    redis_client.xadd(k.stream, {"id": "a", "lon": "-5", "lat": "5"})
    reader = start_reader(redis_url, k, tracker=tracker)
    try:
        drain(reader, lambda shown, s: "a" in shown)
        for lon in ("5", "6", "15"):
            redis_client.xadd(k.stream, {"id": "a", "lon": lon, "lat": "5"})
        events = []
        deadline = time.monotonic() + 5
        while len(events) < 2 and time.monotonic() < deadline:
            events += reader.take().events
            time.sleep(0.05)
        assert [(e.id, e.fence, e.kind, e.lon) for e in events] == [
            ("a", "depot", "enter", 5.0),
            ("a", "depot", "exit", 15.0),
        ]
        stored = [f for _, f in redis_client.xrange(k.events)]
        assert [(f[b"kind"], f[b"fence"]) for f in stored] == [
            (b"enter", b"depot"),
            (b"exit", b"depot"),
        ]
    finally:
        reader.stop()


def test_a_slow_ui_keeps_one_position_per_id_and_sees_the_newest(redis_url, redis_client):
    k = keys()
    reader = start_reader(redis_url, k)
    try:
        drain(reader, lambda shown, s: s.state == live_reader.FOLLOWING)
        pipe = redis_client.pipeline(transaction=False)
        for n in range(20000):  # nobody takes the changes meanwhile
            pipe.xadd(k.stream, {"id": f"v{n % 100}", "lon": "1", "lat": "1", "n": str(n)})
        pipe.execute()
        # the first take() after the reader has applied everything: poll its status only
        wait_until(lambda: reader.status().applied == 20000, 10, "the reader to catch up")
        changes = reader.take()
        assert len(changes.updated) <= 100
        assert {p.attributes["n"] for p in changes.updated.values()} <= {
            str(n) for n in range(19900, 20000)
        }
    finally:
        reader.stop()


def test_a_reader_follows_a_stream_on_a_redis_cluster(cluster_url):
    from georedis_plugin.core.clients import get_client

    client = get_client(ConnectionConfig(url=cluster_url))
    k = keys("cluster fleet")
    client.xadd(k.stream, {"id": "a", "lon": "1", "lat": "1"})
    reader = live_reader.LiveReader(lambda: client, k, 0)
    reader.start()
    try:
        drain(reader, lambda shown, s: "a" in shown)
        client.xadd(k.stream, {"id": "b", "lon": "2", "lat": "2"})
        shown, status = drain(reader, lambda shown, s: s.applied == 1)
        assert set(shown) == {"b"} and status.ids == 2
    finally:
        reader.stop()


def test_a_reader_far_behind_the_state_catches_up_by_reading(redis_url, redis_client):
    k = keys()
    pipe = redis_client.pipeline(transaction=False)
    for n in range(30000):  # nobody folded these: more than the reader folds at start
        pipe.xadd(k.stream, {"id": f"v{n % 500}", "lon": "1", "lat": "1", "n": str(n)})
    pipe.execute()
    recorder = Recorder()
    reader = start_reader(redis_url, k, observer=recorder)
    try:
        drain(
            reader,
            lambda shown, s: (
                len(shown) == 500
                and all(p.attributes["n"] == str(29500 + int(i[1:])) for i, p in shown.items())
            ),
        )
        with recorder.lock:  # what the start fold left was read, each entry once
            assert len(recorder.entry_ids) == len(set(recorder.entry_ids)) > 0
        wait_until(lambda: redis_client.hget(k.meta, "folded") == b"30000", 10, "the folds")
    finally:
        reader.stop()


def test_two_readers_with_the_same_fences_write_each_event_once(redis_url, redis_client):
    k = keys()
    fence = QgsGeometry.fromWkt("POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))")
    redis_client.xadd(k.stream, {"id": b"bus \xff", "lon": "-5", "lat": "5"})
    readers = [
        start_reader(redis_url, k, tracker=FenceTracker(Fences([("depot", fence)])))
        for _ in range(2)
    ]
    try:
        for reader in readers:
            drain(reader, lambda shown, s: len(shown) == 1)
        for lon in ("5", "15", "5"):
            redis_client.xadd(k.stream, {"id": b"bus \xff", "lon": lon, "lat": "5"})
        seen = [[], []]
        deadline = time.monotonic() + 5
        while min(len(s) for s in seen) < 3 and time.monotonic() < deadline:
            for reader, events in zip(readers, seen):
                events += reader.take().events
            time.sleep(0.05)
        assert [e.kind for e in seen[0]] == [e.kind for e in seen[1]] == ["enter", "exit", "enter"]
        stored = [f for _, f in redis_client.xrange(k.events)]
        assert [(f[b"id"], f[b"kind"]) for f in stored] == [
            (b"bus \xff", b"enter"),
            (b"bus \xff", b"exit"),
            (b"bus \xff", b"enter"),
        ]
    finally:
        for reader in readers:
            reader.stop()
