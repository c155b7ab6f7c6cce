"""Benchmark: georedis:buffer against native:buffer on world_map ``states_provinces``.

Cold = cache cleared before each run, warm = everything cached, edited = 1% of the features
changed since the last run (a different 1% each time). All variants read the same in-memory
copy of the layer and write to a memory layer, so only the buffering and the cache differ.
"""

from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.wkb_cache import cache_statistics, clear_cache
from scripts.bench_common import (
    edit_share,
    georedis_on,
    median,
    print_table,
    run_algorithm,
    world_layer,
)

LAYER = "states_provinces"
DISTANCE = 0.1
REPEATS = 5
EDITED_SHARE = 0.01


def run(redis_url: str, out) -> None:
    with georedis_on(redis_url) as client:
        layer = world_layer(LAYER)
        count = layer.featureCount()
        parameters = {"INPUT": layer, "DISTANCE": DISTANCE, "OUTPUT": "memory:"}
        prefix = ConnectionConfig.from_settings().key_prefix

        # warm-up: imports, first GEOS calls, and a first native run
        run_algorithm("native:buffer", parameters)
        native = [run_algorithm("native:buffer", parameters)[0] for _ in range(REPEATS)]

        cold = []
        for _ in range(REPEATS):
            clear_cache(client, prefix)
            seconds, result = run_algorithm("georedis:buffer", parameters)
            assert result["CACHE_MISSES"] == count, result
            cold.append(seconds)
        memory = cache_statistics(client, prefix)

        warm = []
        for _ in range(REPEATS):
            seconds, result = run_algorithm("georedis:buffer", parameters)
            assert result["CACHE_HITS"] == count, result
            warm.append(seconds)

        edited = []
        edited_count = 0
        for round_number in range(REPEATS):
            edited_count = edit_share(layer, round_number, EDITED_SHARE)
            seconds, result = run_algorithm("georedis:buffer", parameters)
            assert result["CACHE_MISSES"] == edited_count, result
            edited.append(seconds)
        clear_cache(client, prefix)

    native_median = median(native)
    rows = [
        ("native:buffer", native_median),
        ("georedis:buffer cold (cache cleared)", median(cold)),
        ("georedis:buffer warm (all cached)", median(warm)),
        (f"georedis:buffer after editing {edited_count} features (1%)", median(edited)),
    ]
    title = (
        f"Buffer {DISTANCE} of world_map `{LAYER}` ({count} features), median of {REPEATS} "
        "runs, memory layer in and out."
    )
    print_table(out, title, rows, native_median)
    print(
        f"\nRedis memory used by the cache: {memory['memory_bytes'] / 1e6:.1f} MB "
        f"for {memory['entries']} entries (MEMORY USAGE summed over the keys).",
        file=out,
        flush=True,
    )
