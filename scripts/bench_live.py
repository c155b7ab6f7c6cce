"""`make bench live`: a live layer following 10,000 vehicles at 1 Hz, opening on a fleet with
an hour of history, and Redis memory per million entries.

1. Follow: scripts/fleet.py in its own process writes 10,000 updates/s for ``--seconds``
   (default 60); this process runs the panel's pipeline (LiveReader thread, 250 ms drain into
   the memory layer) in a Qt event loop. Lag = time an update reaches the layer minus its ts
   (same clock); a 20 ms QTimer records the event loop's longest stall; CPU and RSS of this
   process, the server's CPU (INFO cpu) and its time in the fold, XADD and XREAD (INFO
   commandstats) are sampled every 10 s on a thread of their own (drift = last sample minus
   the one after warm-up); the producer reports the rate it achieved. Lag and
   stalls are counted after a 10 s warm-up (the opening on the fleet is measured in 2.). The layer
   is not drawn (no canvas offscreen): QGIS draws layers on worker threads anyway.
2. Open: 10,000 vehicles reporting once a minute for the past hour (600,000 entries); time
   from start until the layer holds the whole fleet, with the state kept folded (the normal
   case: readers fold once a second) and with nobody having folded for the hour (the reader
   catches up on its 5-minute lifetime only).
3. Memory: MEMORY USAGE of a stream of 1,000,000 simulator entries, and of the state of
   10,000 ids.
4. History: georedis:positionhistory of a stream of 1,000,000 entries to a GeoPackage, points
   and tracks, each in a process of its own: time and peak RSS.

GEOREDIS_BENCH_LIVE_PARTS=follow,open,memory,history chooses the parts; GEOREDIS_BENCH_LIVE_SECONDS
the length of 1.
"""

import json
import os
import resource
import subprocess
import sys
import threading
import time

import numpy
import redis

from georedis_plugin.core.live.fold import fold
from georedis_plugin.core.live.keys import LiveKeys
from georedis_plugin.core.live.reader import LiveReader
from scripts.fleet import Fleet

PREFIX = "georedis"
VEHICLES = 10_000
FOLLOW_SECONDS = int(os.environ.get("GEOREDIS_BENCH_LIVE_SECONDS", "60"))
WARM_UP_S = 10 if FOLLOW_SECONDS > 20 else 2
SAMPLE_EVERY_S = 10 if FOLLOW_SECONDS > 20 else 2
# the server's time per command (INFO commandstats): the fold is the EVALSHA; the commands it
# runs inside are counted again under their own names, so they are left out
COMMANDS = ("xadd", "xread", "evalsha")


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values, share: float) -> float:
    return float(numpy.percentile(numpy.asarray(values), share * 100)) if values else float("nan")


class LagCounts:
    """Lags counted in 1 ms bins (up to 60 s): constant memory, so that the RSS drift is the
    reader's (a list of the 500,000 lags of a run took 16 MB)."""

    def __init__(self, most_s: float = 60.0):
        self.counts = numpy.zeros(int(most_s * 1000) + 1, dtype=numpy.int64)

    def add(self, lags) -> None:
        if lags:
            bins = numpy.clip(numpy.asarray(lags) * 1000.0, 0, len(self.counts) - 1)
            numpy.add.at(self.counts, bins.astype(numpy.int64), 1)

    def percentile(self, share: float) -> float:
        total = int(self.counts.sum())
        if not total:
            return float("nan")
        rank = int(numpy.searchsorted(numpy.cumsum(self.counts), share * total))
        return (rank + 0.5) / 1000.0  # the bin's middle


def follow(redis_url: str) -> dict:
    from qgis.PyQt.QtCore import QEventLoop, QTimer

    from georedis_plugin.gui.live_layer import LayerFeed, LiveLayer, point_geometry

    client = redis.Redis.from_url(redis_url)
    keys = LiveKeys.for_name(PREFIX, "bench follow")
    producer = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scripts.fleet",
            "--url",
            redis_url,
            "--name",
            keys.name,
            "--vehicles",
            str(VEHICLES),
            "--rate",
            "1",
            "--duration",
            str(FOLLOW_SECONDS),
            "--json",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    reader = LiveReader(lambda: client, keys, ttl_s=60, prepare=point_geometry)
    lags, stalls, samples = LagCounts(), [], []
    started = time.monotonic()

    class TimedLayer(LiveLayer):
        def apply(self, changes, repaint=True):
            super().apply(changes, repaint)
            if time.monotonic() - started > WARM_UP_S:  # past the opening on the fleet
                now = time.time()
                lags.add([now - p.ts / 1000.0 for p in changes.updated.values()])

    layer = TimedLayer(keys.name)
    feed = LayerFeed(layer, reader.take)
    last_tick = [time.perf_counter()]
    reader.start()

    def drain():
        feed.tick()

    def probe():
        now = time.perf_counter()
        if time.monotonic() - started > WARM_UP_S:
            stalls.append(now - last_tick[0])
        last_tick[0] = now

    def sample():
        # on its own thread: the INFO calls stay out of the event loop being measured
        server = redis.Redis.from_url(redis_url)
        while True:
            info = server.info("cpu")
            calls = server.info("commandstats")
            samples.append(
                (
                    time.monotonic() - started,
                    cpu_s(),
                    rss_mb(),
                    info["used_cpu_user"] + info["used_cpu_sys"],
                    {name: calls.get(f"cmdstat_{name}", {}).get("usec", 0) for name in COMMANDS},
                )
            )
            if done.is_set():
                return
            done.wait(SAMPLE_EVERY_S)  # then one last sample

    done = threading.Event()
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    loop = QEventLoop()
    timers = []
    for interval, slot in ((250, drain), (20, probe)):
        timer = QTimer()
        timer.setInterval(interval)
        timer.timeout.connect(slot)
        timer.start()
        timers.append(timer)
    QTimer.singleShot(int((FOLLOW_SECONDS + 1) * 1000), loop.quit)
    loop.exec()
    for timer in timers:
        timer.stop()
    done.set()
    sampler.join()
    produced = json.loads(producer.communicate(timeout=30)[0].strip().splitlines()[-1])
    feed.close()
    status = reader.take().status
    reader.stop()
    written = client.xlen(keys.stream)
    warm = [s for s in samples if s[0] >= WARM_UP_S] or samples
    span = warm[-1][0] - warm[0][0] or 1.0
    client.delete(*keys.folded_keys)
    server_s = {name: (warm[-1][4][name] - warm[0][4][name]) / 1e6 / span for name in COMMANDS}
    return {
        "written": written,
        "produced": produced,
        "redis_cpu": (warm[-1][3] - warm[0][3]) / span,
        "server_s": server_s,
        "applied": status.applied,
        "lag_p50": lags.percentile(0.5),
        "lag_p99": lags.percentile(0.99),
        "stall_max_ms": (max(stalls) - 0.020) * 1000 if stalls else float("nan"),
        "stall_p99_ms": (percentile(stalls, 0.99) - 0.020) * 1000,
        "cpu_share": (warm[-1][1] - warm[0][1]) / span,
        "rss_first": warm[0][2],
        "rss_last": warm[-1][2],
        "ids": layer.layer.featureCount(),
    }


def history_hour(client, keys, vehicles=VEHICLES, every_s=60) -> int:
    """``vehicles`` reporting every ``every_s`` s over the last hour, with matching entry ids."""
    fleet = Fleet(vehicles)
    now_ms = int(time.time() * 1000) - 1000
    start_ms = now_ms - 3_600_000
    step = every_s * 1000 / vehicles  # one vehicle after the other
    pipe = client.pipeline(transaction=False)
    written = 0
    for round_number in range(3600 // every_s):
        which = numpy.arange(vehicles)
        fleet.move(every_s, which)
        base = start_ms + round_number * every_s * 1000
        for i, fields in zip(which, fleet.entries(which, 0)):
            ms = int(base + i * step)
            fields["ts"] = str(ms)
            pipe.xadd(keys.stream, fields, id=f"{ms}-{i}")
        written += len(pipe.execute())
    return written


def open_fleet(client, keys, folded: bool) -> dict:
    from qgis.PyQt.QtCore import QCoreApplication

    from georedis_plugin.gui.live_layer import LiveLayer, point_geometry

    if folded:
        fold(client, keys, retention_s=0)
    layer = LiveLayer(keys.name)
    started = time.perf_counter()
    reader = LiveReader(lambda: client, keys, ttl_s=300, prepare=point_geometry)
    reader.start()
    while layer.layer.featureCount() < VEHICLES and time.perf_counter() - started < 60:
        layer.apply(reader.take())
        QCoreApplication.processEvents()
        time.sleep(0.01)
    seconds = time.perf_counter() - started
    reader.stop()
    return {"seconds": seconds, "ids": layer.layer.featureCount()}


def fill(client, keys, rounds: int) -> None:
    """``rounds`` reports of each of the 10,000 simulated vehicles."""
    fleet = Fleet(VEHICLES)
    pipe = client.pipeline(transaction=False)
    which = numpy.arange(VEHICLES)
    for _ in range(rounds):
        fleet.move(1, which)
        for fields in fleet.entries(which, int(time.time() * 1000)):
            pipe.xadd(keys.stream, fields)
        pipe.execute()


def memory(client) -> dict:
    keys = LiveKeys.for_name(PREFIX, "bench memory")
    fill(client, keys, 100)
    entries = client.xlen(keys.stream)
    stream_bytes = client.memory_usage(keys.stream, samples=0)
    fold(client, keys, retention_s=0)
    state_bytes = sum(
        client.memory_usage(k, samples=0) or 0 for k in (keys.pos, keys.seen, keys.state)
    )
    client.delete(*keys.folded_keys)
    return {
        "entries": entries,
        "stream_mb_per_million": stream_bytes / entries * 1e6 / 2**20,
        "state_bytes_per_id": state_bytes / VEHICLES,
    }


HISTORY_ROUNDS = 100  # 1,000,000 entries


def history_child(redis_url: str, name: str, destination: str, as_tracks: bool) -> None:
    """In its own process: georedis:positionhistory of the whole stream to a GeoPackage; prints
    its time, count and the process's peak RSS as JSON."""
    from scripts.qgis_headless import start_qgis

    start_qgis()
    from qgis import processing
    from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingFeedback

    from georedis_plugin.processing.provider import GeoRedisProvider

    os.environ["GEOREDIS_URL"] = redis_url
    provider = GeoRedisProvider()
    if not QgsApplication.processingRegistry().addProvider(provider):
        raise RuntimeError("the GeoRedis provider could not be registered")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    started = time.perf_counter()
    result = processing.run(
        "georedis:positionhistory",
        {"NAME": name, "AS_TRACKS": as_tracks, "OUTPUT": destination},
        context=QgsProcessingContext(),
        feedback=QgsProcessingFeedback(),
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(
        json.dumps({"seconds": seconds, "count": result["COUNT"], "before": before, "peak": peak})
    )


def history(redis_url: str, client) -> list:
    """Peak RSS of positionhistory over a stream of a million entries, points and tracks."""
    import tempfile

    keys = LiveKeys.for_name(PREFIX, "bench history")
    fill(client, keys, HISTORY_ROUNDS)
    rows = []
    with tempfile.TemporaryDirectory(prefix="georedis-history-") as workdir:
        for as_tracks in (False, True):
            destination = os.path.join(workdir, f"history-{as_tracks}.gpkg")
            child = subprocess.run(
                [sys.executable, "-m", "scripts.bench_live", "history-child", redis_url,
                 keys.name, destination, "1" if as_tracks else "0"],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
            rows.append((as_tracks, json.loads(child.stdout.strip().splitlines()[-1])))
    entries = client.xlen(keys.stream)
    client.delete(*keys.folded_keys)
    return entries, rows


def history_table(redis_url, client, out) -> None:
    entries, rows = history(redis_url, client)
    print(
        f"\n| positionhistory of {entries:,} entries to a GeoPackage (own process) | time | "
        "positions | peak RSS (after start-up) |\n|---|---|---|---|",
        file=out,
    )
    for as_tracks, measured in rows:
        print(
            f"| {'one line per id (AS_TRACKS)' if as_tracks else 'points'} | "
            f"{measured['seconds']:.1f} s | {measured['count']:,} | {measured['peak']:.0f} MB "
            f"({measured['before']:.0f} MB) |",
            file=out,
        )
    out.flush()


def run(redis_url: str, out) -> None:
    client = redis.Redis.from_url(redis_url)
    parts = os.environ.get("GEOREDIS_BENCH_LIVE_PARTS", "follow,open,memory,history").split(",")
    if "follow" in parts:
        follow_table(redis_url, out)
    if "open" in parts:
        open_table(client, out)
    if "memory" in parts:
        memory_table(client, out)
    if "history" in parts:
        history_table(redis_url, client, out)


def follow_table(redis_url, out) -> None:
    followed = follow(redis_url)
    print(
        "| follow: 10,000 vehicles at 1 Hz, %d s | value | target |" % FOLLOW_SECONDS,
        "|---|---|---|",
        sep="\n",
        file=out,
    )
    produced = followed["produced"]
    server = followed["server_s"]
    rows = [
        (
            "producer (scripts/fleet.py, one process): rate achieved",
            f"{produced['rate']:,.0f} updates/s over {produced['seconds']:.1f} s "
            f"(slowest second {produced['slowest_second']:,})",
            "10,000/s",
        ),
        (
            "entries written / applied to the layer",
            f"{followed['written']:,} / {followed['applied']:,}",
            "",
        ),
        ("layer lag p50", f"{followed['lag_p50']:.3f} s", "≤ 0.5 s"),
        ("layer lag p99", f"{followed['lag_p99']:.3f} s", "≤ 1 s"),
        (
            "event loop: longest stall (20 ms probe)",
            f"{followed['stall_max_ms']:.0f} ms",
            "≤ 100 ms",
        ),
        ("event loop: stall p99", f"{followed['stall_p99_ms']:.0f} ms", ""),
        ("reader process CPU after warm-up", f"{followed['cpu_share'] * 100:.0f} % of a core", ""),
        (
            "RSS after warm-up → end (drift)",
            f"{followed['rss_first']:.0f} → {followed['rss_last']:.0f} MB "
            f"({followed['rss_last'] - followed['rss_first']:+.0f} MB)",
            "",
        ),
        ("ids on the layer at the end", f"{followed['ids']:,}", ""),
        (
            "Redis CPU after warm-up (INFO cpu)",
            f"{followed['redis_cpu'] * 100:.0f} % of a core",
            "",
        ),
        (
            "of which the fold (EVALSHA) / XADD / XREAD (INFO commandstats)",
            f"{server['evalsha'] * 100:.1f} / {server['xadd'] * 100:.1f} / "
            f"{server['xread'] * 100:.1f} % of a core",
            "",
        ),
    ]
    for row in rows:
        print("| %s | %s | %s |" % row, file=out)
    out.flush()


def open_table(client, out) -> None:
    print(
        "\n| open on 10,000 vehicles, 1 h of history (600,000 entries) | time to the whole "
        "fleet | target |\n|---|---|---|",
        file=out,
    )
    for folded in (True, False):
        keys = LiveKeys.for_name(PREFIX, f"bench open {folded}")
        history_hour(client, keys)
        opened = open_fleet(client, keys, folded)
        label = (
            "state kept folded (readers running)"
            if folded
            else "nobody folded for the hour (catch-up on the 5 min lifetime)"
        )
        print(f"| {label} | {opened['seconds']:.2f} s ({opened['ids']:,} ids) | ≤ 2 s |", file=out)
        client.delete(*keys.folded_keys)
    out.flush()


def memory_table(client, out) -> None:
    measured = memory(client)
    print("\n| Redis memory | value |\n|---|---|", file=out)
    print(
        f"| stream, per million simulator entries (6 fields) | "
        f"{measured['stream_mb_per_million']:.0f} MB |",
        file=out,
    )
    print(
        f"| latest state (geo set + last-seen + state hash), per id | "
        f"{measured['state_bytes_per_id']:.0f} bytes |",
        file=out,
    )


if __name__ == "__main__" and sys.argv[1:2] == ["history-child"]:
    url, stream_name, destination_path, tracks = sys.argv[2:6]
    history_child(url, stream_name, destination_path, tracks == "1")
