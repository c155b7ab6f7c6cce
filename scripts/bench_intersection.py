"""Benchmark: georedis:intersection against native:intersection, world_map states x countries.

Two inputs: the GeoPackage itself (a copy, so the 1% edit can be written to it), as users run
it, and in-memory copies of the layers, which spare native its per-feature GeoPackage reads.
native:intersection runs once per input (about a minute on the GeoPackage); the GeoRedis
variants run REPEATS times: cold = cache cleared before each run, warm = everything cached,
edited = a different 1% of the input features changed before each run.
"""

from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.wkb_cache import clear_cache
from scripts.bench_common import (
    edit_share,
    georedis_on,
    median,
    print_table,
    run_algorithm,
    world_layer,
)
from scripts.bench_overlay import cold_and_warm, print_memory, rows, world_map_copy

REPEATS = 5
EDITED_SHARE = 0.01


def measure(client, prefix, states, countries, out, label) -> None:
    parameters = {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}
    runs = cold_and_warm(client, prefix, "intersection", parameters, REPEATS)
    edited, edited_count, recomputed = [], 0, []
    for round_number in range(REPEATS):
        edited_count = edit_share(states, round_number, EDITED_SHARE)
        seconds, result = run_algorithm("georedis:intersection", parameters)
        recomputed.append(result["CACHE_MISSES"])
        edited.append(seconds)
    clear_cache(client, prefix)
    table = [
        *rows("intersection", runs),
        (
            f"georedis:intersection after editing {edited_count} input features (1%), "
            f"{median(recomputed):.0f} pairs recomputed",
            median(edited),
        ),
    ]
    title = (
        f"**{label}**: `states_provinces` ({states.featureCount()} features) x `countries` "
        f"({countries.featureCount()}), {runs.computed} intersecting pairs, "
        f"{runs.native_count} output features; GeoRedis medians of {REPEATS} runs; output to "
        "a memory layer."
    )
    print_table(out, title, table, runs.native)
    print_memory(out, runs, "pair results")


def run(redis_url: str, out) -> None:
    with georedis_on(redis_url) as client:
        prefix = ConnectionConfig.from_settings().key_prefix
        with world_map_copy() as (states, countries):
            measure(client, prefix, states, countries, out, "GeoPackage layers")
            del states, countries  # closed before their copy is deleted
        measure(
            client,
            prefix,
            world_layer("states_provinces"),
            world_layer("countries"),
            out,
            "Memory layers",
        )
