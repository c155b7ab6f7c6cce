"""`make bench`: GeoRedis against native QGIS (or the plain approach) in the same run.

Each benchmark module under scripts/ exposes ``run(redis_url, out) -> None`` and prints one
Markdown table to ``out``. Every run uses a fresh redis-server of its own on a free loopback
port, so the figures never depend on (or disturb) a server that happens to be running.
"""

import argparse
import importlib
import sys
import tempfile
from pathlib import Path

from scripts.qgis_headless import start_qgis
from tests.redis_server import RedisServer

# (name, module) in the order they run
BENCHMARKS = [
    ("buffer", "scripts.bench_buffer"),
    ("intersection", "scripts.bench_intersection"),
    ("geosets", "scripts.bench_geoset"),
    ("cluster", "scripts.bench_cluster"),
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("only", nargs="*", help="names of the benchmarks to run (default: all)")
    args = parser.parse_args(argv)
    start_qgis()
    selected = [(n, m) for n, m in BENCHMARKS if not args.only or n in args.only]
    if not selected:
        print("| benchmark | result |\n|---|---|\n| (none yet) | |")
        return 0
    with tempfile.TemporaryDirectory(prefix="georedis-bench-") as workdir:
        server = RedisServer(Path(workdir)).start()
        try:
            for name, module_name in selected:
                print(f"\n## {name}\n", flush=True)
                importlib.import_module(module_name).run(server.url, sys.stdout)
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
