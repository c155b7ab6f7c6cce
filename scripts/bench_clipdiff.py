"""Benchmark: georedis:clip and georedis:difference against the natives, world_map states x
countries from the GeoPackage (a copy), output to a memory layer.

Each native runs once (native:clip unites the whole overlay, then intersects every state with
that union: many minutes); the GeoRedis variants run REPEATS times: cold = cache cleared
before each run, warm = everything cached.
"""

import shutil
import tempfile
from pathlib import Path

from qgis.core import QgsVectorLayer

from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.wkb_cache import cache_statistics, clear_cache
from scripts.bench_common import WORLD_MAP, georedis_on, median, print_table, run_algorithm

REPEATS = 3


def measure(client, prefix, name, states, countries, out) -> None:
    parameters = {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}
    native, result = run_algorithm(f"native:{name}", parameters)
    native_count = result["OUTPUT_FEATURES"]
    cold = []
    for _ in range(REPEATS):
        clear_cache(client, prefix)
        seconds, result = run_algorithm(f"georedis:{name}", parameters)
        assert result["CACHE_HITS"] == 0, result
        assert result["OUTPUT_FEATURES"] == native_count, (result, native_count)
        cold.append(seconds)
    computed = result["CACHE_MISSES"]
    memory = cache_statistics(client, prefix)
    warm = []
    for _ in range(REPEATS):
        seconds, result = run_algorithm(f"georedis:{name}", parameters)
        assert (result["CACHE_HITS"], result["CACHE_MISSES"]) == (computed, 0), result
        assert result["OUTPUT_FEATURES"] == native_count, (result, native_count)
        warm.append(seconds)
    clear_cache(client, prefix)
    rows = [
        (f"native:{name} (1 run)", native),
        (f"georedis:{name} cold (cache cleared)", median(cold)),
        (f"georedis:{name} warm (all cached)", median(warm)),
    ]
    title = (
        f"**{name}, GeoPackage layers**: `states_provinces` ({states.featureCount()} features) "
        f"by `countries` ({countries.featureCount()}), {computed} input features with a "
        f"result, {native_count} output features; GeoRedis medians of {REPEATS} runs; output "
        "to a memory layer."
    )
    print_table(out, title, rows, native)
    print(
        f"\nRedis memory used by the cache: {memory['memory_bytes'] / 1e6:.1f} MB for "
        f"{memory['entries']} entries (results, candidate lists, validity flags).\n",
        file=out,
        flush=True,
    )


def run(redis_url: str, out) -> None:
    with georedis_on(redis_url) as client, tempfile.TemporaryDirectory() as workdir:
        prefix = ConnectionConfig.from_settings().key_prefix
        copy = Path(workdir) / "world_map.gpkg"
        shutil.copyfile(WORLD_MAP, copy)
        states = QgsVectorLayer(f"{copy}|layername=states_provinces", "states", "ogr")
        countries = QgsVectorLayer(f"{copy}|layername=countries", "countries", "ogr")
        for name in ("clip", "difference"):
            measure(client, prefix, name, states, countries, out)
