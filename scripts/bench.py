"""`make bench`: GeoRedis against native QGIS (or the plain approach) in the same run.

Each benchmark module under scripts/ exposes ``run(redis_url, out) -> None`` and prints one
Markdown table to ``out``. Every run uses a fresh redis-server of its own on a free loopback
port, so the figures never depend on (or disturb) a server that happens to be running.
"""

import argparse
import importlib
import os
import platform
import sys
import tempfile
from pathlib import Path

import numpy
import redis
from redis.utils import HIREDIS_AVAILABLE

from scripts.bench_common import server_version
from scripts.qgis_headless import start_qgis
from tests.redis_server import RedisServer

# (name, module) in the order they run
BENCHMARKS = [
    ("buffer", "scripts.bench_buffer"),
    ("points", "scripts.bench_points"),
    ("intersection", "scripts.bench_intersection"),
    ("clipdiff", "scripts.bench_clipdiff"),
    ("geosets", "scripts.bench_geoset"),
    ("cluster", "scripts.bench_cluster"),
    ("live", "scripts.bench_live"),
]
# run only when named: `make bench scale` (long, and heavy on memory), and either half of
# clipdiff alone (`make bench difference` takes minutes where clipdiff takes over 20)
ON_REQUEST = [
    ("scale", "scripts.bench_points", "run_scale"),
    ("clip", "scripts.bench_clipdiff", "run_clip"),
    ("difference", "scripts.bench_clipdiff", "run_difference"),
]


def platform_line(url: str) -> str:
    """What the figures were measured on, so that tables of two platforms can be compared."""
    from qgis.core import Qgis

    try:
        import shapely

        shapely_version = shapely.__version__
    except ImportError:
        shapely_version = "missing"
    # redis-py 6 ignores hiredis < 3 (Debian 13's python3-hiredis is 2.3.2): replies are then
    # parsed in pure Python, which shows in the search rows
    if HIREDIS_AVAILABLE:
        import hiredis

        parser = f"hiredis {hiredis.__version__}"
    else:
        parser = "pure-Python parser, no usable hiredis"
    return (
        f"QGIS {Qgis.version()}, Python {platform.python_version()}, GEOS {Qgis.geosVersion()}, "
        f"{server_version(url)} (redis-py {redis.__version__}, {parser}), "
        f"numpy {numpy.__version__}, shapely {shapely_version}; {os.cpu_count()} CPUs"
    )


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"Load average before this benchmark: {one:.2f}, {five:.2f}, {fifteen:.2f}."


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="names of the benchmarks to run (default: all)")
    args = parser.parse_args(argv)
    start_qgis()
    selected = [(n, m, "run") for n, m in BENCHMARKS if not args.only or n in args.only]
    selected += [entry for entry in ON_REQUEST if entry[0] in args.only]
    if not selected:
        print("| benchmark | result |\n|---|---|\n| (none yet) | |")
        return 0
    with tempfile.TemporaryDirectory(prefix="georedis-bench-") as workdir:
        server = RedisServer(Path(workdir)).start()
        try:
            print(platform_line(server.url), flush=True)
            for name, module_name, function in selected:
                print(f"\n## {name}\n\n{load_line()}\n", flush=True)
                getattr(importlib.import_module(module_name), function)(server.url, sys.stdout)
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
