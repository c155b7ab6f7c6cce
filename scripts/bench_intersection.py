"""Benchmark: georedis:intersection against native:intersection, world_map states x countries.

Two inputs: the GeoPackage itself (a copy, so the 1% edit can be written to it), as users run
it, and in-memory copies of the layers, which spare native its per-feature GeoPackage reads.
native:intersection runs once per input (about a minute on the GeoPackage); the GeoRedis
variants run REPEATS times: cold = cache cleared before each run, warm = everything cached,
edited = a different 1% of the input features changed before each run.
"""

import shutil
import tempfile
from pathlib import Path

from qgis.core import QgsVectorLayer

from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.wkb_cache import cache_statistics, clear_cache
from scripts.bench_common import (
    WORLD_MAP,
    edit_share,
    georedis_on,
    median,
    print_table,
    run_algorithm,
    world_layer,
)

REPEATS = 5
EDITED_SHARE = 0.01


def measure(client, prefix, states, countries, out, label) -> None:
    parameters = {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}
    native, result = run_algorithm("native:intersection", parameters)
    native_count = result["OUTPUT_FEATURES"]

    cold = []
    for _ in range(REPEATS):
        clear_cache(client, prefix)
        seconds, result = run_algorithm("georedis:intersection", parameters)
        assert result["CACHE_HITS"] == 0, result
        assert result["OUTPUT_FEATURES"] == native_count, result
        cold.append(seconds)
    pairs = result["CACHE_MISSES"]
    memory = cache_statistics(client, prefix)

    warm = []
    for _ in range(REPEATS):
        seconds, result = run_algorithm("georedis:intersection", parameters)
        assert (result["CACHE_HITS"], result["CACHE_MISSES"]) == (pairs, 0), result
        warm.append(seconds)

    edited, edited_count, recomputed = [], 0, []
    for round_number in range(REPEATS):
        edited_count = edit_share(states, round_number, EDITED_SHARE)
        seconds, result = run_algorithm("georedis:intersection", parameters)
        recomputed.append(result["CACHE_MISSES"])
        edited.append(seconds)
    clear_cache(client, prefix)

    rows = [
        ("native:intersection (1 run)", native),
        ("georedis:intersection cold (cache cleared)", median(cold)),
        ("georedis:intersection warm (all cached)", median(warm)),
        (
            f"georedis:intersection after editing {edited_count} input features (1%), "
            f"{median(recomputed):.0f} pairs recomputed",
            median(edited),
        ),
    ]
    title = (
        f"**{label}**: `states_provinces` ({states.featureCount()} features) x `countries` "
        f"({countries.featureCount()}), {pairs} intersecting pairs, {native_count} output "
        f"features; GeoRedis medians of {REPEATS} runs; output to a memory layer."
    )
    print_table(out, title, rows, native)
    print(
        f"\nRedis memory used by the cache: {memory['memory_bytes'] / 1e6:.1f} MB for "
        f"{memory['entries']} entries (pair results, candidate lists, validity flags).\n",
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
        measure(client, prefix, states, countries, out, "GeoPackage layers")
        del states, countries
        measure(
            client,
            prefix,
            world_layer("states_provinces"),
            world_layer("countries"),
            out,
            "Memory layers",
        )
