"""Benchmark: georedis:clip and georedis:difference against the natives, world_map states x
countries from the GeoPackage (a copy), output to a memory layer.

Each native runs once (native:clip unites the whole overlay, then intersects every state with
that union: many minutes); the GeoRedis variants run REPEATS times: cold = cache cleared
before each run, warm = everything cached.
"""

from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.wkb_cache import clear_cache
from scripts.bench_common import georedis_on, print_table
from scripts.bench_overlay import cold_and_warm, print_memory, rows, world_map_copy

REPEATS = 3


def measure(client, prefix, name, states, countries, out) -> None:
    parameters = {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}
    runs = cold_and_warm(client, prefix, name, parameters, REPEATS)
    clear_cache(client, prefix)
    title = (
        f"**{name}, GeoPackage layers**: `states_provinces` ({states.featureCount()} features) "
        f"by `countries` ({countries.featureCount()}), {runs.computed} input features with a "
        f"result, {runs.native_count} output features; GeoRedis medians of {REPEATS} runs; "
        "output to a memory layer."
    )
    print_table(out, title, rows(name, runs), runs.native)
    print_memory(out, runs, "results")


def run(redis_url: str, out, names=("clip", "difference")) -> None:
    with georedis_on(redis_url) as client, world_map_copy() as (states, countries):
        prefix = ConnectionConfig.from_settings().key_prefix
        for name in names:
            measure(client, prefix, name, states, countries, out)
        del states, countries  # closed before their copy is deleted


def run_clip(redis_url: str, out) -> None:
    """Clip alone (`make bench clip`): native:clip by itself takes about 15 min here."""
    run(redis_url, out, ("clip",))


def run_difference(redis_url: str, out) -> None:
    """Difference alone (`make bench difference`), a few minutes."""
    run(redis_url, out, ("difference",))
