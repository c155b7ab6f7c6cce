"""Benchmark: a 10,000,000-point geo set loaded and searched on a local 3-primary Redis Cluster.

Starts its own cluster (three redis-server processes on loopback ports, ``redis-cli --cluster
create``). The points are generated with numpy over a Europe-sized
extent and loaded through the plugin's own path, ``geoset.load_points`` on a ``PointData`` of
arrays (what ``load_layer`` calls once ``read_points`` has read a layer: only that reading is
left out, a 10M-feature memory layer would cost minutes and gigabytes before Redis is even
involved; bench_geoset measures that reading on 1M points). The client is the plugin's own
``get_client`` for a ``redis+cluster://`` URL. Reports load time, the memory the set takes on
its primary, and radius-search latency percentiles over 1,000 random centres with hit counts;
the same on the standalone server ``redis_url`` for comparison.
"""

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import redis

from georedis_plugin.core import geoset
from georedis_plugin.core.clients import get_client, reset_clients
from georedis_plugin.core.config import ConnectionConfig
from scripts.bench_common import server_version
from tests.redis_topologies import LocalCluster

POINTS = 10_000_000
SEARCHES = 1_000
RADII_M = (1_000.0, 10_000.0, 50_000.0)
EXTENT = ((-10.0, 30.0), (35.0, 60.0))  # lon, lat
PREFIX = "bench"
NAME = "ten million"
SEED = 2026


def percentile(values, q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def measure(url: str, data, home_of, rng_seed: int) -> dict:
    """Load ``data`` through the plugin's client for ``url``, then time the searches.

    ``home_of(client, key)`` gives a plain client of the server holding the set.
    """
    config = ConnectionConfig(url=url, read_timeout=30.0)
    client = get_client(config)
    key = geoset.GeoSetKeys.for_name(PREFIX, NAME).geo
    home = home_of(client, key)
    home.memory_purge()
    before = home.info("memory")["used_memory"]
    result = geoset.load_points(client, PREFIX, NAME, data)
    time.sleep(1.0)  # let lazy freeing and the allocator settle
    after = home.info("memory")["used_memory"]
    assert client.zcard(key) == POINTS == result.loaded
    figures = {
        "load_s": result.seconds,
        "memory": after - before,
        "sampled": home.memory_usage(key) or 0,
        "searches": {},
    }
    geo_set = geoset.GeoSet(client, PREFIX, NAME)
    rng = np.random.default_rng(rng_seed)  # the same centres for every server
    for radius in RADII_M:
        centres = np.column_stack(
            [rng.uniform(*EXTENT[0], SEARCHES), rng.uniform(*EXTENT[1], SEARCHES)]
        )
        latencies, hits = [], []
        for x, y in centres.tolist():
            t0 = time.perf_counter()
            found = geo_set.radius(x, y, radius, "m")
            latencies.append((time.perf_counter() - t0) * 1000.0)
            hits.append(len(found))
        figures["searches"][radius] = (latencies, hits)
    home.delete(key, geoset.GeoSetKeys.for_name(PREFIX, NAME).meta)
    home.close()
    reset_clients()
    return figures


def cluster_primary(client, key: str):
    node = client.get_node_from_key(key)
    return redis.Redis(host=node.host, port=node.port)


def run(redis_url, out) -> None:
    rng = np.random.default_rng(SEED)
    started = time.perf_counter()
    lon = rng.uniform(*EXTENT[0], POINTS)
    lat = rng.uniform(*EXTENT[1], POINTS)
    data = geoset.PointData(lon=lon, lat=lat, members=np.arange(POINTS, dtype=np.int64))
    generate_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="georedis-bench-cluster-") as workdir:
        # a long node timeout: a busy node (10M-member load) must not be marked as failing
        cluster = LocalCluster(
            Path(workdir), extra_args=("--cluster-node-timeout", "30000")
        ).start()
        try:
            on_cluster = measure(cluster.url, data, cluster_primary, SEED + 1)
        finally:
            reset_clients()
            cluster.stop()
    standalone = measure(
        redis_url, data, lambda client, key: redis.Redis.from_url(redis_url), SEED + 1
    )
    report(out, generate_s, on_cluster, standalone, server_version(redis_url))


def report(out, generate_s: float, cluster: dict, standalone: dict, server: str) -> None:
    def both(fn) -> str:
        return f"{fn(cluster)} | {fn(standalone)}"

    print(
        f"{POINTS:,} points (numpy, uniform over lon {EXTENT[0]}, lat {EXTENT[1]}; generated "
        f"in {generate_s:.2f} s) loaded through geoset.load_points, on a local 3-primary "
        f"cluster and, for comparison, on the standalone server of this run ({server}, "
        "loopback, same machine).\n",
        file=out,
    )
    print("| measure | cluster (3 primaries) | standalone |", file=out)
    print("|---|---:|---:|", file=out)
    print(
        "| load (scores, sorted ZADD batches, RENAME) | "
        + both(lambda f: f"{f['load_s']:.2f} s ({POINTS / f['load_s'] / 1e6:.2f} M points/s)")
        + " |",
        file=out,
    )
    print(
        "| memory on the set's server (used_memory delta) | "
        + both(lambda f: f"{f['memory'] / 2**20:,.0f} MiB ({f['memory'] / POINTS:.0f} B/point)")
        + " |",
        file=out,
    )
    print(
        "| MEMORY USAGE of the key (sampled estimate) | "
        + both(lambda f: f"{f['sampled'] / 2**20:,.0f} MiB")
        + " |",
        file=out,
    )
    for radius in RADII_M:
        label = f"radius {radius / 1000:g} km ×{SEARCHES:,}"

        def latency(f, radius=radius):
            values = f["searches"][radius][0]
            return f"{percentile(values, 50):.2f} / {percentile(values, 99):.2f} ms"

        def hits(f, radius=radius):
            values = f["searches"][radius][1]
            return (
                f"{statistics.fmean(values):,.0f} / {percentile(values, 50):,.0f} / "
                f"{percentile(values, 99):,.0f}"
            )

        print(f"| {label}: latency p50 / p99 | {both(latency)} |", file=out)
        print(f"| {label}: hits mean / p50 / p99 | {both(hits)} |", file=out)
    print(
        "\nA geo set lives under one hash tag, so on one slot and one primary: the cluster "
        "spreads many sets (and the cache) over its nodes, not the points of one set, and a "
        "set's size is bounded by one node's memory. Latency is per core call "
        "(GeoSet.radius: GEOSEARCH ... WITHDIST WITHHASH, coordinates decoded with numpy), "
        "one client thread, same random centres on both servers.",
        file=out,
    )
    out.flush()
